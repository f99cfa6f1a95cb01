import { randomBytes } from 'node:crypto';
import type { Bundle, MeasureReport, QuestionnaireResponse } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { createTestApp, type TestApp } from '../../../support/app';
import { selfManagementRequest, selfManagementResponse, type Diagnosis } from '../../../../src/telemedicine/seed/resources';
import { put, writeCitizen, writeRegions } from './report-cohort';
import { SELF_MANAGEMENT_CSV_COLUMNS } from '../../../../src/telemedicine/reports/self-management-csv';

let t: TestApp;
const u = randomBytes(3).toString('hex');
// Enrolment in 2013, a year no other test writes in; answers count up to 2013-12-31. The episodes
// end then, so the other reports' periods do not see them.
const PERIOD = 'periodStart=2013-01-01&periodEnd=2013-12-31';
const ZONE = 'Europe/Copenhagen';
const REGION_A = 'DK-81';
const REGION_B = 'DK-85';

interface Answer {
  at: DateTime;
  answers: Array<number | undefined>;
  /** Why the report must not count it (the direct count below skips it). */
  ignored?: string;
  status?: QuestionnaireResponse['status'];
  questionnaire?: string;
}
interface Citizen { id: string; region: string; diagnosis: Diagnosis; enrolled: DateTime; responses: Answer[] }

/** Six items around a level, 1–10. */
const items = (level: number, i: number) => [0, 1, -1, 2, -2, 0].map((d) => Math.max(1, Math.min(10, level + d + (i % 2))));

/**
 * Region A: seven COPD citizens; region B: three heart-failure citizens (a small cell). Everyone
 * answers at baseline and at 3 months; five of A (and one of B) at 6 months, three of A at 9
 * months (a small cell); plus answers the report must leave out.
 */
function cohort(): Citizen[] {
  return Array.from({ length: 10 }, (_, i) => {
    const enrolled = DateTime.fromISO(`2013-0${1 + (i % 3)}-1${i}T10:00:00`, { zone: ZONE });
    const at = (k: number, extraDays = 0) => enrolled.plus({ days: Math.round(k * 91.3125) + 3 + extraDays });
    const inA = i < 7;
    const responses: Answer[] = [
      { at: at(0), answers: items(4 + (i % 3), i) },
      { at: at(1, -6), answers: items(5 + (i % 3), i) },
      ...(i < 5 || i === 7 ? [{ at: at(2, 5), answers: items(6 + (i % 4), i) }] : []),
      ...(i < 3 ? [{ at: at(3), answers: items(7, i) }] : []),
    ];
    if (i === 0) responses.push({ at: at(0, 7), answers: items(10, i), ignored: 'a second answer at the same follow-up: the first counts' });
    if (i === 1) responses.push({ at: at(2), answers: items(1, i), status: 'entered-in-error', ignored: 'entered in error' });
    if (i === 2) responses.push({ at: at(1), answers: items(1, i), questionnaire: `https://kolibri.dk/fhir/Questionnaire/${u}-other|1.0`, ignored: 'another questionnaire' });
    if (i === 3) responses.push({ at: enrolled.minus({ days: 30 }), answers: items(1, i), ignored: 'more than 14 days before enrolment' });
    if (i === 4) responses.push({ at: DateTime.fromISO('2014-01-05T09:00:00', { zone: ZONE }), answers: items(1, i), ignored: 'after the follow-up end' });
    if (i === 5) responses.push({ at: at(2), answers: [9, 9, 9, undefined, undefined, undefined], ignored: 'more than two items missing: no score' });
    if (i === 6) responses[1].answers = [3, undefined, 5, 6, undefined, 8]; // two missing: still scored
    return { id: `${u}-c${i}`, region: inA ? REGION_A : REGION_B, diagnosis: (inA ? 'DJ44' : 'DI50') as Diagnosis, enrolled, responses };
  });
}
const citizens = cohort();

