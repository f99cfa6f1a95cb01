import { rmSync } from 'node:fs';
import { freePort } from '../../support/free-port';
import { exited, makeDataDir, missingIds, postmasterPid, startKolibri, startReaders, startWriters, waitUntil } from './kolibri-process';

/**
 * kill -9 of the embedded postmaster while clients write: the node process survives (no
 * unhandled 'error' of a pg client), every request answers 201 or 503 with Retry-After and an
 * OperationOutcome (never 500), Kolibri restarts its database, writes succeed again, and every
 * acknowledged write reads back.
 */
describe('kill -9 of the embedded postmaster under concurrent writers', () => {
  const dataDir = makeDataDir('kolibri-crash-pg-');
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('answers 503 with Retry-After while the database is down, restarts it and loses nothing', async () => {
    const [port, pgPort] = [await freePort(), await freePort()];
    const k = await startKolibri({ KOLIBRI_DATA_DIR: dataDir, KOLIBRI_EMBEDDED_PG_PORT: String(pgPort) }, port);
    const tag = `crash-pg-${Date.now()}`;
    const writers = startWriters(() => port, 4, tag);
    const readiness: number[] = [];
    let readers: ReturnType<typeof startReaders> | undefined;
    try {
      expect(await waitUntil(() => writers.log.acknowledged.length >= 40, 20_000)).toBe(true);
      // reads of every kind the database serves: a resource, its history, a search, the system history
      const [first] = writers.log.acknowledged;
      readers = startReaders(port, () => [`Observation/${first}`, `Observation/${first}/_history`, `Observation?code:text=${tag}&_count=5`, '_history?_count=5'], 2);
      const killed = postmasterPid(dataDir);
      process.kill(killed, 'SIGKILL');
      const before = writers.log.acknowledged.length;

      // readiness tells the truth while the database is away and after it is back
      const readyAgain = await waitUntil(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        await res?.arrayBuffer();
        if (res) readiness.push(res.status);
        return res?.status === 200 && postmasterPid(dataDir) !== killed;
      }, 30_000);
      expect(readyAgain).toBe(true);
      expect(await waitUntil(() => writers.log.acknowledged.length >= before + 40, 20_000)).toBe(true);
      await writers.stop();
      await readers.stop();

      expect(k.child.exitCode).toBeNull();
      expect(readers.violations).toEqual([]);
      expect(readers.statuses.get(200)).toBeGreaterThan(0);
      expect(k.child.signalCode).toBeNull();
      const { statuses, violations, acknowledged } = writers.log;
      expect(violations).toEqual([]);
      expect([...statuses.keys()].sort()).toEqual([201, 503]);
      expect(postmasterPid(dataDir)).not.toBe(killed);
      expect(await missingIds(port, acknowledged)).toEqual([]);
      expect(k.output()).toMatch(/embedded PostgreSQL restarted/);
      process.stderr.write(`crash-postmaster: ${acknowledged.length} acknowledged, ${statuses.get(503)} answered 503, reads ${JSON.stringify([...readers.statuses])}, readiness ${[...new Set(readiness)].join('/')}\n`);

      k.child.kill('SIGTERM');
      expect(await exited(k.child)).toBe(0);
    } finally {
      await writers.stop();
      await readers?.stop();
      if (k.child.exitCode === null && k.child.signalCode === null) k.child.kill('SIGKILL');
    }
  }, 120_000);
});
