import { randomBytes } from 'node:crypto';
import type { Bundle, MeasureReport, QuestionnaireResponse } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { patientUnit } from '../../../../src/telemedicine/seed/cohort';
import type { TestApp } from '../../../support/app';
import { createTestAppOnOwnDatabase } from '../../../support/own-database';
import { seedCohort, type SeedSummary } from '../../../../src/telemedicine/seed/seed-cohort';
import { CSV_COLUMNS } from '../../../../src/telemedicine/reports/report-csv';

let t: TestApp;
let seeded: SeedSummary;
const prefix = `r${randomBytes(3).toString('hex')}`;
// The report counts the whole database: this file has one of its own.
const PERIOD = 'periodStart=2019-04-01&periodEnd=2019-06-30';

beforeAll(async () => {
  t = await createTestAppOnOwnDatabase('kolibri_rollout');
  seeded = await seedCohort(t.services.store, { patients: 60, months: 3, end: '2019-06-30', now: new Date('2019-07-01T10:00:00Z'), prefix });
}, 120_000);
afterAll(async () => t?.close());

const score = (r: MeasureReport, code: string) => r.group?.find((g) => g.code?.coding?.[0].code === code)?.measureScore?.value;
const regionOf = (r: MeasureReport) => (r.contained?.[0] as { characteristic: Array<{ valueCodeableConcept: { coding: Array<{ code: string }> } }> }).characteristic[0].valueCodeableConcept.coding[0].code;

/**
 * Direct SQL, written apart from the report's: episode → managing organization → its region's code, per region;
 * measurements are Observations and QuestionnaireResponses (the self-management questionnaire).
 * Timestamps are cast only when complete: other tests store partial dates ("2026-05") that a plain cast rejects.
 */
async function directCounts(): Promise<Map<string, { citizens: number; measurements: number; tasks: number }>> {
  const { rows } = await t.pool.query(
    `WITH e AS (
       SELECT e.id, e.content::jsonb->'patient'->>'reference' AS patient,
              (SELECT i->>'value' FROM resource ro, jsonb_array_elements(ro.content::jsonb->'identifier') i
                WHERE ro.resource_type = 'Organization' AND 'Organization/' || ro.id = o.content::jsonb->'partOf'->>'reference' AND i->>'system' = 'urn:iso:std:iso:3166:-2') AS region
         FROM resource e JOIN resource o ON o.resource_type = 'Organization' AND 'Organization/' || o.id = e.content::jsonb->'managingOrganization'->>'reference'
        WHERE e.resource_type = 'EpisodeOfCare' AND NOT e.deleted AND left(e.content::jsonb->'period'->>'start', 10) <= '2019-06-30')
     SELECT e.region, count(DISTINCT e.patient)::int AS citizens,
            (SELECT count(*)::int FROM resource ob, e e2 WHERE e2.region = e.region AND ob.resource_type = 'Observation' AND NOT ob.deleted
               AND ob.content::jsonb->'subject'->>'reference' = e2.patient AND (CASE WHEN ob.content::jsonb->>'effectiveDateTime' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' THEN (ob.content::jsonb->>'effectiveDateTime')::timestamptz END) BETWEEN '2019-04-01T00:00:00+02:00' AND '2019-07-01T00:00:00+02:00')
          + (SELECT count(*)::int FROM resource qr, e e4 WHERE e4.region = e.region AND qr.resource_type = 'QuestionnaireResponse' AND NOT qr.deleted
               AND qr.content::jsonb->'subject'->>'reference' = e4.patient AND (CASE WHEN qr.content::jsonb->>'authored' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' THEN (qr.content::jsonb->>'authored')::timestamptz END) BETWEEN '2019-04-01T00:00:00+02:00' AND '2019-07-01T00:00:00+02:00') AS measurements,
            (SELECT count(*)::int FROM resource tk, e e3 WHERE e3.region = e.region AND tk.resource_type = 'Task' AND NOT tk.deleted
               AND tk.content::jsonb->'for'->>'reference' = e3.patient AND (CASE WHEN tk.content::jsonb->>'authoredOn' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' THEN (tk.content::jsonb->>'authoredOn')::timestamptz END) >= '2019-04-01T00:00:00+02:00' AND (CASE WHEN tk.content::jsonb->>'authoredOn' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' THEN (tk.content::jsonb->>'authoredOn')::timestamptz END) < '2019-07-01T00:00:00+02:00') AS tasks
       FROM e WHERE e.region IS NOT NULL AND e.id IN (SELECT id FROM resource WHERE resource_type = 'EpisodeOfCare' AND (content::jsonb->'period'->>'start') >= '2019-01-01')
      GROUP BY e.region`,
  );
  return new Map(rows.map((r) => [r.region, { citizens: r.citizens, measurements: r.measurements, tasks: r.tasks }]));
}

