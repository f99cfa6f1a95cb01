import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../src/store/embedded';
import { availableMemory, embeddedSettings } from '../src/store/embedded-settings';
import { migrate, readMigrations } from '../src/store/migrate';
import { createPool } from '../src/store/pool';
import { migrationsDir } from '../src/version';

/** The database a benchmark run measures: calibration and server share it. */
export interface BenchDatabase {
  url: string;
  /** True when the run started its own throw-away embedded PostgreSQL. */
  embedded: boolean;
  /** `SELECT version()`, for the results file. */
  serverVersion: string;
  close(): Promise<void>;
}

/**
 * DATABASE_URL when set (the benchmark then adds rows to that database), else an embedded
 * PostgreSQL in a temporary folder on a free port, removed afterwards, with the settings
 * `npm start` gives its own (sized to this machine's memory: embedded-settings.ts), so the
 * figures are those of the server as it runs. Migrated either way.
 */
export async function openBenchDatabase(env: NodeJS.ProcessEnv, log: (message: string) => void): Promise<BenchDatabase> {
  let url = env.DATABASE_URL || undefined;
  let stop = async () => undefined as void;
  if (!url) {
    const dir = mkdtempSync(join(tmpdir(), 'kolibri-bench-'));
    // initdb runs as the unprivileged postgres user when we are root: it must reach the folder
    chmodSync(dir, 0o755);
    const port = await freePort();
    const settings = embeddedSettings(availableMemory());
    log(`DATABASE_URL not set: starting an embedded PostgreSQL in ${dir} on port ${port} (shared_buffers ${settings.shared_buffers}, effective_cache_size ${settings.effective_cache_size})`);
    try {
      const db = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port, persistent: false, settings });
      url = db.url;
      stop = async () => {
        await db.stop();
        rmSync(dir, { recursive: true, force: true });
      };
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }
  try {
    const pool = createPool({ connectionString: url, max: 2, applicationName: 'kolibri-bench' });
    try {
      const applied = await migrate(pool, readMigrations(migrationsDir));
      if (applied.length) log(`migrations applied: ${applied.join(', ')}`);
    } finally {
      await pool.end();
    }
    return { url, embedded: !env.DATABASE_URL, serverVersion: await serverVersion(url), close: stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function serverVersion(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string }>('SELECT version()');
    return rows[0].version;
  } finally {
    await client.end();
  }
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
