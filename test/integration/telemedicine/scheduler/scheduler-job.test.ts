import { nonCprUuid } from '../../../support/ids';
import { createTestApp, FixedClock, type TestApp } from '../../../support/app';
import { PeriodicQueue, type PeriodicJobKind } from '../../../../src/jobs/periodic';
import { JobRunner } from '../../../../src/jobs/runner';
import { JobStore } from '../../../../src/store/jobs';
import { missingMeasurementJobKind } from '../../../../src/telemedicine/scheduler/scheduler-job';
import { enrolCopd, MON_WED_FRI_0800_4H, type Enrolment } from './enrol';

let t: TestApp;
// Sunday night after a week of Mon/Wed/Fri slots with nothing submitted
const clock = new FixedClock(new Date('2026-03-08T00:00:00Z'));
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(async () => t?.close());

/** The job kind under a name of its own (tests share one database), for these enrolments only. */
function jobKind(enrolments: Enrolment[], runs: string[], batch?: number): PeriodicJobKind {
  const kind = missingMeasurementJobKind({
    storage: t.storage,
    store: t.services.store,
    clock,
    lookbackHours: 24 * 7,
    everySeconds: 3600,
    onlyServiceRequests: enrolments.flatMap((e) => e.serviceRequestIds),
    onRun: (r) => runs.push(r),
    batch,
  });
  return { ...kind, kind: `missing-measurements-${nonCprUuid().slice(0, 8)}` };
}

/** One server instance's share: its queue and its runner on the common job table. */
function instance(kind: PeriodicJobKind, leaseSeconds = 30) {
  const store = new JobStore(t.pool);
  const runner = new JobRunner({ store, kinds: [kind], log: quiet, pollMs: 20, leaseSeconds });
  const queue = new PeriodicQueue({ store, kinds: [kind], clock, onQueued: () => runner.wake(), onError: (err) => { throw err; } });
  return { runner, queue };
}

async function jobsOf(kind: string): Promise<Array<{ id: string; state: string; attempts: number; params: { period: string }; result: Record<string, unknown> | null }>> {
  const { rows } = await t.pool.query('SELECT id, state, attempts, params, result FROM job WHERE kind = $1 ORDER BY created_at', [kind]);
  return rows;
}