beforeAll(async () => {
  t = await createTestApp();
  await writeRegions(t, u, REGION_A, REGION_B);
  for (const c of citizens) {
    const eoc = `${c.id}-eoc`;
    await writeCitizen(t, u, { id: c.id, suffix: c.region === REGION_A ? 'a' : 'b', diagnosis: c.diagnosis, enrolled: c.enrolled, end: '2013-12-31' });
    await put(t, selfManagementRequest(`${c.id}-sr`, c.id, eoc, c.enrolled.toISODate() as string));
    let n = 0;
    for (const r of c.responses) {
      await put(t, selfManagementResponse(`${c.id}-qr${n++}`, { patientId: c.id, episodeId: eoc, serviceRequestId: `${c.id}-sr`, authored: r.at.toISO() as string, answers: r.answers, status: r.status, questionnaire: r.questionnaire }));
    }
  }
}, 120_000);
afterAll(async () => t?.close());

/** Per follow-up month: the citizens with a counted answer and their mean score, counted directly from the cohort above. */
function direct(group: Citizen[]): Map<number, { citizens: number; mean: number }> {
  const byMonth = new Map<number, number[]>();
  for (const c of group) {
    const seen = new Set<number>();
    for (const r of [...c.responses].filter((x) => !x.ignored).sort((a, b) => a.at.toMillis() - b.at.toMillis())) {
      const month = 3 * Math.round(r.at.diff(c.enrolled, 'days').days / 91.3125);
      if (seen.has(month)) continue;
      seen.add(month);
      const given = r.answers.filter((a): a is number => a !== undefined);
      byMonth.set(month, [...(byMonth.get(month) ?? []), given.reduce((s, a) => s + a, 0) / given.length]);
    }
  }
  return new Map([...byMonth].map(([m, scores]) => [m, { citizens: scores.length, mean: scores.reduce((s, x) => s + x, 0) / scores.length }]));
}

const subjectCode = (r: MeasureReport) => (r.contained?.[0] as { characteristic: Array<{ valueCodeableConcept: { coding: Array<{ code: string }> } }> }).characteristic[0].valueCodeableConcept.coding[0].code;
const measure = (r: MeasureReport, code: string) => r.group?.find((g) => g.code?.coding?.[0].code === code);
const followUp = (r: MeasureReport, month: number) => measure(r, 'self-efficacy')?.stratifier?.[0].stratum?.find((s) => s.value?.coding?.[0].code === `month-${month}`);
const MASKED = [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'masked' }];

async function reports(query: string): Promise<MeasureReport[]> {
  const res = await t.app.inject({ url: `/fhir/$self-management-report?${query}` });
  expect(res.statusCode).toBe(200);
  return ((res.json() as Bundle).entry ?? []).map((e) => e.resource as MeasureReport);
}

