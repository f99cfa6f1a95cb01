import { Pool, types } from 'pg';

// Keep timestamptz/date as strings: FHIR instants keep their precision and offset, and we never
// want node's Date (millisecond, local-zone) semantics applied behind our back.
types.setTypeParser(1184 /* timestamptz */, (v) => v);
types.setTypeParser(1114 /* timestamp */, (v) => v);
types.setTypeParser(1082 /* date */, (v) => v);
// bigint (rid, seq, counts) as string is pg's default; numeric too. Both are left as strings.

export interface PoolOptions {
  connectionString: string;
  max: number;
  /** Per-statement timeout protecting the database from runaway queries (ms). */
  statementTimeoutMs?: number;
  applicationName?: string;
  /** Errors of idle connections (database restart, network): reported, never fatal. */
  onIdleError?: (err: Error) => void;
}

/** A pg Pool with Kolibri's session settings. */
export function createPool(options: PoolOptions): Pool {
  const pool = new Pool({
    connectionString: options.connectionString,
    max: options.max,
    application_name: options.applicationName ?? 'kolibri',
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    idleTimeoutMillis: 30_000,
    // timestamps leave the database in UTC, so row text converts to ISO instants without zone games
    options: '-c timezone=UTC',
  });
  // Without a listener, an idle client's error (e.g. the server restarting) crashes the process.
  pool.on('error', (err) => options.onIdleError?.(err));
  return pool;
}
