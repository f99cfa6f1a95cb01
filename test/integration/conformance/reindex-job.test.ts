import type { Pool } from 'pg';
import { systemClock } from '../../../src/clock';
import { queueReindexIfParametersChanged, reindexJobKind, REINDEX_JOB, searchParameterFingerprint } from '../../../src/conformance/index-fingerprint';
import { SYSTEM_JOB_OWNER } from '../../../src/jobs/periodic';
import { JobRunner } from '../../../src/jobs/runner';
import { recordFingerprint, seedFingerprint } from '../../../src/store/definition-rows';
import type { IndexWriter } from '../../../src/store/index-writer';
import type { JobStore } from '../../../src/store/jobs';
import { noIndex } from '../../../src/store/index-writer';
import { createPool } from '../../../src/store/pool';
import { ResourceStore } from '../../../src/store/resources';
import { createIndexWriter } from '../../../src/store/search-index';
import { storageOn } from '../../../src/store/storage';
import { testRegistry } from '../../support/app';
import { createTestAppOnOwnDatabase, migratedDatabase } from '../../support/own-database';
import { nonCprUuid } from '../../support/ids';
import { accessToken, registerVendorApp } from '../auth/vendor-app';
import { send } from '../operations/export-support';
import type { FreshDatabase } from '../ops/fresh-database';

/**
 * The rebuild of the search index after the SearchParameters changed is a job on the job runner:
 * instances starting alike queue it once, and when the instance running it dies half-way, another
 * instance's runner claims it once the lease expired and finishes from the last checkpoint. No
 * client sees the job. On databases of their own, since the job reads every row.
 */
let db: FreshDatabase;
let pool: Pool;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const registry = testRegistry();

beforeAll(async () => {
  db = await migratedDatabase('kolibri_reindexjob');
  pool = createPool({ connectionString: db.url, max: 6 });
}, 60_000);
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

