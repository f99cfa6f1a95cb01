import type { Config } from '../config';
import { openDatabase, type Database } from '../store/database';
import { failureMessage } from './failure';

/**
 * The database of an operator command (migrate, reindex, clients, seed): DATABASE_URL, else the
 * embedded PostgreSQL in KOLIBRI_DATA_DIR, with a small pool; messages (embedded start-up, idle
 * connection errors) go to stderr. Closed after `work`, whether it succeeds or throws.
 *
 * The database has answered once before `work` starts, so "cannot connect" is one line naming
 * where, not a failure in the middle of a command.
 */
export async function withDatabase<T>(config: Config, work: (db: Database) => Promise<T>, poolSize = 2): Promise<T> {
  const db = await openCliDatabase(config, poolSize);
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

const log = (message: string) => process.stderr.write(`${message}\n`);

async function openCliDatabase(config: Config, poolSize: number): Promise<Database> {
  const open = (databaseUrl: string | undefined) =>
    openDatabase({ databaseUrl, dataDir: config.dataDir, embeddedPort: config.embeddedPostgresPort, poolSize, log });
  if (!config.databaseUrl) return open(undefined);
  const db = await open(config.databaseUrl);
  const problem = await ping(db);
  if (problem === undefined) return db;
  await db.close();
  throw new Error(`cannot reach the database at ${withoutCredentials(config.databaseUrl)}: ${failureMessage(problem)}`);
}

/** Undefined when the database answers a query, else what went wrong. */
async function ping(db: Database): Promise<unknown> {
  try {
    await db.pool.query('SELECT 1');
    return undefined;
  } catch (err) {
    return err ?? new Error('the connection failed without saying why');
  }
}

/** The URL as it may be shown: no user name or password. */
function withoutCredentials(databaseUrl: string): string {
  try {
    const u = new URL(databaseUrl);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}
