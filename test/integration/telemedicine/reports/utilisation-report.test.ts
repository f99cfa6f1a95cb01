import { randomBytes } from 'node:crypto';
import type { Bundle, Encounter, MeasureReport } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { createTestApp, type TestApp } from '../../../support/app';
import type { Diagnosis } from '../../../../src/telemedicine/seed/resources';
import { put, writeCitizen, writeRegions } from './report-cohort';
import { UTILISATION_CSV_COLUMNS } from '../../../../src/telemedicine/reports/utilisation-csv';

let t: TestApp;
const u = randomBytes(3).toString('hex');
// Enrolment in 2015, a year no other test enrols in; follow-up to 2015-12-31. The episodes end
// then, so the rollout report's periods (which count every active episode) do not see them.
const PERIOD = 'periodStart=2015-01-01&periodEnd=2015-12-31';
const FOLLOW_UP_END = DateTime.fromISO('2016-01-01', { zone: 'Europe/Copenhagen' });
const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

/** Region A: six COPD citizens; region B: three heart-failure citizens (a small cell). */
const REGION_A = 'DK-81';
const REGION_B = 'DK-85';
interface Citizen { id: string; region: string; diagnosis: Diagnosis; enrolled: DateTime; encounters: Array<{ cls: string; at: DateTime; status?: Encounter['status'] }> }

function cohort(): Citizen[] {
  return Array.from({ length: 9 }, (_, i) => {
    const enrolled = DateTime.fromISO(`2015-0${2 + (i % 7)}-1${i}T10:00:00`, { zone: 'Europe/Copenhagen' });
    return {
      id: `${u}-c${i}`,
      region: i < 6 ? REGION_A : REGION_B,
      diagnosis: (i < 6 ? 'DJ44' : 'DI50') as Diagnosis,
      enrolled,
      encounters: [
        { cls: 'IMP', at: enrolled.minus({ months: 6 }) },
        ...(i % 2 ? [{ cls: 'IMP', at: enrolled.minus({ months: 11 }) }] : []),
        { cls: 'AMB', at: enrolled.minus({ months: 2 }) },
        { cls: 'AMB', at: enrolled.minus({ days: 3 }) },
        { cls: 'AMB', at: enrolled.plus({ months: 1 }) },
        ...(i % 3 === 0 ? [{ cls: 'IMP', at: enrolled.plus({ days: 20 }) }] : []),
        // not counted: before the 12 months, after the follow-up, cancelled, another class
        { cls: 'IMP', at: enrolled.minus({ months: 13 }) },
        { cls: 'AMB', at: FOLLOW_UP_END.plus({ days: 5 }) },
        { cls: 'IMP', at: enrolled.plus({ days: 2 }), status: 'cancelled' },
        { cls: 'EMER', at: enrolled.plus({ days: 4 }) },
      ],
    };
  });
}
const citizens = cohort();

beforeAll(async () => {
  t = await createTestApp();
  await writeRegions(t, u, REGION_A, REGION_B);
  for (const c of citizens) {
    await writeCitizen(t, u, { id: c.id, suffix: c.region === REGION_A ? 'a' : 'b', diagnosis: c.diagnosis, enrolled: c.enrolled, end: '2015-12-31' });
    let n = 0;
    for (const e of c.encounters) {
      const start = e.at.toISO() as string;
      await put(t, { resourceType: 'Encounter', id: `${c.id}-enc${n++}`, status: e.status ?? 'finished', class: { system: ACT, code: e.cls }, subject: { reference: `Patient/${c.id}` }, period: { start, end: e.at.plus({ hours: 2 }).toISO() as string } } as Encounter);
    }
  }
}, 120_000);
afterAll(async () => t?.close());

/** The expected figures counted directly from the cohort written above. */
function direct(group: Citizen[]) {
  const years = (from: DateTime, to: DateTime) => to.diff(from, 'days').days / 365.25;
  const count = (cls: string, inWindow: (c: Citizen, at: DateTime) => boolean) =>
    group.reduce((n, c) => n + c.encounters.filter((e) => e.cls === cls && e.status !== 'cancelled' && inWindow(c, e.at)).length, 0);
  const before = (c: Citizen, at: DateTime) => at >= c.enrolled.minus({ months: 12 }) && at < c.enrolled;
  const since = (c: Citizen, at: DateTime) => at >= c.enrolled && at < FOLLOW_UP_END;
  const yearsBefore = group.reduce((s, c) => s + years(c.enrolled.minus({ months: 12 }), c.enrolled), 0);
  const yearsSince = group.reduce((s, c) => s + years(c.enrolled, FOLLOW_UP_END), 0);
  return {
    citizens: group.length,
    yearsBefore,
    yearsSince,
    admissionsBefore: count('IMP', before),
    admissionsSince: count('IMP', since),
    outpatientBefore: count('AMB', before),
    outpatientSince: count('AMB', since),
  };
}

const subjectCode = (r: MeasureReport) => (r.contained?.[0] as { characteristic: Array<{ valueCodeableConcept: { coding: Array<{ code: string }> } }> }).characteristic[0].valueCodeableConcept.coding[0].code;
const measure = (r: MeasureReport, code: string) => r.group?.find((g) => g.code?.coding?.[0].code === code);
const stratum = (r: MeasureReport, code: string, window: string) => measure(r, code)?.stratifier?.[0].stratum?.find((s) => s.value?.coding?.[0].code === window);

async function reports(query: string): Promise<MeasureReport[]> {
  const res = await t.app.inject({ url: `/fhir/$utilisation-report?${query}` });
  expect(res.statusCode).toBe(200);
  return ((res.json() as Bundle).entry ?? []).map((e) => e.resource as MeasureReport);
}

