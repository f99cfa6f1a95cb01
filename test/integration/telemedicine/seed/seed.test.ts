import { randomBytes } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { createTestApp, FixedClock, type TestApp } from '../../../support/app';
import { organizations, patientUnit } from '../../../../src/telemedicine/seed/cohort';
import { seedCohort } from '../../../../src/telemedicine/seed/seed-cohort';
import { MissingMeasurementScheduler } from '../../../../src/telemedicine/scheduler/scheduler';

let t: TestApp;
const prefix = `s${randomBytes(3).toString('hex')}`;
const options = { patients: 12, months: 2, end: '2018-03-31', now: new Date('2018-04-01T10:00:00Z'), prefix };

beforeAll(async () => {
  t = await createTestApp({ clock: new FixedClock(new Date('2018-04-01T10:00:00Z')) });
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
    const resources: Resource[] = [...organizations(prefix), ...[1, 2, 3, 4, 5, 6].flatMap((i) => patientUnit(options, i).resources)];
    const types = new Set(resources.map((r) => r.resourceType));
    expect([...types].sort()).toEqual(['CarePlan', 'CareTeam', 'Condition', 'Encounter', 'EpisodeOfCare', 'Observation', 'Organization', 'Patient', 'ServiceRequest', 'Task']);
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

  it('leaves the scheduler nothing to repeat: missed slots already have their Task and claim', async () => {
    const srs = Array.from({ length: 12 }, (_v, i) => [0, 1].map((k) => `${prefix}-sr-${String(i + 1).padStart(5, '0')}-${k}`)).flat();
    const scheduler = new MissingMeasurementScheduler({ pool: t.pool, store: t.services.store, clock: new FixedClock(options.now), lookbackHours: 24 * 7, onlyServiceRequests: srs });
    // at the cohort's end (midnight local after 31 March); later slots are genuinely missing
    const run = await scheduler.runOnce(new Date('2018-03-31T22:00:00Z'));
    expect(run.serviceRequests).toBe(24);
    expect(run.tasksCreated).toBe(0);
  });
});
