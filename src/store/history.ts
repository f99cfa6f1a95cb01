import type { Pool, PoolClient } from 'pg';
import type { AccessFilter } from './search/sql-builder';
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
  if (q.access) where.push(`NOT r.deleted AND ${q.access('r', bind)}`);
  if (q.cursor) {
    values.push(q.cursor.lastUpdated, q.cursor.seq);
    where.push(`(v.last_updated, v.seq) < ($${values.length - 1}, $${values.length})`);
  }
  values.push(q.count + 1);
  const join = q.access ? ' JOIN resource r ON r.resource_type = v.resource_type AND r.id = v.id' : '';
  // a named statement per shape (prepared.ts): type and system history carry the access filter
  const { rows } = await queryPrepared(pool, {
    text: `SELECT v.seq, v.resource_type, v.id, v.version_id, v.last_updated, v.method, v.content FROM resource_version v${join}
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY v.last_updated DESC, v.seq DESC LIMIT $${values.length}`,
    values,
  });
  const more = rows.length > q.count;
  const page = more ? rows.slice(0, q.count) : rows;
  const last = page[page.length - 1];
  const result: HistoryPage = {
    entries: page.map(rowToVersion),
    ...(more && last ? { next: { lastUpdated: last.last_updated, seq: last.seq } } : {}),
  };
  if (q.id) {
    const { rows: c } = await queryPrepared(pool, {
      text: `SELECT count(*)::int AS n FROM resource_version v WHERE ${filter.join(' AND ')}`,
      values: values.slice(0, filter.length),
    });
    result.total = c[0].n;
  }
  return result;
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