/** Jobs run on a loaded machine beside other test files: up to 30 s. */
async function until(what: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function missingSlots(enrolments: Enrolment[]): Promise<number> {
  const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM scheduler_slot WHERE service_request = ANY($1) AND outcome = 'missing'`, [enrolments.flatMap((e) => e.serviceRequestIds)]);
  return rows[0].n;
}

async function tasksOf(enrolments: Enrolment[]): Promise<number> {
  const { rows } = await t.pool.query(
    `SELECT count(*)::int AS n FROM resource WHERE resource_type = 'Task' AND NOT deleted AND id IN (SELECT task_id FROM scheduler_slot WHERE service_request = ANY($1))`,
    [enrolments.flatMap((e) => e.serviceRequestIds)],
  );
  return rows[0].n;
}

describe('the missing-measurement run as a periodic job', () => {
  it('two instances queue one job per period, one of them runs it, and each Task is created once', async () => {
    const enrolments = await Promise.all([0, 1].map(() => enrolCopd(t.app, nonCprUuid().slice(0, 8), [MON_WED_FRI_0800_4H])));
    const runs: string[] = [];
    const kind = jobKind(enrolments, runs);
    const a = instance(kind);
    const b = instance(kind);
    const queued = await Promise.all([a.queue.tick(), b.queue.tick(), a.queue.tick(), b.queue.tick()]);
    expect(queued.flat()).toHaveLength(1);
    a.runner.start();
    b.runner.start();
    try {
      await until(async () => (await jobsOf(kind.kind)).every((j) => j.state === 'done'));
      // the same period asked again, after its run: nothing new
      expect(await Promise.all([a.queue.tick(), b.queue.tick()])).toEqual([[], []]);
    } finally {
      await Promise.all([a.runner.stop(), b.runner.stop()]);
    }
    const jobs = await jobsOf(kind.kind);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ state: 'done', attempts: 1, params: { period: '2026-03-08T00:00:00.000Z' } });
    expect(jobs[0].result).toMatchObject({ now: '2026-03-08T00:00:00.000Z', tasksCreated: 6 });
    expect(runs).toEqual(['ok']);
    expect(await missingSlots(enrolments)).toBe(6); // Mon, Wed, Fri × 2 citizens
    expect(await tasksOf(enrolments)).toBe(6);
  });

  it('the next period is queued as its own job; while a run is live no second one is queued', async () => {
    const e = await enrolCopd(t.app, nonCprUuid().slice(0, 8), [MON_WED_FRI_0800_4H]);
    const kind = jobKind([e], []);
    const a = instance(kind);
    const first = await a.queue.tick();
    expect(first).toHaveLength(1);
    // an hour later the first is still queued (nobody ran it): the next period is skipped
    expect(await a.queue.tick(new Date(clock.now().getTime() + 3_600_000))).toEqual([]);
    await t.pool.query(`UPDATE job SET state = 'done' WHERE id = $1`, [first[0]]);
    const next = await a.queue.tick(new Date(clock.now().getTime() + 3_600_000));
    expect(next).toHaveLength(1);
    expect(next[0]).not.toBe(first[0]);
    expect((await jobsOf(kind.kind)).map((j) => j.params.period)).toEqual(['2026-03-08T00:00:00.000Z', '2026-03-08T01:00:00.000Z']);
  });

  it('the periodic runner sweeps only its own kinds: another kind’s expired job is left to its runner', async () => {
    const e = await enrolCopd(t.app, nonCprUuid().slice(0, 8), [MON_WED_FRI_0800_4H]);
    const kind = jobKind([e], []);
    const a = instance(kind);
    const [own] = await a.queue.tick();
    const store = new JobStore(t.pool);
    const other = await store.enqueue({ id: nonCprUuid(), kind: `other-${nonCprUuid().slice(0, 8)}`, owner: 'someone', params: {}, ttlSeconds: 60 });
    await t.pool.query(`UPDATE job SET expires_at = now() - interval '1 second' WHERE id = ANY($1::uuid[])`, [[own, other.id]]);
    await a.runner.sweep();
    const { rows } = await t.pool.query('SELECT id FROM job WHERE id = ANY($1::uuid[])', [[own, other.id]]);
    expect(rows.map((r) => r.id)).toEqual([other.id]);
    await t.pool.query('DELETE FROM job WHERE id = $1', [other.id]);
  });

  it('a periodic job’s id (derivable from kind and period) is no export: status and cancel answer as for an unknown id', async () => {
    const e = await enrolCopd(t.app, nonCprUuid().slice(0, 8), [MON_WED_FRI_0800_4H]);
    const kind = jobKind([e], []);
    const [id] = await instance(kind).queue.tick();
    const unknown = nonCprUuid();
    for (const method of ['GET', 'DELETE'] as const) {
      const [job, none] = await Promise.all([id, unknown].map((x) => t.app.inject({ method, url: `/fhir/$export-status/${x}` })));
      expect(job.statusCode).toBe(404);
      expect(job.body).toContain(`No export ${id}`);
      expect(none.statusCode).toBe(404);
      expect(job.body.replace(id, 'ID')).toBe(none.body.replace(unknown, 'ID'));
    }
    expect((await t.app.inject({ url: `/fhir/$export-file/${id}/Task-1.ndjson` })).statusCode).toBe(404);
    expect((await jobsOf(kind.kind)).map((j) => j.state)).toEqual(['queued']);
  });

  it('a run whose instance died mid-way is resumed by another instance for the same instant, deciding each slot once', async () => {
    const enrolments = await Promise.all([0, 1, 2].map(() => enrolCopd(t.app, nonCprUuid().slice(0, 8), [MON_WED_FRI_0800_4H])));
    const runs: string[] = [];
    const kind = jobKind(enrolments, runs, 1);
    const store = new JobStore(t.pool);
    const dead = instance(kind);
    const [id] = await dead.queue.tick();
    // instance A claims with a 1 s lease, decides the first batch, then dies (never renews again)
    const claimed = await store.claim([kind.kind], 'instance-a', 1);
    expect(claimed?.id).toBe(id);
    const crash = new Error('instance A died');
    let batches = 0;
    const died = kind.run(claimed!, {
      progress: null,
      signal: new AbortController().signal,
      checkpoint: async (progress) => {
        await store.renew(id, 'instance-a', 1, progress);
        if (++batches > 4) throw crash;
      },
    });
    await expect(died).rejects.toBe(crash);
    const partly = await missingSlots(enrolments);
    expect(partly).toBeGreaterThan(0);
    expect(partly).toBeLessThan(9);
    // the clock moved on meanwhile; the resumed run still decides for the run's own instant
    clock.advance(3 * 86_400_000);
    const b = instance(kind, 30);
    b.runner.start();
    try {
      await until(async () => (await jobsOf(kind.kind))[0].state === 'done');
    } finally {
      await b.runner.stop();
      clock.advance(-3 * 86_400_000);
    }
    const [job] = await jobsOf(kind.kind);
    expect(job).toMatchObject({ state: 'done', attempts: 2 });
    expect(job.result).toMatchObject({ now: '2026-03-08T00:00:00.000Z', tasksCreated: 9 - partly });
    expect(await missingSlots(enrolments)).toBe(9);
    expect(await tasksOf(enrolments)).toBe(9);
  });
});