describe('$utilisation-report over a cohort written through the API', () => {
  it('per region: admissions and outpatient contacts per citizen-year before and since enrolment match a direct count', async () => {
    const byRegion = new Map((await reports(`${PERIOD}&grouping=region`)).map((r) => [subjectCode(r), r]));
    const a = byRegion.get(REGION_A) as MeasureReport;
    const want = direct(citizens.filter((c) => c.region === REGION_A));
    expect(want.admissionsSince).toBeGreaterThan(0);
    expect(measure(a, 'citizens')?.measureScore?.value).toBe(6);
    expect(stratum(a, 'citizen-years', 'before')?.measureScore?.value).toBeCloseTo(want.yearsBefore, 2);
    expect(stratum(a, 'citizen-years', 'since')?.measureScore?.value).toBeCloseTo(want.yearsSince, 2);
    expect(stratum(a, 'admissions', 'before')?.population?.[0].count).toBe(want.admissionsBefore);
    expect(stratum(a, 'admissions', 'since')?.population?.[0].count).toBe(want.admissionsSince);
    expect(stratum(a, 'outpatient-contacts', 'before')?.population?.[0].count).toBe(want.outpatientBefore);
    expect(stratum(a, 'outpatient-contacts', 'since')?.population?.[0].count).toBe(want.outpatientSince);
    expect(stratum(a, 'admissions', 'before')?.measureScore?.value).toBeCloseTo(want.admissionsBefore / want.yearsBefore, 2);
    expect(stratum(a, 'admissions', 'since')?.measureScore?.value).toBeCloseTo(want.admissionsSince / want.yearsSince, 1);
    expect(stratum(a, 'outpatient-contacts', 'since')?.measureScore?.value).toBeCloseTo(want.outpatientSince / want.yearsSince, 1);
  });

  it('suppresses a group of fewer than 5 citizens: no figures, not even the count', async () => {
    const b = (await reports(`${PERIOD}&grouping=region`)).find((r) => subjectCode(r) === REGION_B) as MeasureReport;
    expect(b).toBeDefined();
    for (const g of b.group ?? []) {
      expect(g.measureScore).toBeUndefined();
      expect(g.stratifier).toBeUndefined();
      expect(g.extension).toEqual([{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'masked' }]);
    }
    // the country counts the small cell's citizens too
    const dk = (await reports(`${PERIOD}&grouping=region`)).find((r) => subjectCode(r) === 'DK') as MeasureReport;
    expect(measure(dk, 'citizens')?.measureScore?.value).toBeGreaterThanOrEqual(9);
  });

  it('per diagnosis and municipality', async () => {
    const diag = await reports(`${PERIOD}&grouping=diagnosis`);
    const copd = diag.find((r) => subjectCode(r) === 'DJ44') as MeasureReport;
    expect(measure(copd, 'citizens')?.measureScore?.value).toBeGreaterThanOrEqual(6);
    const hf = diag.find((r) => subjectCode(r) === 'DI50') as MeasureReport;
    expect(measure(hf, 'citizens')?.extension?.[0].valueCode).toBe('masked');
    const muni = await reports(`${PERIOD}&grouping=municipality`);
    expect(muni.find((r) => subjectCode(r) === '0851')).toBeDefined();
  });

  it('answers CSV with a row per group, the suppressed one empty', async () => {
    const res = await t.app.inject({ url: `/fhir/$utilisation-report?${PERIOD}&_format=csv` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.body.trimEnd().split('\r\n').map((l) => l.split(','));
    expect(lines[0]).toEqual(UTILISATION_CSV_COLUMNS);
    const col = (name: string) => UTILISATION_CSV_COLUMNS.indexOf(name);
    const a = lines.find((l) => l[1] === REGION_A) as string[];
    const want = direct(citizens.filter((c) => c.region === REGION_A));
    expect([a[col('citizens')], a[col('admissions_before')], a[col('outpatient_since')], a[col('suppressed')]]).toEqual(['6', String(want.admissionsBefore), String(want.outpatientSince), 'false']);
    const b = lines.find((l) => l[1] === REGION_B) as string[];
    expect(b[col('suppressed')]).toBe('true');
    expect(b.slice(col('citizens'))).toEqual(Array(UTILISATION_CSV_COLUMNS.length - col('citizens')).fill(''));
    expect(lines[lines.length - 1][0]).toBe('country');
  });

  it('renders an HTML page with bar charts (inline SVG)', async () => {
    const res = await t.app.inject({ url: `/fhir/$utilisation-report?${PERIOD}&_format=html` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body.match(/<svg [^>]*class="utilisation-chart"/g)).toHaveLength(2);
    expect(res.body).toContain('Region Nordjylland');
    expect(res.body).not.toMatch(/<script|<link|src="http/);
  });

  it('rejects a bad grouping or date with 400', async () => {
    expect((await t.app.inject({ url: '/fhir/$utilisation-report?grouping=planet' })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/fhir/$utilisation-report?periodEnd=2015-13-01' })).statusCode).toBe(400);
  });

  it('is announced in the CapabilityStatement as a system-level operation', async () => {
    const statement = (await t.app.inject({ url: '/fhir/metadata' })).json() as { rest: Array<{ operation?: Array<{ name: string; definition: string }> }> };
    expect(statement.rest[0].operation).toContainEqual({ name: 'utilisation-report', definition: 'https://kolibri.dk/fhir/OperationDefinition/utilisation-report' });
  });
});
