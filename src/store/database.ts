import { join } from 'node:path';
import type { Pool } from 'pg';
import { startEmbeddedPostgres } from './embedded';
import { createPool } from './pool';

export interface Database {
  pool: Pool;
  /** True when Kolibri started its own embedded PostgreSQL. */
  embedded: boolean;
  /** Close the pool and stop the embedded server, if any. */
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPort: number;
  poolSize: number;
  log: (message: string) => void;
}

/**
 * Connect to DATABASE_URL, or start an embedded PostgreSQL whose data lives in
 * `<dataDir>/pg` and survives restarts.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const pool = createPool({ connectionString: options.databaseUrl, max: options.poolSize, onIdleError: (e) => options.log(`idle database connection failed: ${e.message}`) });
    return { pool, embedded: false, close: () => pool.end() };
  }
  const dataDir = join(options.dataDir, 'pg');
  options.log(`DATABASE_URL not set: starting embedded PostgreSQL in ${dataDir} on port ${options.embeddedPort}`);
  const db = await startEmbeddedPostgres({ dataDir, port: options.embeddedPort, persistent: true });
  const pool = createPool({ connectionString: db.url, max: options.poolSize, onIdleError: (e) => options.log(`idle database connection failed: ${e.message}`) });
  return {
    pool,
    embedded: true,
    close: async () => {
      await pool.end().catch(() => undefined);
      await db.stop();
    },
  };
}
