import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../support/free-port';
import { exited, makeDataDir, missingIds, startKolibri, startWriters, waitUntil } from './kolibri-process';

const ROOT = join(__dirname, '..', '..', '..');

/** An external PostgreSQL (as DATABASE_URL sees one) in its own process; resolves with its URL. */
async function startPostgres(dataDir: string, port: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'run-embedded-postgres.ts'), dataDir, String(port)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /ready (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`PostgreSQL helper exited with ${code}`)));
  });
  return { child, url };
}

/**
 * With DATABASE_URL, Kolibri does not own the database: when it goes away (here a fast
 * shutdown, which sends 57P01 to every connection, idle or in a transaction) requests answer
 * 503 with Retry-After and the process stays up; when it returns, the pool has dropped its dead
 * clients and connects again by itself.
 */
describe('DATABASE_URL: the database stops and comes back under concurrent writers', () => {
  const dir = makeDataDir('kolibri-crash-url-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers 503 while it is away and reconnects by itself', async () => {
    const [port, pgPort] = [await freePort(), await freePort()];
    let pg = await startPostgres(join(dir, 'pg'), pgPort);
    const k = await startKolibri({ DATABASE_URL: pg.url, KOLIBRI_DATA_DIR: join(dir, 'kolibri') }, port);
    const writers = startWriters(() => port, 4, `crash-url-${Date.now()}`);
    try {
      expect(await waitUntil(() => writers.log.acknowledged.length >= 40, 20_000)).toBe(true);
      pg.child.kill('SIGTERM');
      expect(await exited(pg.child)).toBe(0);
      const before503 = writers.log.statuses.get(503) ?? 0;
      expect(await waitUntil(() => (writers.log.statuses.get(503) ?? 0) > before503 + 10, 20_000)).toBe(true);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(503);

      pg = await startPostgres(join(dir, 'pg'), pgPort);
      const before = writers.log.acknowledged.length;
      expect(await waitUntil(() => writers.log.acknowledged.length >= before + 40, 30_000)).toBe(true);
      await writers.stop();

      expect(k.child.exitCode).toBeNull();
      const { statuses, violations, acknowledged } = writers.log;
      expect(violations).toEqual([]);
      expect([...statuses.keys()].sort()).toEqual([201, 503]);
      expect(await missingIds(port, acknowledged)).toEqual([]);
      process.stderr.write(`crash-database-url: ${acknowledged.length} acknowledged, ${statuses.get(503)} answered 503\n`);
      k.child.kill('SIGTERM');
      expect(await exited(k.child)).toBe(0);
    } finally {
      await writers.stop();
      if (k.child.exitCode === null && k.child.signalCode === null) k.child.kill('SIGKILL');
      if (pg.child.exitCode === null) {
        pg.child.kill('SIGTERM');
        await exited(pg.child);
      }
    }
  }, 120_000);
});
