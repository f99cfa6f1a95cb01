import type { Config } from '../config';
import { openDatabase, ping, type Database } from '../store/database';
import { DataFolderInUseError, dataFolderHolder } from '../store/data-folder-lock';
import { embeddedDatabaseUrl } from '../store/embedded';
import { rememberedPort } from '../store/embedded-port';
import { isDatabaseUnavailable } from '../store/pg-errors';
import { failureMessage } from './failure';

/** How long the CLI waits for a running server's embedded database to answer (it may be starting). */
const SERVER_DATABASE_WAIT_MS = 20_000;

/**
 * The database of an operator command (migrate, reindex, clients, seed), with a small pool;
 * messages go to stderr. Closed after `work`, whether it succeeds or throws.
 *
 * - DATABASE_URL when set.
 * - Else, when a live Kolibri process holds KOLIBRI_DATA_DIR (kolibri.lock), the embedded
 *   PostgreSQL that process runs: its port from the data folder (or KOLIBRI_EMBEDDED_PG_PORT),
 *   so operators can register clients or seed while the server runs. Closing leaves it running.
 * - Else an embedded PostgreSQL of its own in KOLIBRI_DATA_DIR, stopped again when done.
 *
 * Either way the database has answered once before `work` starts, so "cannot connect" is one
 * line naming where, not a failure in the middle of a command.
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
    openDatabase({
      databaseUrl,
      dataDir: config.dataDir,
      embeddedPort: config.embeddedPostgresPort,
      poolSize,
      preparedStatements: config.preparedStatements,
      embeddedMemoryBytes: config.embeddedPostgresMemoryMb === undefined ? undefined : config.embeddedPostgresMemoryMb * 1024 * 1024,
      embeddedSettings: config.embeddedPostgresSettings,
      log,
    });
  if (config.databaseUrl) {
    const db = await open(config.databaseUrl);
    const problem = await ping(db);
    if (problem === undefined) return db;
    await db.close();
    throw new Error(`cannot reach the database at ${withoutCredentials(config.databaseUrl)}: ${failureMessage(problem)}`);
  }
  const deadline = Date.now() + SERVER_DATABASE_WAIT_MS;
  let announced: number | undefined;
  for (;;) {
    const server = dataFolderHolder(config.dataDir);
    if (server === undefined) {
      try {
        return await open(undefined);
      } catch (err) {
        // a server took the folder between the look and the lock: use its database instead
        if (err instanceof DataFolderInUseError && Date.now() < deadline) continue;
        throw err;
      }
    }
    const port = config.embeddedPostgresPort ?? rememberedPort(config.dataDir);
    let problem: unknown = new Error(`${config.dataDir}/embedded-pg-port names no port`);
    if (port !== undefined) {
      if (announced !== port) log(`DATABASE_URL not set: data folder ${config.dataDir} belongs to the running Kolibri (pid ${server}); using its embedded PostgreSQL on port ${port}`);
      announced = port;
      const db = await open(embeddedDatabaseUrl(port));
      problem = await ping(db);
      if (problem === undefined) return db;
      await db.close();
      // the server may still be starting its database (or creating the kolibri database in it)
      const starting = isDatabaseUnavailable(problem) || (problem as { code?: unknown }).code === '3D000';
      if (!starting) throw problemBeside(server, config.dataDir, port, problem);
    }
    if (Date.now() >= deadline) throw problemBeside(server, config.dataDir, port, problem);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function problemBeside(pid: number, dataDir: string, port: number | undefined, problem: unknown): Error {
  const where = port === undefined ? '' : ` on port ${port}`;
  return new Error(`the Kolibri server (pid ${pid}) holds data folder ${dataDir}, but its embedded PostgreSQL${where} does not answer: ${failureMessage(problem)}`);
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
