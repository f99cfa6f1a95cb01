import type { Pool, PoolClient } from 'pg';
import type { AccessFilter } from './search/sql-builder';
import type { CandidateRids } from './access-sql';
import { queryPrepared } from './prepared';
import { rowToVersion, type StoredVersion } from './versions';

export interface HistoryQuery {
  resourceType?: string;
  id?: string;
  /** Only versions written at or after this instant (`_since`). */
  since?: string;
  /** Page size. */
  count: number;
  /** Opaque keyset cursor from a previous page's `next`. */
  cursor?: HistoryCursor;
  /**
   * The caller's access filter, applied to each version's resource as it is now (type and system
   * history): only versions of resources the caller may see, and none of deleted ones (a deletion
   * has no content to decide by). Instance history is decided by the caller before.
   */
  access?: AccessFilter;
  /** Only versions of these types (the types the caller's scopes let it read). */
  types?: readonly string[];
  /**
   * With `access`: the rids of the resources the caller may see, or more (access-sql.ts). The
   * query then starts from them and reads only their versions, instead of walking every version
   * newest first and checking each.
   */
  candidates?: CandidateRids;
}

export interface HistoryCursor {
  lastUpdated: string;
  seq: string;
}

export interface HistoryPage {
  entries: StoredVersion[];
  /** Cursor of the next (older) page, when there is one. */
  next?: HistoryCursor;
  /** Number of versions matching, for instance-level history (cheap there). */
  total?: number;
}

/**
 * History newest first (https://hl7.org/fhir/R4/http.html#history), keyset-paged on
 * (last_updated, seq) so pages neither skip nor repeat while new versions are written. On a
 * transaction's client it sees that transaction's own writes.
 */
export async function history(pool: Pool | PoolClient, q: HistoryQuery): Promise<HistoryPage> {
  if (q.access && q.candidates && !q.id) {
    // the newest versions first, a bounded number of them: where the caller sees much of what
    // is written, its page is among them; otherwise start from what it may see
    const near = await walk(pool, q, Math.max(WALK_BUDGET, 4 * (q.count + 1)));
    if (near.rows.length > q.count) return toPage(near.rows, q.count);
    const started = await candidateHistory(pool, q, q.access, q.candidates);
    if (started) return started;
  }
  const { rows, values, filter } = await walk(pool, q);
  const result = toPage(rows, q.count);
  if (q.id) {
    const { rows: c } = await queryPrepared(pool, {
      text: `SELECT count(*)::int AS n FROM resource_version v WHERE ${filter.join(' AND ')}`,
      values: values.slice(0, filter.length),
    });
    result.total = c[0].n;
  }
  return result;
}

/**
 * Versions a restricted history checks newest first before it starts from the candidates
 * instead: a few milliseconds of reading (the first `count + 1` visible ones among them are the
 * page, as they would be in a walk without bound).
 */
const WALK_BUDGET = 500;

/**
 * Resources a restricted history reads as candidates at most: a caller that may see more (a
 * large organization's own records) walks the timeline unbounded instead, as costly as before
 * but no costlier.
 */
const CANDIDATE_LIMIT = 10_000;

/**
 * The timeline walk: versions newest first (through resource_version_type_ix or _system_ix),
 * each checked against `access` on its resource as it is now; with `budget`, only that many
 * versions are read, visible or not.
 */
async function walk(pool: Pool | PoolClient, q: HistoryQuery, budget?: number) {
  const where: string[] = [];
  const values: unknown[] = [];
  const bind = (value: unknown, cast?: string) => {
    values.push(value);
    return `$${values.length}${cast ? `::${cast}` : ''}`;
  };
  const add = (sql: (p: string) => string, value: unknown) => where.push(sql(bind(value)));
  if (q.resourceType) add((p) => `v.resource_type = ${p}`, q.resourceType);
  if (q.id) add((p) => `v.id = ${p}`, q.id);
  if (q.since) add((p) => `v.last_updated >= ${p}`, q.since);
  const filter = [...where];
  if (q.types) where.push(`v.resource_type = ANY(${bind(q.types, 'text[]')})`);
  if (q.cursor) {
    values.push(q.cursor.lastUpdated, q.cursor.seq);
    where.push(`(v.last_updated, v.seq) < ($${values.length - 1}, $${values.length})`);
  }
  const onVersion = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const order = 'ORDER BY v.last_updated DESC, v.seq DESC';
  const from = budget === undefined ? 'resource_version v' : `(SELECT * FROM resource_version v ${onVersion} ${order} LIMIT ${bind(budget, 'int')}) v`;
  const conditions = budget === undefined ? [...where] : [];
  if (q.access) conditions.push(`NOT r.deleted AND ${q.access('r', bind)}`);
  const join = q.access ? ' JOIN resource r ON r.resource_type = v.resource_type AND r.id = v.id' : '';
  // a named statement per shape (prepared.ts): type and system history carry the access filter
  const { rows } = await queryPrepared(pool, {
    text: `SELECT v.seq, v.resource_type, v.id, v.version_id, v.last_updated, v.method, v.content FROM ${from}${join}
      ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
      ${order} LIMIT ${bind(q.count + 1, 'int')}`,
    values,
  });
  return { rows, values, filter };
}

