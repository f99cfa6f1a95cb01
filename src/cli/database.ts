import type { Config } from '../config';
import { openDatabase, type Database } from '../store/database';

/**
 * The database of an operator command (migrate, reindex, clients): DATABASE_URL, else the
 * embedded PostgreSQL in KOLIBRI_DATA_DIR, with a small pool; messages (embedded start-up, idle
 * connection errors) go to stderr. Closed after `work`, whether it succeeds or throws.
 */
export async function withDatabase<T>(config: Config, work: (db: Database) => Promise<T>, poolSize = 2): Promise<T> {
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    embeddedPort: config.embeddedPostgresPort,
    poolSize,
    log: (m) => process.stderr.write(`${m}\n`),
  });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}