async function until(what: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('a reindex job whose instance died half-way is finished by another instance, and the fingerprint recorded once', async () => {
  // resources stored without index rows, as if indexed under other parameters
  const store = new ResourceStore({ pool, indexWriter: noIndex, clock: systemClock });
  for (const birthDate of ['1950-02-03', '1961-05-06', '1972-08-09']) await store.transaction((tx) => tx.create({ resourceType: 'Patient', gender: 'female', birthDate }));
  const rids = (await pool.query(`SELECT rid::text FROM resource WHERE resource_type = 'Patient' ORDER BY rid`)).rows.map((r) => r.rid as string);
  const indexed = async () => (await pool.query(`SELECT count(DISTINCT d.rid)::int AS n FROM search_date d JOIN resource r ON r.rid = d.rid WHERE r.resource_type = 'Patient'`)).rows[0].n;
  expect(await indexed()).toBe(0);
  await recordFingerprint(pool, 'search-index', 'parameters of an older release', new Date().toISOString());

  const storage = storageOn(pool);
  const recorded: string[] = [];
  const counting = { definitions: { ...storage.definitions, recordFingerprint: (name: string, fingerprint: string, at: string) => (recorded.push(fingerprint), storage.definitions.recordFingerprint(name, fingerprint, at)) } };

  // two instances start with the new parameters: one queues the job, the other finds it
  const checks = await Promise.all([0, 1].map(() => queueReindexIfParametersChanged({ storage, registry, clock: systemClock })));
  expect(checks.map((c) => c.action).sort()).toEqual(['elsewhere', 'queued']);
  const id = (checks[0] as { job: string }).job;
  expect((checks[1] as { job: string }).job).toBe(id);

  // instance A rewrites the first resource, checkpoints, then dies in the second batch: its
  // transaction is gone, it never reports and never renews its lease again
  let dead = false;
  const writer = createIndexWriter(registry);
  const dying: IndexWriter = {
    ...writer,
    write: async (client, entries) => {
      if (entries.some((e) => e.rid !== rids[0])) {
        dead = true;
        throw new Error('instance died');
      }
      return writer.write(client, entries);
    },
  };
  const kindA = reindexJobKind({ storage: counting, registry, indexWriter: dying, clock: systemClock, log: quiet, batchSize: 1 });
  const storeA = Object.assign(Object.create(storage.jobs) as JobStore, {
    renew: (...args: Parameters<JobStore['renew']>) => (dead ? new Promise<boolean>(() => undefined) : storage.jobs.renew(...args)),
  });
  const runnerA = new JobRunner({ store: storeA, kinds: [{ ...kindA, run: (job, ctx) => kindA.run(job, ctx).catch(() => new Promise(() => undefined)) }], log: quiet, pollMs: 20, leaseSeconds: 1 });
  runnerA.start();
  await until(async () => dead && (await storage.jobs.get(id))?.progress !== null);
  void runnerA.stop(); // claims nothing more; its job never settles, like a process that is gone
  expect(await storage.jobs.get(id)).toMatchObject({ state: 'running', attempts: 1, progress: { afterRid: rids[0], done: 1 } });
  expect(await indexed()).toBe(1);

  // instance B claims it once A's lease expired and rewrites only what A had not
  const writtenByB: string[] = [];
  const writerB: IndexWriter = { ...writer, write: (client, entries) => (writtenByB.push(...entries.map((e) => e.rid)), writer.write(client, entries)) };
  const runnerB = new JobRunner({ store: storage.jobs, kinds: [reindexJobKind({ storage: counting, registry, indexWriter: writerB, clock: systemClock, log: quiet })], log: quiet, pollMs: 20 });
  runnerB.start();
  try {
    await until(async () => (await storage.jobs.get(id))?.state === 'done');
  } finally {
    await runnerB.stop();
  }
  expect(await storage.jobs.get(id)).toMatchObject({ kind: REINDEX_JOB, owner: SYSTEM_JOB_OWNER, state: 'done', attempts: 2, result: { action: 'reindexed', resources: 3 } });
  expect(writtenByB).toEqual(rids.slice(1));
  expect(await indexed()).toBe(3);
  expect(recorded).toEqual([searchParameterFingerprint(registry)]);
  expect(await seedFingerprint(pool, 'search-index')).toBe(searchParameterFingerprint(registry));
  // a later start finds the index current and queues nothing
  expect(await queueReindexIfParametersChanged({ storage, registry, clock: systemClock })).toEqual({ action: 'current' });
}, 60_000);

it('an instance loading other SearchParameters than the job was queued for does not run it', async () => {
  const kind = reindexJobKind({ storage: storageOn(pool), registry, indexWriter: createIndexWriter(registry), clock: systemClock, log: quiet });
  const job = { id: 'x', kind: REINDEX_JOB, owner: SYSTEM_JOB_OWNER, state: 'running', params: { fingerprint: 'parameters of another release' }, progress: null, result: null, attempts: 1, createdAt: '', updatedAt: '', expiresAt: '' } as const;
  const ctx = { progress: null, signal: new AbortController().signal, checkpoint: async () => undefined };
  await expect(kind.run(job, ctx)).rejects.toThrow(/other SearchParameters/);
  expect(await seedFingerprint(pool, 'search-index')).toBe(searchParameterFingerprint(registry));
});

it("no client sees the reindex job: its id answers the export status like one that does not exist, and DELETE leaves it queued", async () => {
  const t = await createTestAppOnOwnDatabase('kolibri_reindexprobe', { auth: 'on' });
  try {
    await t.services.store.transaction((tx) => tx.create({ resourceType: 'Patient', gender: 'male' }));
    await recordFingerprint(t.pool, 'search-index', 'parameters of an older release', new Date().toISOString());
    const queued = await queueReindexIfParametersChanged({ storage: t.storage, registry, clock: systemClock });
    expect(queued.action).toBe('queued');
    const id = (queued as { job: string }).job;
    const app = await registerVendorApp(t, { scopes: ['system/*.rs'] });
    const token = await accessToken(t, app, 'system/*.rs');
    for (const method of ['GET', 'DELETE'] as const) {
      const [job, none] = await Promise.all([send(t, token, method, `/fhir/$export-status/${id}`), send(t, token, method, `/fhir/$export-status/${nonCprUuid()}`)]);
      expect([job.status, job.json().issue[0].code]).toEqual([404, 'not-found']);
      expect([none.status, none.json().issue[0].code]).toEqual([404, 'not-found']);
    }
    expect(await t.storage.jobs.get(id)).toMatchObject({ state: 'queued', owner: SYSTEM_JOB_OWNER });
  } finally {
    await t.close();
  }
}, 60_000);
