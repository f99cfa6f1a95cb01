import { nonCprUuid } from '../../support/ids';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import type { Pool } from 'pg';
import { systemClock } from '../../../src/clock';
import { queueReindexIfParametersChanged, recordIndexBuiltWith, reindexJobKind, searchParameterFingerprint, type ReindexResult } from '../../../src/conformance/index-fingerprint';
import { JobRunner } from '../../../src/jobs/runner';
import { DEFAULT_DEFINITIONS_CACHE } from '../../../src/fhir/definitions/cache';
import { loadDefinitions } from '../../../src/fhir/definitions/load';
import { recordFingerprint } from '../../../src/store/definition-rows';
import { noIndex } from '../../../src/store/index-writer';
import { migrate, readMigrations } from '../../../src/store/migrate';
import { createPool } from '../../../src/store/pool';
import { ResourceStore } from '../../../src/store/resources';
import { createIndexWriter } from '../../../src/store/search-index';
import { freshDatabase, type FreshDatabase } from '../ops/fresh-database';
import { testRegistry } from '../../support/app';
import { storageOn } from '../../../src/store/storage';

/**
 * The search index remembers which file SearchParameters built it (a fingerprint in the
 * database): a start that loads other ones (a new R4 package, an IG package with parameters)
 * queues the reindex job, which the job runner runs once, and later starts leave it alone. On a
 * database of its own, since the job reads every row.
 */
const ROOT = join(__dirname, '../../..');
let db: FreshDatabase;
let pool: Pool;

beforeAll(async () => {
  db = await freshDatabase('kolibri_fingerprint');
  pool = createPool({ connectionString: db.url, max: 4 });
  await migrate(pool, readMigrations(join(ROOT, 'migrations')));
}, 60_000);
afterAll(async () => {
  await pool.end();
  await db.drop();
});

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A start: the check, then, when it queued the reindex job, a runner until the job is over. */
async function job(registry = testRegistry()): Promise<{ action: string; result?: ReindexResult }> {
  const storage = storageOn(pool);
  const checked = await queueReindexIfParametersChanged({ storage, registry, clock: systemClock });
  if (checked.action !== 'queued') return { action: checked.action };
  const runner = new JobRunner({ store: storage.jobs, kinds: [reindexJobKind({ storage, registry, indexWriter: createIndexWriter(registry), clock: systemClock, log: quiet })], log: quiet, pollMs: 20 });
  runner.start();
  try {
    for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
      const stored = await storage.jobs.get(checked.job);
      if (stored?.state === 'done') return { action: 'reindexed', result: stored.result as ReindexResult };
      if (stored?.state === 'failed') throw new Error(`reindex job failed: ${JSON.stringify(stored.result)}`);
    }
    throw new Error('reindex job timed out');
  } finally {
    await runner.stop();
  }
}

it('differs when a package adds a SearchParameter', () => {
  const withPackages = loadDefinitions({ profileDirs: [join(ROOT, 'fhir-profiles')], igPackages: ['ehealth-mini', 'ehealth-base'].map((p) => join(ROOT, 'test/fixtures/packages', p)), cacheDir: DEFAULT_DEFINITIONS_CACHE });
  expect(searchParameterFingerprint(withPackages)).not.toBe(searchParameterFingerprint(testRegistry()));
  expect(searchParameterFingerprint(testRegistry())).toBe(searchParameterFingerprint(loadDefinitions({ profileDirs: [join(ROOT, 'fhir-profiles')] })));
});

it('records the fingerprint on an empty database, then leaves the index alone', async () => {
  expect(await job()).toEqual({ action: 'recorded' });
  expect(await job()).toEqual({ action: 'current' });
});

it('rebuilds the index when the parameters changed, and only then', async () => {
  // a resource stored without index rows, as if indexed under other parameters
  const store = new ResourceStore({ pool, indexWriter: noIndex, clock: systemClock });
  const created = await store.transaction((tx) => tx.create({ resourceType: 'Patient', gender: 'female', birthDate: '1950-02-03' }));
  const rows = async () => (await pool.query(`SELECT count(*)::int AS n FROM search_date d JOIN resource r ON r.rid = d.rid WHERE r.id = $1`, [created.id])).rows[0].n;
  expect(await rows()).toBe(0);
  expect(await job()).toEqual({ action: 'current' });
  expect(await rows()).toBe(0);
  await recordFingerprint(pool, 'search-index', 'parameters of an older release', new Date().toISOString());
  const result = await job();
  expect(result).toMatchObject({ action: 'reindexed', result: { action: 'reindexed', resources: 1 } });
  expect(await rows()).toBeGreaterThan(0);
  expect(await job()).toEqual({ action: 'current' });
});

it('picks up SearchParameters added to fhir-profiles/ (the FUT parameters) and indexes existing rows by them', async () => {
  // the release before: fhir-profiles/ without fut-search/
  const before = mkdtempSync(join(tmpdir(), 'kolibri-profiles-'));
  try {
    cpSync(join(ROOT, 'fhir-profiles'), before, { recursive: true, filter: (src) => !src.includes(`${sep}fut-search`) });
    const older = loadDefinitions({ profileDirs: [before] });
    expect(older.searchParameter('Observation', 'episodeOfCare')).toBeUndefined();
    expect(searchParameterFingerprint(older)).not.toBe(searchParameterFingerprint(testRegistry()));
    const episode = nonCprUuid();
    const store = new ResourceStore({ pool, indexWriter: createIndexWriter(older), clock: systemClock });
    const created = await store.transaction((tx) =>
      tx.create({ resourceType: 'Observation', status: 'final', code: { text: 'SpO2' }, extension: [{ url: 'https://kolibri.dk/fhir/StructureDefinition/ext-episode-of-care', valueReference: { reference: `EpisodeOfCare/${episode}` } }] }),
    );
    const rows = async () => (await pool.query(`SELECT count(*)::int AS n FROM search_reference x JOIN resource r ON r.rid = x.rid WHERE r.id = $1 AND x.target_id = $2`, [created.id, episode])).rows[0].n;
    expect(await rows()).toBe(0);
    await recordIndexBuiltWith(storageOn(pool), older, systemClock);
    expect(await job()).toMatchObject({ action: 'reindexed' });
    expect(await rows()).toBe(1);
  } finally {
    rmSync(before, { recursive: true, force: true });
  }
});
