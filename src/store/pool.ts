import { Pool, types, type PoolClient, type PoolConfig } from 'pg';
import { databaseUnavailable, isDatabaseUnavailable } from './pg-errors';
import { DEFAULT_PREPARED_PER_CONNECTION, setPreparedLimit } from './prepared';

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
  /** How long getting a new connection may take before the request gives up with a 503 (ms). */
  connectionTimeoutMs?: number;
  applicationName?: string;
  /**
   * Query shapes each connection keeps prepared (src/store/prepared.ts); 0 prepares none, for
   * poolers that do not carry named statements between transactions (PgBouncer's transaction mode
   * before 1.21).
   */
  preparedStatements?: number;
  /** Errors of connections (database restart, network): reported, never fatal. */
  onIdleError?: (err: Error) => void;
}

/**
 * A pg Pool whose `connect()` turns "the database cannot be reached" (refused, starting up, shut
 * down, timed out) into a 503 with Retry-After: taking a connection is where the store first
 * meets a database that is down, and no caller should see that as a 500.
 */
class KolibriPool extends Pool {
  override connect(): Promise<PoolClient>;
  override connect(callback: (err: Error | undefined, client: PoolClient | undefined, done: (release?: unknown) => void) => void): void;
  override connect(callback?: (err: Error | undefined, client: PoolClient | undefined, done: (release?: unknown) => void) => void): Promise<PoolClient> | void {
    // pg-pool's own query() passes a callback: its errors reach the store's query wrapper
    if (callback) return super.connect(callback);
    return super.connect().catch((err: unknown) => {
      throw isDatabaseUnavailable(err) ? Object.assign(databaseUnavailable(), { cause: err }) : err;
    });
  }
}

/** A pg Pool with Kolibri's session settings. */
export function createPool(options: PoolOptions): Pool {
  const config: PoolConfig = {
    connectionString: options.connectionString,
    max: options.max,
    application_name: options.applicationName ?? 'kolibri',
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    idleTimeoutMillis: 30_000,
    // an unreachable host would otherwise hold every request until the OS gives up on the socket
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    // timestamps leave the database in UTC, so row text converts to ISO instants without zone games
    options: '-c timezone=UTC',
  };
  const pool = new KolibriPool(config);
  const report = (err: Error) => options.onIdleError?.(err);
  // Without a listener, an idle client's error (e.g. the server restarting) crashes the process.
  pool.on('error', report);
  // pg-pool listens for errors only while a client is idle. A checked-out client between two
  // statements of a transaction that receives the server's FATAL (57P01 on shutdown) or loses
  // its socket emits 'error' with no listener, which crashed the process: every client gets a
  // listener of its own for its whole life. The statement in flight (or the next one) fails
  // too, and that error is what the request answers with (a 503); release() then discards the
  // broken client (pg-pool drops clients that are no longer queryable), so the pool reconnects.
  pool.on('connect', (client) => {
    client.on('error', report);
    setPreparedLimit(client, options.preparedStatements ?? DEFAULT_PREPARED_PER_CONNECTION);
  });
  return pool;
}
