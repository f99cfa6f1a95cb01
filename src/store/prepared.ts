import { createHash } from 'node:crypto';
import type { Pool, PoolClient, QueryResult } from 'pg';

/**
 * Named (prepared) statements for the compiled queries of search, `$lastn` and history.
 *
 * A compiled search is parameterised: its text depends only on the query's shape (which
 * parameters, how many values, which access policy kind), never on the values. Planning such a
 * statement (a dozen EXISTS subqueries, the access filter's UNION) costs more than running it,
 * so each connection prepares a shape once, named by a hash of its text, and later executions
 * skip parsing; after five executions PostgreSQL may switch to a generic plan and skip planning
 * too when that plan is not costlier than the custom ones (plan_cache_mode = auto).
 * https://www.postgresql.org/docs/current/sql-prepare.html
 *
 * Each connection keeps at most its limit of shapes (least recently used deallocated first), so
 * a client that sends ever new shapes cannot grow the server's memory. A statement whose result
 * type changed under it (a column type altered by a migration) or that vanished (DISCARD ALL)
 * throws a {@link StalePlanError}: it is forgotten on that connection, and the caller runs the
 * work again (the store's transaction runner counts it as retryable).
 */

/** Shapes per connection when the pool does not say otherwise. */
export const DEFAULT_PREPARED_PER_CONNECTION = 200;

/**
 * State is kept per physical connection, keyed by node-postgres's connection object: the
 * PoolClient a caller holds may be a wrapper made per transaction (see pending-creates.ts), and
 * what a connection has prepared outlives any one wrapper.
 */
type ConnectionKey = object;
/** Per connection: its limit (0 = never prepare), set when the pool opens it. */
const limits = new WeakMap<ConnectionKey, number>();
/** Per connection: names it has prepared, least recently used first (a Map keeps insertion order). */
const prepared = new WeakMap<ConnectionKey, Map<string, true>>();
/** Per connection: names to DEALLOCATE before its next statement (found stale inside a transaction). */
const stale = new WeakMap<ConnectionKey, Set<string>>();

function connectionOf(client: PoolClient): ConnectionKey {
  return (client as unknown as { connection?: object }).connection ?? client;
}

export interface Statement {
  text: string;
  values: unknown[];
}

type Db = Pool | PoolClient;

export class StalePlanError extends Error {
  constructor(readonly original: unknown) {
    super('a prepared statement went stale (its result type changed or it was dropped); run the work again');
  }
}

/** How many shapes `client` may prepare (called by the pool as each connection opens). */
export function setPreparedLimit(client: PoolClient, limit: number): void {
  limits.set(connectionOf(client), limit);
}

/** The statement name of a query text. */
export function statementName(text: string): string {
  return `k${createHash('sha1').update(text).digest('base64url')}`;
}

/** Names `client` holds now, least recently used first (tests). */
export function preparedNames(client: PoolClient): string[] {
  return [...(prepared.get(connectionOf(client))?.keys() ?? [])];
}

/**
 * Run `statement` on `db` as a named statement. On a pool it takes a connection for the one
 * statement and runs it again when the statement was stale. On a client it throws
 * {@link StalePlanError} instead (the transaction is aborted; its runner repeats it).
 */
export async function queryPrepared(db: Db, statement: Statement): Promise<QueryResult> {
  if (!isPool(db)) return onClient(db, statement);
  return withConnection(db, (client) => onClient(client, statement));
}

/**
 * Attempts of one piece of work that keeps meeting stale statements. Each attempt forgets the
 * stale statement it met, so the work converges; but one search runs several statements and the
 * pool hands out other connections, each holding its own stale copies, so once is not enough.
 */
export const STALE_ATTEMPTS = 32;

/**
 * Run `work` with a connection of `pool`, again when it hit a stale statement (which it has
 * forgotten by then). `work` may open and end its own transaction; a failed one is rolled
 * back before the connection returns to the pool.
 */
export async function withConnection<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    try {
      return await work(client);
    } catch (err) {
      if (!(err instanceof StalePlanError) || attempt >= STALE_ATTEMPTS) throw err instanceof StalePlanError ? err.original : err;
    } finally {
      client.release();
    }
  }
}

async function onClient(client: PoolClient, statement: Statement): Promise<QueryResult> {
  const limit = limits.get(connectionOf(client)) ?? DEFAULT_PREPARED_PER_CONNECTION;
  const parsed = parsedStatements(client);
  if (limit <= 0 || !parsed) return client.query(statement.text, statement.values);
  await deallocateStale(client, parsed);
  const name = statementName(statement.text);
  const names = prepared.get(connectionOf(client)) ?? new Map<string, true>();
  prepared.set(connectionOf(client), names);
  if (names.delete(name)) names.set(name, true);
  else {
    while (names.size >= limit) await evict(client, parsed, names, names.keys().next().value as string);
    names.set(name, true);
  }
  try {
    return await client.query({ name, text: statement.text, values: statement.values });
  } catch (err) {
    if ((err as { code?: string }).code === '42P05') {
      // "already exists": the connection holds the name though node-postgres forgot it (its
      // bookkeeping and ours part ways when a pipelined Parse fails after a stale one). The name
      // is a hash of the text, so it is this statement: remember it as parsed and run again.
      parsed[name] = statement.text;
      throw new StalePlanError(err);
    }
    // a statement that failed to parse was never prepared
    if (!(name in parsed)) names.delete(name);
    if (!isStale(err)) throw err;
    names.delete(name);
    delete parsed[name];
    if ((err as { code?: string }).code === '0A000') {
      const pending = stale.get(connectionOf(client)) ?? new Set<string>();
      pending.add(name);
      stale.set(connectionOf(client), pending);
    }
    throw new StalePlanError(err);
  }
}

async function evict(client: PoolClient, parsed: Record<string, string>, names: Map<string, true>, name: string): Promise<void> {
  names.delete(name);
  delete parsed[name];
  await client.query(`DEALLOCATE "${name}"`);
}

async function deallocateStale(client: PoolClient, parsed: Record<string, string>): Promise<void> {
  const pending = stale.get(connectionOf(client));
  if (!pending?.size) return;
  for (const name of [...pending]) {
    // a name prepared again since (another text cannot carry it) is in use: leave it
    if (name in parsed) {
      pending.delete(name);
      continue;
    }
    try {
      await client.query(`DEALLOCATE "${name}"`);
      pending.delete(name);
    } catch (err) {
      if ((err as { code?: string }).code === '26000') pending.delete(name);
      else throw err;
    }
  }
}

/**
 * node-postgres's own record of the statements a connection has parsed: it sends a name's text
 * only the first time, so a deallocated name must leave it too. Undefined if a future pg keeps
 * it elsewhere; then nothing is prepared (correct, only slower).
 */
function parsedStatements(client: PoolClient): Record<string, string> | undefined {
  const parsed = (client as unknown as { connection?: { parsedStatements?: unknown } }).connection?.parsedStatements;
  return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : undefined;
}

/** "cached plan must not change result type" (0A000) or "prepared statement … does not exist" (26000). */
export function isStale(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (e?.code === '0A000' && /cached plan/.test(e.message ?? '')) || e?.code === '26000';
}

export function isPool(db: Db): db is Pool {
  return 'totalCount' in db;
}
