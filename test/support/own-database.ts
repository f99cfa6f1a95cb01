import { join } from 'node:path';
import { migrate, readMigrations } from '../../src/store/migrate';
import { createPool } from '../../src/store/pool';
import { freshDatabase, type FreshDatabase } from '../integration/ops/fresh-database';
import { createTestApp, type TestApp } from './app';

/**
 * A migrated database of its own next to the shared test database, for test apps (one or several
 * instances) that must not see what other test files write alongside; drop it when done.
 */
export async function migratedDatabase(prefix: string): Promise<FreshDatabase> {
  const db = await freshDatabase(prefix);
  const pool = createPool({ connectionString: db.url, max: 1 });
  try {
    await migrate(pool, readMigrations(join(__dirname, '..', '..', 'migrations')));
  } finally {
    await pool.end();
  }
  return db;
}

/**
 * A test app on a migrated database of its own, dropped at close: for tests whose figures count
 * the whole database (reports, system-level exports), which other test files writing into the
 * shared database alongside would change.
 */
export async function createTestAppOnOwnDatabase(prefix: string, options: Parameters<typeof createTestApp>[0] = {}): Promise<TestApp> {
  const db = await migratedDatabase(prefix);
  const t = await createTestApp({ ...options, databaseUrl: db.url });
  return {
    ...t,
    close: async () => {
      await t.close();
      await db.drop();
    },
  };
}