/** The page of `count` and its next cursor from up to `count + 1` rows newest first. */
function toPage(rows: any[], count: number): HistoryPage {
  const more = rows.length > count;
  const page = more ? rows.slice(0, count) : rows;
  const last = page[page.length - 1];
  return {
    entries: page.map(rowToVersion),
    ...(more && last ? { next: { lastUpdated: last.last_updated, seq: last.seq } } : {}),
  };
}

/**
 * Type or system history of a restricted caller, driven by the resources it may see
 * (undefined when they are more than CANDIDATE_LIMIT): each
 * candidate is checked as the timeline walk checks it (the resource as it is now, not
 * deleted), then its versions are read through the primary key, at most a page of each, and the
 * pages merged newest first. A resource last changed before `_since` has no version after it,
 * so `_since` prunes candidates before any version is read.
 */
async function candidateHistory(
  pool: Pool | PoolClient,
  q: HistoryQuery,
  access: AccessFilter,
  candidates: CandidateRids,
): Promise<HistoryPage | undefined> {
  const values: unknown[] = [];
  const bind = (value: unknown, cast?: string) => {
    values.push(value);
    return `$${values.length}${cast ? `::${cast}` : ''}`;
  };
  const from = candidates(bind, q.resourceType);
  const onResource = [`NOT r.deleted`, access('r', bind)];
  if (q.resourceType) onResource.push(`r.resource_type = ${bind(q.resourceType, 'text')}`);
  if (q.types) onResource.push(`r.resource_type = ANY(${bind(q.types, 'text[]')})`);
  const onVersion: string[] = [];
  if (q.since) {
    const since = bind(q.since, 'timestamptz');
    onResource.push(`r.last_updated >= ${since}`);
    onVersion.push(`v.last_updated >= ${since}`);
  }
  if (q.cursor) onVersion.push(`(v.last_updated, v.seq) < (${bind(q.cursor.lastUpdated, 'timestamptz')}, ${bind(q.cursor.seq, 'bigint')})`);
  const limit = bind(q.count + 1, 'int');
  const { rows } = await queryPrepared(pool, {
    text: `WITH k AS MATERIALIZED (SELECT rid FROM (${from}) c(rid) LIMIT ${bind(CANDIDATE_LIMIT + 1, 'int')}),
      page AS (SELECT v.seq, v.resource_type, v.id, v.version_id, v.last_updated, v.method, v.content
        FROM k
        JOIN resource r ON r.rid = k.rid
        CROSS JOIN LATERAL (SELECT * FROM resource_version v WHERE v.resource_type = r.resource_type AND v.id = r.id${onVersion.map((w) => ` AND ${w}`).join('')}
          ORDER BY v.last_updated DESC, v.seq DESC LIMIT ${limit}) v
        WHERE ${onResource.join(' AND ')}
        ORDER BY v.last_updated DESC, v.seq DESC LIMIT ${limit})
      SELECT (SELECT count(*) FROM k)::int AS candidates, page.* FROM (SELECT 1) one LEFT JOIN page ON true
      ORDER BY page.last_updated DESC, page.seq DESC`,
    values,
  });
  if (rows[0].candidates > CANDIDATE_LIMIT) return undefined;
  return toPage(
    rows.filter((r) => r.seq !== null),
    q.count,
  );
}

export function encodeCursor(c: HistoryCursor): string {
  return Buffer.from(`${c.lastUpdated}|${c.seq}`).toString('base64url');
}

/** Undefined when the token is not one of ours. */
export function decodeCursor(token: string): HistoryCursor | undefined {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const m = /^(\d{4}-\d\d-\d\d[ T][\d:.]+(?:Z|[+-]\d\d(?::?\d\d)?)?)\|(\d+)$/.exec(text);
  return m ? { lastUpdated: m[1], seq: m[2] } : undefined;
}
