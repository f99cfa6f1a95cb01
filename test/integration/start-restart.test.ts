import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { embeddedDatabaseUrl } from '../../src/store/embedded';
import { freePort } from '../support/free-port';

const ROOT = join(__dirname, '..', '..');


async function waitFor(url: string, deadlineMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < deadlineMs) {
    try {
      const res = await fetch(url);
      if (res.ok) return Date.now() - start;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${deadlineMs} ms`);
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * The quick start as a new user runs it: `npm start` with no DATABASE_URL starts an embedded
 * PostgreSQL under KOLIBRI_DATA_DIR; data survives a restart; SIGTERM stops everything cleanly.
 */
describe('npm start with the embedded database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kolibri-start-'));
  chmodSync(dataDir, 0o755);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function start(port: number, pgPort: number): Promise<ChildProcess> {
    const env: Record<string, string> = { ...(process.env as Record<string, string>) };
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: { ...env, PORT: String(port), KOLIBRI_DATA_DIR: dataDir, KOLIBRI_EMBEDDED_PG_PORT: String(pgPort), LOG_LEVEL: 'warn', KOLIBRI_AUTH: 'off',
        KOLIBRI_EMBEDDED_PG_MEMORY_MB: '2048', KOLIBRI_EMBEDDED_PG_SETTINGS: 'work_mem=12MB' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    // 40 s as for every process test (startKolibri): a first start (initdb, tsx, migrations)
    // takes 11 s alone on a 2-core machine, twice that beside another jest worker
    const elapsed = await waitFor(`http://127.0.0.1:${port}/fhir/metadata`, 40_000);
    process.stderr.write(`metadata answered ${elapsed} ms after start\n`);
    return child;
  }

  it('keeps data across a restart and stops cleanly on SIGTERM', async () => {
    const [port, pgPort] = [await freePort(), await freePort()];
    let server = await start(port, pgPort);
    const created = await fetch(`http://127.0.0.1:${port}/fhir/Patient`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Kristensen' }] }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    // sized for 2 GB (a quarter as shared buffers), the explicit setting winning
    const pg = new Client({ connectionString: embeddedDatabaseUrl(pgPort) });
    await pg.connect();
    try {
      const shown = async (name: string) => (await pg.query(`SHOW ${name}`)).rows[0][name];
      expect([await shown('shared_buffers'), await shown('effective_cache_size'), await shown('work_mem')]).toEqual(['512MB', '1536MB', '12MB']);
    } finally {
      await pg.end();
    }

    server.kill('SIGTERM');
    expect(await exited(server)).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();

    server = await start(port, pgPort);
    try {
      const read = await fetch(`http://127.0.0.1:${port}/fhir/Patient/${id}`);
      expect(read.status).toBe(200);
      expect(((await read.json()) as { name: Array<{ family: string }> }).name[0].family).toBe('Kristensen');
    } finally {
      server.kill('SIGTERM');
      expect(await exited(server)).toBe(0);
    }
  }, 120_000);
});