describe('$rollout-report over a seeded cohort', () => {
  it('returns per-region MeasureReports whose figures match a direct count in SQL', async () => {
    const res = await t.app.inject({ url: `/fhir/$rollout-report?${PERIOD}&grouping=region` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/fhir\+json/);
    const bundle = res.json() as Bundle;
    const reports = (bundle.entry ?? []).map((e) => e.resource as MeasureReport);
    const byRegion = new Map(reports.map((r) => [regionOf(r), r]));
    const direct = await directCounts();
    expect([...direct.keys()].sort()).toEqual(['DK-81', 'DK-82', 'DK-83', 'DK-84', 'DK-85']);
    for (const [region, counts] of direct) {
      const r = byRegion.get(region) as MeasureReport;
      expect({ region, citizens: score(r, 'active-citizens'), measurements: score(r, 'measurements'), tasks: score(r, 'tasks') }).toEqual({ region, ...counts });
      // and the seed's own plan agrees on who is enrolled where
      expect(score(r, 'active-citizens')).toBe(seeded.units.filter((u) => u.region === region).length);
      const inclusion = r.group?.find((g) => g.code?.coding?.[0].code === 'inclusion');
      expect(inclusion?.population?.[0].count).toBe(counts.citizens);
      expect(inclusion?.measureScore?.value).toBeCloseTo((counts.citizens / (inclusion?.population?.[1].count as number)) * 100, 1);
    }
    expect(score(byRegion.get('DK') as MeasureReport, 'active-citizens')).toBe(60);
    expect(reports.every((r) => r.resourceType === 'MeasureReport' && r.status === 'complete' && r.type === 'summary')).toBe(true);
  });

  it('groups by diagnosis and municipality', async () => {
    const diag = ((await t.app.inject({ url: `/fhir/$rollout-report?${PERIOD}&grouping=diagnosis` })).json() as Bundle).entry!.map((e) => e.resource as MeasureReport);
    const total = (code: string) => score(diag.find((r) => regionOf(r) === code) as MeasureReport, 'active-citizens');
    expect(total('DJ44')).toBe(seeded.units.filter((u) => u.diagnosis === 'DJ44').length);
    expect(total('DI50')).toBe(seeded.units.filter((u) => u.diagnosis === 'DI50').length);
    // every diagnosis group the seed made (the newer groups too) is named, with its code
    const named = diag.filter((r) => regionOf(r) !== 'DK');
    expect(named.map((r) => regionOf(r)).sort()).toEqual([...new Set(seeded.units.map((u) => u.diagnosis))].sort());
    for (const r of named) expect(r.subject?.display).toMatch(new RegExp(`^\\S.* \\(${regionOf(r)}\\)$`));
    const muni = ((await t.app.inject({ url: `/fhir/$rollout-report?${PERIOD}&grouping=municipality` })).json() as Bundle).entry!.map((e) => e.resource as MeasureReport);
    expect(score(muni.find((r) => regionOf(r) === '0851') as MeasureReport, 'active-citizens')).toBe(seeded.units.filter((u) => u.municipality === '0851').length);
  });

  it('$self-management-report over the same cohort: baseline and 3-month means match the seeded answers', async () => {
    // the seeded answers, recomputed from the seed's pure units (same options and prefix)
    const options = { patients: 60, months: 3, end: '2019-06-30', now: new Date('2019-07-01T10:00:00Z'), prefix };
    const byMonth = new Map<number, number[]>();
    for (let i = 1; i <= 60; i++) {
      const unit = patientUnit(options, i);
      const enrolled = DateTime.fromISO(unit.enrolled, { zone: 'Europe/Copenhagen' });
      for (const r of unit.resources.filter((x): x is QuestionnaireResponse => x.resourceType === 'QuestionnaireResponse')) {
        const answers = (r.item ?? []).map((x) => x.answer?.[0].valueInteger as number);
        if (answers.length < 4) continue;
        const month = 3 * Math.round(DateTime.fromISO(r.authored as string).diff(enrolled, 'days').days / 91.3125);
        byMonth.set(month, [...(byMonth.get(month) ?? []), answers.reduce((a, b) => a + b, 0) / answers.length]);
      }
    }
    const res = await t.app.inject({ url: `/fhir/$self-management-report?${PERIOD}` });
    expect(res.statusCode).toBe(200);
    const dk = ((res.json() as Bundle).entry ?? []).map((e) => e.resource as MeasureReport).find((r) => regionOf(r) === 'DK') as MeasureReport;
    expect(dk.group?.[0].measureScore?.value).toBe(60);
    const strata = dk.group?.[1].stratifier?.[0].stratum ?? [];
    const baseline = byMonth.get(0) as number[];
    expect(baseline.length).toBeGreaterThanOrEqual(5);
    const s0 = strata.find((s) => s.value?.coding?.[0].code === 'month-0');
    expect(s0?.population?.[0].count).toBe(baseline.length);
    expect(s0?.measureScore?.value).toBeCloseTo(baseline.reduce((a, b) => a + b, 0) / baseline.length, 2);
    const three = byMonth.get(3) ?? [];
    const s3 = strata.find((s) => s.value?.coding?.[0].code === 'month-3');
    if (three.length >= 5) expect(s3?.population?.[0].count).toBe(three.length);
    else expect(s3 === undefined || s3.extension?.[0].valueCode === 'masked').toBe(true);
  });

  it('answers CSV with one row per region and a country row', async () => {
    const res = await t.app.inject({ url: `/fhir/$rollout-report?${PERIOD}`, headers: { accept: 'text/csv' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.body.trimEnd().split('\r\n').map((l) => l.split(','));
    expect(lines[0]).toEqual([...CSV_COLUMNS]);
    expect(lines.slice(1).map((l) => l[1])).toEqual(['DK-81', 'DK-82', 'DK-83', 'DK-84', 'DK-85', 'DK']);
    expect(lines.every((l) => l.length === CSV_COLUMNS.length)).toBe(true);
    const country = lines[lines.length - 1];
    expect(Number(country[CSV_COLUMNS.indexOf('active_citizens')])).toBe(60);
  });

  it('renders an HTML page with an inclusion chart (inline SVG) per region', async () => {
    const res = await t.app.inject({ url: `/fhir/$rollout-report?${PERIOD}&_format=html` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body.match(/<svg [^>]*class="inclusion-chart"/g)).toHaveLength(5);
    expect(res.body).toContain('Region Nordjylland');
    expect(res.body).not.toMatch(/<script|<link|src="http/);
  });

  it('rejects a bad grouping or date with 400', async () => {
    expect((await t.app.inject({ url: '/fhir/$rollout-report?grouping=planet' })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/fhir/$rollout-report?periodStart=2019-02-30' })).statusCode).toBe(400);
  });

  it('is announced in the CapabilityStatement as a system-level operation', async () => {
    const statement = (await t.app.inject({ url: '/fhir/metadata' })).json() as { rest: Array<{ operation?: Array<{ name: string; definition: string }> }> };
    expect(statement.rest[0].operation).toContainEqual({ name: 'rollout-report', definition: 'https://kolibri.dk/fhir/OperationDefinition/rollout-report' });
  });

  it('answers episodes whose period is a partial date (year or year-month) instead of failing', async () => {
    const id = `${prefix}-partial`;
    await t.services.store.transaction(async (tx) => {
      await tx.update({ resourceType: 'Patient', id }, { allowCreate: true });
      await tx.update({ resourceType: 'EpisodeOfCare', id, status: 'finished', patient: { reference: `Patient/${id}` }, period: { start: '2031-05', end: '2032' } }, { allowCreate: true });
    });
    for (const format of ['json', 'csv', 'html']) {
      const res = await t.app.inject({ url: `/fhir/$rollout-report?periodStart=2031-04-01&periodEnd=2031-06-30&_format=${format}` });
      expect(res.statusCode).toBe(200);
    }
    const bundle = (await t.app.inject({ url: '/fhir/$rollout-report?periodStart=2031-04-01&periodEnd=2031-06-30&grouping=diagnosis' })).json() as Bundle;
    // the episode (no diagnosis) is active from 2031-05-01 in a report of 2031-04..06
    expect(score((bundle.entry ?? []).map((e) => e.resource as MeasureReport).find((r) => regionOf(r) === 'DK') as MeasureReport, 'active-citizens')).toBeGreaterThanOrEqual(1);
  });
});
