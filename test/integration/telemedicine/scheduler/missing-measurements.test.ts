import { nonCprUuid } from '../../../support/ids';
import type { Bundle, Task } from '@medplum/fhirtypes';
import { createTestApp, FixedClock, type TestApp } from '../../../support/app';
import { MissingMeasurementScheduler } from '../../../../src/telemedicine/scheduler/scheduler';
import { enrolCopd, MON_WED_FRI_0800_4H, putAll, spo2, type Enrolment } from './enrol';

let t: TestApp;
const clock = new FixedClock(new Date('2026-03-01T00:00:00Z'));

beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(async () => t?.close());

const scheduler = (e: Enrolment | Enrolment[], lookbackHours = 24 * 7) =>
  new MissingMeasurementScheduler({
    storage: t.storage,
    store: t.services.store,
    clock,
    lookbackHours,
    onlyServiceRequests: (Array.isArray(e) ? e : [e]).flatMap((x) => x.serviceRequestIds),
  });

async function missingTasks(serviceRequestId: string): Promise<Task[]> {
  const res = await t.app.inject({ url: `/fhir/Task?focus=ServiceRequest/${serviceRequestId}&code=https://kolibri.dk/fhir/CodeSystem/task-category|missing-measurement&_count=100` });
  expect(res.statusCode).toBe(200);
  return ((res.json() as Bundle).entry ?? []).map((x) => x.resource as Task);
}

