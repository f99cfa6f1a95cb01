import { join } from 'node:path';
import type { Pool } from 'pg';
import { prepareDataFolder } from './data-folder';
import { lockDataFolder } from './data-folder-lock';
import { databaseUser, startEmbeddedPostgres } from './embedded';
import { availableMemory, embeddedSettings, type ServerSettings } from './embedded-settings';
import { embeddedPort } from './embedded-port';
import { clearLeftoverPostmaster } from './postmaster';
import { createPool } from './pool';
import { storageOn, type Storage } from './storage';

export interface Database {
  /** For migrations and pool metrics; everything else takes `storage`. */
  pool: Pool;
  /** The database as the rest of the server uses it (built once on the pool). */
  storage: Storage;
  /** True when Kolibri started its own embedded PostgreSQL. */
  embedded: boolean;
  /** Close the pool and stop the embedded server, if any. */
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  /** Port of the embedded PostgreSQL; undefined = the one remembered in the data folder, else a free one. */
  embeddedPort: number | undefined;
  poolSize: number;
  /** Query shapes each connection keeps prepared (src/store/prepared.ts); default 200. */
  preparedStatements?: number;
  /** Memory the embedded PostgreSQL is sized for (bytes); default: the machine's (embedded-settings.ts). */
  embeddedMemoryBytes?: number;
  /** Embedded PostgreSQL settings that win over the sized ones. */
  embeddedSettings?: ServerSettings;
  log: (message: string) => void;
  /** Surprising but handled: a crashed database restarted, a leftover server stopped (defaults to log). */
  warn?: (message: string) => void;
}

/**
 * Connect to DATABASE_URL, or start an embedded PostgreSQL whose data lives in
 * `<dataDir>/pg` and survives restarts (crashes included), supervised while the server runs.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const warn = options.warn ?? options.log;
  // Once closing, connections ended by the database's own shutdown are expected, not news.
  let closing = false;
  const onIdleError = (e: Error) => {
    if (!closing) warn(`database connection failed: ${e.message}`);
  };
  if (options.databaseUrl) {
    const pool = createPool({ connectionString: options.databaseUrl, max: options.poolSize, preparedStatements: options.preparedStatements, onIdleError });
    return {
      pool,
      storage: storageOn(pool),
      embedded: false,
      close: () => {
        closing = true;
        return pool.end();
      },
    };
  }
  prepareDataFolder(options.dataDir, databaseUser());
  const release = lockDataFolder(options.dataDir);
  const dataDir = join(options.dataDir, 'pg');
  let db;
  try {
    // a postmaster left behind by a crash may still hold the remembered port
    await clearLeftoverPostmaster(dataDir, warn);
    const port = await embeddedPort(options.dataDir, options.embeddedPort);
    options.log(`DATABASE_URL not set: starting embedded PostgreSQL in ${dataDir} on port ${port}`);
    const settings = embeddedSettings(options.embeddedMemoryBytes ?? availableMemory(), options.embeddedSettings);
    db = await startEmbeddedPostgres({ dataDir, port, persistent: true, log: warn, settings });
  } catch (err) {
    release();
    throw err;
  }
  const pool = createPool({ connectionString: db.url, max: options.poolSize, preparedStatements: options.preparedStatements, onIdleError });
  return {
    pool,
    storage: storageOn(pool),
    embedded: true,
    close: async () => {
      closing = true;
      await pool.end().catch(() => undefined);
      await db.stop();
      release();
    },
  };
}

/** Undefined when the database answers a query, else what went wrong. */
export async function ping(db: Database): Promise<unknown> {
  try {
    await db.pool.query('SELECT 1');
    return undefined;
  } catch (err) {
    return err ?? new Error('the connection failed without saying why');
  }
}