describe('$self-management-report over a cohort written through the API', () => {
  it('per region: the mean score and the citizens behind it at baseline and each follow-up match a direct count', async () => {
    const a = (await reports(`${PERIOD}&grouping=region`)).find((r) => subjectCode(r) === REGION_A) as MeasureReport;
    const want = direct(citizens.filter((c) => c.region === REGION_A));
    expect([...want.keys()].sort((x, y) => x - y)).toEqual([0, 3, 6, 9]);
    expect([0, 3, 6, 9].map((m) => want.get(m)?.citizens)).toEqual([7, 7, 5, 3]);
    expect(measure(a, 'citizens')?.measureScore?.value).toBe(7);
    for (const month of [0, 3, 6]) {
      const s = followUp(a, month);
      expect({ month, citizens: s?.population?.[0].count }).toEqual({ month, citizens: want.get(month)?.citizens });
      expect(s?.measureScore?.value).toBeCloseTo(want.get(month)?.mean as number, 2);
      expect(s?.measureScore?.code).toBe('{score}');
    }
    // the scores improve in this cohort, as the direct count says
    expect(followUp(a, 6)?.measureScore?.value).toBeGreaterThan(followUp(a, 0)?.measureScore?.value as number);
  });

  it('suppresses cells of fewer than 5 citizens: a follow-up (3 answers) and a whole group (3 citizens)', async () => {
    const all = await reports(`${PERIOD}&grouping=region`);
    const a = all.find((r) => subjectCode(r) === REGION_A) as MeasureReport;
    const nine = followUp(a, 9);
    expect(nine?.measureScore).toBeUndefined();
    expect(nine?.population).toBeUndefined();
    expect(nine?.extension).toEqual(MASKED);
    const b = all.find((r) => subjectCode(r) === REGION_B) as MeasureReport;
    expect(b.group?.map((g) => [g.code?.coding?.[0].code, g.measureScore, g.stratifier, g.extension])).toEqual([
      ['citizens', undefined, undefined, MASKED],
      ['self-efficacy', undefined, undefined, MASKED],
    ]);
    // the country counts the small cells' citizens: all ten at baseline
    const dk = all.find((r) => subjectCode(r) === 'DK') as MeasureReport;
    const everyone = direct(citizens);
    expect(measure(dk, 'citizens')?.measureScore?.value).toBe(10);
    expect(followUp(dk, 0)?.population?.[0].count).toBe(10);
    expect(followUp(dk, 0)?.measureScore?.value).toBeCloseTo(everyone.get(0)?.mean as number, 2);
    expect(followUp(dk, 6)?.population?.[0].count).toBe(6);
  });

  it('per diagnosis, with the diagnosis names', async () => {
    const diag = await reports(`${PERIOD}&grouping=diagnosis`);
    const copd = diag.find((r) => subjectCode(r) === 'DJ44') as MeasureReport;
    expect(copd.subject?.display).toBe('KOL (DJ44)');
    expect(followUp(copd, 3)?.population?.[0].count).toBe(7);
    const hf = diag.find((r) => subjectCode(r) === 'DI50') as MeasureReport;
    expect(hf.subject?.display).toBe('Hjertesvigt (DI50)');
    expect(measure(hf, 'citizens')?.extension).toEqual(MASKED);
  });

  it('answers CSV with a row per group and follow-up, suppressed cells empty', async () => {
    const res = await t.app.inject({ url: `/fhir/$self-management-report?${PERIOD}&_format=csv` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe('inline; filename="self-management-region-2013-01-01-2013-12-31.csv"');
    const lines = res.body.trimEnd().split('\r\n').map((l) => l.split(','));
    expect(lines[0]).toEqual(SELF_MANAGEMENT_CSV_COLUMNS);
    const col = (name: string) => SELF_MANAGEMENT_CSV_COLUMNS.indexOf(name);
    const cell = (code: string, month: number) => lines.find((l) => l[col('code')] === code && l[col('follow_up_months')] === String(month)) as string[];
    const want = direct(citizens.filter((c) => c.region === REGION_A));
    const a3 = cell(REGION_A, 3);
    expect([a3[col('enrolled_citizens')], a3[col('citizens')], a3[col('suppressed')]]).toEqual(['7', '7', 'false']);
    expect(Number(a3[col('mean_score')])).toBeCloseTo(want.get(3)?.mean as number, 2);
    expect(cell(REGION_A, 9).slice(col('suppressed'))).toEqual(['true', '', '']);
    expect(cell(REGION_B, 0).slice(col('enrolled_citizens'))).toEqual(['', '0', 'true', '', '']);
    expect(lines[lines.length - 1][0]).toBe('country');
  });

  it('renders an HTML page with a line chart (inline SVG) and the table', async () => {
    const res = await t.app.inject({ url: `/fhir/$self-management-report?${PERIOD}&_format=html` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body.match(/<svg [^>]*class="self-management-chart"/g)).toHaveLength(1);
    expect(res.body).toContain('Region Nordjylland');
    expect(res.body).toContain('&lt; 5');
    expect(res.body).not.toMatch(/<script|<link|src="http/);
  });

  it('rejects a bad grouping or date with 400', async () => {
    expect((await t.app.inject({ url: '/fhir/$self-management-report?grouping=planet' })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/fhir/$self-management-report?periodEnd=2013-13-01' })).statusCode).toBe(400);
  });

  it('is announced in the CapabilityStatement as a system-level operation', async () => {
    const statement = (await t.app.inject({ url: '/fhir/metadata' })).json() as { rest: Array<{ operation?: Array<{ name: string; definition: string }> }> };
    expect(statement.rest[0].operation).toContainEqual({ name: 'self-management-report', definition: 'https://kolibri.dk/fhir/OperationDefinition/self-management-report' });
  });
});