describe('missing-measurement scheduler', () => {
  it('Mon/Wed/Fri 08:00–12:00 with no submission on Wednesday: exactly one Task, after 12:00 Copenhagen time', async () => {
    const e = await enrolCopd(t.app, nonCprUuid().slice(0, 8), [MON_WED_FRI_0800_4H]);
    // Monday 2 March 09:10 local and Friday 6 March 11:59 local; nothing on Wednesday 4 March.
    await putAll(t.app, [spo2(e, 0, `${e.patientId}-mon`, 95, '2026-03-02T09:10:00+01:00'), spo2(e, 0, `${e.patientId}-fri`, 93, '2026-03-06T11:59:00+01:00')]);
    const s = scheduler(e);

    const beforeNoon = await s.runOnce(new Date('2026-03-04T10:59:59Z')); // 11:59:59 local
    expect(beforeNoon.tasksCreated).toBe(0);
    expect(beforeNoon.submitted).toBe(1); // Monday decided
    expect(await missingTasks(e.serviceRequestIds[0])).toHaveLength(0);

    const afterNoon = await s.runOnce(new Date('2026-03-04T11:00:01Z')); // 12:00:01 local
    expect(afterNoon.tasksCreated).toBe(1);
    for (const now of ['2026-03-04T11:30:00Z', '2026-03-05T08:00:00Z', '2026-03-06T12:00:00Z', '2026-03-07T00:00:00Z']) {
      expect((await s.runOnce(new Date(now))).tasksCreated).toBe(0);
    }
    const tasks = await missingTasks(e.serviceRequestIds[0]);
    expect(tasks).toHaveLength(1);
    const task = tasks[0];
    expect(task).toMatchObject({
      status: 'requested',
      intent: 'order',
      priority: 'routine',
      for: { reference: `Patient/${e.patientId}` },
      owner: { reference: `CareTeam/${e.careTeamId}` },
      focus: { reference: `ServiceRequest/${e.serviceRequestIds[0]}` },
      executionPeriod: { start: '2026-03-04T08:00:00+01:00', end: '2026-03-04T12:00:00+01:00' },
    });
    expect(task.extension?.[0].valueReference?.reference).toBe(`EpisodeOfCare/${e.episodeId}`);
    const issues = t.services.interactions.validator.validate(task);
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('two schedulers running concurrently create each missing-measurement Task once', async () => {
    const enrolments = await Promise.all([0, 1, 2, 3].map(() => enrolCopd(t.app, nonCprUuid().slice(0, 8), [MON_WED_FRI_0800_4H, { ...MON_WED_FRI_0800_4H, timeOfDay: ['18:00:00'], duration: 2 }])));
    const a = scheduler(enrolments);
    const b = scheduler(enrolments);
    const now = new Date('2026-03-08T00:00:00Z'); // a week: 3 slots × 2 regimes × 4 citizens, none submitted
    const results = await Promise.all([a.runOnce(now), b.runOnce(now), a.runOnce(now), b.runOnce(now)]);
    expect(results.reduce((n, r) => n + r.tasksCreated, 0)).toBe(24);
    const ids = results.flatMap((r) => r.taskIds);
    expect(new Set(ids).size).toBe(24);
    for (const e of enrolments) for (const sr of e.serviceRequestIds) expect(await missingTasks(sr)).toHaveLength(3);
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM scheduler_slot WHERE service_request = ANY($1) AND outcome = 'missing'`, [enrolments.flatMap((e) => e.serviceRequestIds)]);
    expect(rows[0].n).toBe(24);
  });

  it('after a restart and downtime, a new scheduler decides the slots missed meanwhile, each once', async () => {
    const e = await enrolCopd(t.app, nonCprUuid().slice(0, 8), [MON_WED_FRI_0800_4H]);
    expect((await scheduler(e, 48).runOnce(new Date('2026-03-02T12:00:00Z'))).tasksCreated).toBe(1); // Monday
    // "restart": a fresh instance, two days later, with a look-back covering the downtime
    const restarted = scheduler(e, 48);
    expect((await restarted.runOnce(new Date('2026-03-04T12:00:00Z'))).tasksCreated).toBe(1); // Wednesday only
    expect((await restarted.runOnce(new Date('2026-03-04T12:05:00Z'))).tasksCreated).toBe(0);
    expect(await missingTasks(e.serviceRequestIds[0])).toHaveLength(2);
  });

  it('counts a late upload measured inside the window, and creates nothing for a finished episode', async () => {
    const late = await enrolCopd(t.app, nonCprUuid().slice(0, 8), [MON_WED_FRI_0800_4H]);
    await putAll(t.app, [spo2(late, 0, `${late.patientId}-wed`, 96, '2026-03-04T11:45:00+01:00')]);
    const finished = await enrolCopd(t.app, nonCprUuid().slice(0, 8), [MON_WED_FRI_0800_4H], { episodeStatus: 'finished' });
    const run = await scheduler([late, finished], 30).runOnce(new Date('2026-03-04T13:00:00Z'));
    expect(run.tasksCreated).toBe(0);
    expect(await missingTasks(late.serviceRequestIds[0])).toHaveLength(0);
    expect(await missingTasks(finished.serviceRequestIds[0])).toHaveLength(0);
  });

  it('reads a ServiceRequest once until it changes, decides only those with a closed slot, in batches', async () => {
    const enrolments = await Promise.all([0, 1, 2, 3, 4].map(() => enrolCopd(t.app, nonCprUuid().slice(0, 8), [MON_WED_FRI_0800_4H])));
    const s = scheduler(enrolments, 48);
    // Monday's slot closed at 11:00Z: five ServiceRequests read and decided, two per batch
    const monday = await s.runOnce(new Date('2026-03-02T12:00:00Z'), 2);
    expect(monday).toMatchObject({ read: 5, serviceRequests: 5, tasksCreated: 5 });
    // nothing closed since, nothing changed: no JSON read, nothing decided
    expect(await s.runOnce(new Date('2026-03-03T12:00:00Z'), 2)).toMatchObject({ read: 0, serviceRequests: 0, tasksCreated: 0 });
    // a changed ServiceRequest (a new version) is read again; Wednesday's slot makes all five due
    const [sr] = await Promise.all([t.app.inject({ url: `/fhir/ServiceRequest/${enrolments[0].serviceRequestIds[0]}` })]);
    const changed = { ...sr.json(), note: [{ text: 'measure before breakfast' }] };
    const put = await t.app.inject({ method: 'PUT', url: `/fhir/ServiceRequest/${changed.id}`, headers: { 'content-type': 'application/fhir+json' }, payload: changed });
    expect(put.statusCode).toBe(200);
    expect(await s.runOnce(new Date('2026-03-04T12:00:00Z'), 2)).toMatchObject({ read: 1, serviceRequests: 5, tasksCreated: 5 });
    for (const e of enrolments) expect(await missingTasks(e.serviceRequestIds[0])).toHaveLength(2);
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM scheduler_request WHERE service_request = ANY($1) AND next_due = '2026-03-06T11:00:00Z'`, [
      enrolments.map((e) => e.serviceRequestIds[0]),
    ]);
    expect(rows[0].n).toBe(5); // Friday 12:00 Copenhagen time
  });
});
