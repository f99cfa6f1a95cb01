import { randomBytes } from 'node:crypto';
import type { Observation, QuestionnaireResponse, Resource } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { createTestApp, FixedClock, type TestApp } from '../../../support/app';
import { organizations, patientUnit } from '../../../../src/telemedicine/seed/cohort';
import { seedCohort } from '../../../../src/telemedicine/seed/seed-cohort';
import { seedSelfManagement } from '../../../../src/telemedicine/seed/self-management';
import { MissingMeasurementScheduler } from '../../../../src/telemedicine/scheduler/scheduler';

let t: TestApp;
const prefix = `s${randomBytes(3).toString('hex')}`;
// In 2040, after every report period the tests ask for: the seeded episodes stay active, and a
// report over a later period would count them.
const options = { patients: 12, months: 2, end: '2040-03-31', now: new Date('2040-04-01T10:00:00Z'), prefix };

beforeAll(async () => {
  t = await createTestApp({ clock: new FixedClock(new Date('2040-04-01T10:00:00Z')) });
});
afterAll(async () => t?.close());

describe('kolibri seed', () => {
  it('writes a cohort once: seeding again writes nothing', async () => {
    const first = await seedCohort(t.services.store, options);
    expect(first.written).toBeGreaterThan(12 * 8);
    expect(first.skipped).toBe(0);
    const again = await seedCohort(t.services.store, options);
    expect(again.written).toBe(0);
    expect(again.skipped).toBe(first.written);
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM resource WHERE resource_type = 'Patient' AND id LIKE $1`, [`${prefix}-p-%`]);
    expect(rows[0].n).toBe(12);
  });

  it('makes resources that conform to the Kolibri profiles, with CPR numbers whose DDMMYY is a real date', () => {
    // a fixed key (pure draws): sixty citizens cover the patient groups and every resource type
    const units = Array.from({ length: 60 }, (_v, i) => patientUnit({ ...options, prefix: 'seedfixed' }, i + 1));
    expect(new Set(units.map((u) => u.diagnosis))).toEqual(new Set(['DJ44', 'DI50', 'DE11', 'DO14', 'DK50', 'DK51', 'DL97']));
    const resources: Resource[] = [...organizations(prefix), ...units.flatMap((u) => u.resources)];
    const types = new Set(resources.map((r) => r.resourceType));
    expect([...types].sort()).toEqual(['CarePlan', 'CareTeam', 'Condition', 'Encounter', 'EpisodeOfCare', 'Observation', 'Organization', 'Patient', 'QuestionnaireResponse', 'ServiceRequest', 'Task']);
    // every measurement's regime is in the unit, and in its care plan
    const ids = new Set(resources.map((r) => `${r.resourceType}/${r.id}`));
    const planned = new Set(resources.flatMap((r) => (r.resourceType === 'CarePlan' ? (r.activity ?? []).map((a) => a.reference?.reference) : [])));
    for (const r of resources.filter((x): x is Observation | QuestionnaireResponse => x.resourceType === 'Observation' || x.resourceType === 'QuestionnaireResponse')) {
      const sr = r.basedOn?.[0].reference as string;
      expect([ids.has(sr), planned.has(sr)]).toEqual([true, true]);
    }
    const errors = resources.flatMap((r) => t.services.interactions.validator.validate(r).filter((i) => i.severity === 'error').map((i) => `${r.resourceType}/${r.id}: ${i.diagnostics}`));
    expect(errors).toEqual([]);
    for (const p of resources.filter((r) => r.resourceType === 'Patient') as Array<{ identifier: Array<{ value: string }>; birthDate: string }>) {
      const cpr = p.identifier[0].value;
      expect(cpr).toMatch(/^\d{10}$/);
      const date = DateTime.fromFormat(cpr.slice(0, 6), 'ddMMyy');
      expect(date.isValid).toBe(true);
      expect(p.birthDate.slice(2).replace(/-/g, '')).toBe(`${cpr.slice(4, 6)}${cpr.slice(2, 4)}${cpr.slice(0, 2)}`);
    }
  });

  it('gives each citizen admissions and outpatient contacts in the 12 months before enrolment and since, none later than now', () => {
    // a fixed key: the draws are random per key, and with few citizens enrolled near the cohort's
    // end a random prefix left no contact after enrolment in about one run in seven
    const units = Array.from({ length: 40 }, (_v, i) => patientUnit({ ...options, prefix: 'seedfixed' }, i + 1));
    const encounters = units.flatMap((u) =>
      u.resources.filter((r) => r.resourceType === 'Encounter').map((r) => ({ enrolled: DateTime.fromISO(u.enrolled, { zone: 'Europe/Copenhagen' }), e: r as { class: { code: string }; period: { start: string } } })),
    );
    expect(new Set(encounters.map(({ e }) => e.class.code))).toEqual(new Set(['IMP', 'AMB']));
    for (const { enrolled, e } of encounters) {
      const at = DateTime.fromISO(e.period.start);
      expect(at >= enrolled.minus({ months: 12 }) && at.toJSDate() < options.now).toBe(true);
    }
    expect(encounters.some(({ enrolled, e }) => DateTime.fromISO(e.period.start) < enrolled)).toBe(true);
    expect(encounters.some(({ enrolled, e }) => DateTime.fromISO(e.period.start) >= enrolled)).toBe(true);
  });

  it('gives each citizen the self-management questionnaire at enrolment and every 3 months, the mean score improving', () => {
    // fixed keys and enrolment dates: the means are a property of these draws, not of the run
    const until = new Date('2018-04-01T00:00:00Z');
    const scores = new Map<number, number[]>();
    for (let i = 0; i < 60; i++) {
      const enrolled = DateTime.fromISO('2016-10-01', { zone: 'Europe/Copenhagen' }).plus({ days: i * 6 });
      const ids = { patient: `p${i}`, episode: `e${i}`, team: 'team', serviceRequest: `sr${i}` };
      const { resources, claims } = seedSelfManagement(`seedfixed|${i}`, ids, enrolled, until);
      expect(resources[0]).toMatchObject({ resourceType: 'ServiceRequest', id: `sr${i}`, code: { coding: [{ code: 'semcd-6' }] } });
      const responses = resources.filter((r): r is QuestionnaireResponse => r.resourceType === 'QuestionnaireResponse');
      const windows = new Set<number>();
      for (const r of responses) {
        expect(r.questionnaire).toBe('https://kolibri.dk/fhir/Questionnaire/self-management-semcd6|1.0');
        const at = DateTime.fromISO(r.authored as string);
        expect(at.toJSDate() < until).toBe(true);
        const month = Math.round(at.diff(enrolled, 'months').months);
        // inside its window: the enrolment's day of the month every 3 months, 08:00 + 14 days
        expect(month % 3).toBe(0);
        const opens = enrolled.plus({ months: month }).set({ hour: 8 });
        expect(at >= opens && at < opens.plus({ days: 14 })).toBe(true);
        windows.add(month);
        const answers = (r.item ?? []).map((x) => x.answer?.[0].valueInteger as number);
        expect(answers.every((a) => a >= 1 && a <= 10)).toBe(true);
        scores.set(month, [...(scores.get(month) ?? []), answers.reduce((a, b) => a + b, 0) / answers.length]);
      }
      // every closed window either has an answer or a missing-measurement Task and its claim
      const missed = resources.filter((r) => r.resourceType === 'Task');
      expect(missed).toHaveLength(claims.length);
      for (const c of claims) expect(windows.has(Math.round(DateTime.fromJSDate(c.start).diff(enrolled, 'months').months))).toBe(false);
    }
    const mean = (m: number) => (scores.get(m) as number[]).reduce((a, b) => a + b, 0) / (scores.get(m) as number[]).length;
    expect((scores.get(0) as number[]).length).toBeGreaterThan(50);
    expect((scores.get(12) as number[]).length).toBeGreaterThan(15);
    expect(mean(3)).toBeGreaterThan(mean(0));
    expect(mean(12)).toBeGreaterThan(mean(0) + 0.8);
  });

  it('leaves the scheduler nothing to repeat: missed slots already have their Task and claim', async () => {
    const srs = Array.from({ length: 12 }, (_v, i) => patientUnit(options, i + 1).resources.filter((r) => r.resourceType === 'ServiceRequest').map((r) => r.id as string)).flat();
    const scheduler = new MissingMeasurementScheduler({ storage: t.storage, store: t.services.store, clock: new FixedClock(options.now), lookbackHours: 24 * 7, onlyServiceRequests: srs });
    // at the cohort's end (midnight local after 31 March); later slots are genuinely missing
    const run = await scheduler.runOnce(new Date('2040-03-31T22:00:00Z'));
    // most measurement regimes have a slot closing in the look-back, but not the weekly (Monday)
    // regime of a citizen the random draw enrolled after the last Monday (one CI run: 21 of 22);
    // most questionnaire windows (3-monthly) do not
    const measuring = srs.filter((id) => !id.endsWith('-sm')).length;
    expect(run.serviceRequests).toBeGreaterThanOrEqual(Math.ceil(measuring * 0.75));
    expect(run.serviceRequests).toBeLessThanOrEqual(srs.length);
    expect(run.tasksCreated).toBe(0);
  });
});
