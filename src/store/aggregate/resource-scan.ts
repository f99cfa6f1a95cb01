import { paramKey } from '../../fhir/search/param-key';
import type { AccessFilter } from '../search/sql-builder';
import type { Db } from '../db';

/**
 * Parsed criteria over the search index, for reads that aggregate (reports, jobs): each names a
 * search parameter of the scanned type by its code. All given criteria must hold.
 */
export interface ScanCriteria {
  /** Only these ids. */
  ids?: readonly string[];
  /** A token parameter with one of `values` (and `system`, when given). */
  tokens?: ReadonlyArray<{ code: string; system?: string; values: readonly string[] }>;
  /** A reference parameter pointing at one of `ids` of `targetType`. */
  references?: ReadonlyArray<{ code: string; targetType: string; ids: readonly string[] }>;
  /**
   * A date parameter whose value starts in [from, to): instants, or dates meaning local midnight
   * in the session's time zone (see inSnapshot).
   */
  dates?: ReadonlyArray<{ code: string; from: string; to: string }>;
  /** A date parameter whose value overlaps [low, high) (either end open when left out). */
  overlaps?: ReadonlyArray<{ code: string; low?: string; high?: string }>;
  /** What the caller may read: the access filter, ANDed into the statement like a search's. */
  visible?: AccessFilter;
}

/** The statement's WHERE over `resource r` for `criteria`, with its bind values. */
function scanWhere(type: string, criteria: ScanCriteria): { where: string; binds: unknown[] } {
  const binds: unknown[] = [type];
  const bind = (value: unknown, cast?: string) => `$${binds.push(value)}${cast ? `::${cast}` : ''}`;
  const where = ['r.resource_type = $1', 'NOT r.deleted'];
  if (criteria.visible) where.push(criteria.visible('r', bind));
  if (criteria.ids) where.push(`r.id = ANY(${bind([...criteria.ids], 'text[]')})`);
  for (const t of criteria.tokens ?? []) {
    const system = t.system === undefined ? '' : ` AND x.system = ${bind(t.system)}`;
    where.push(`EXISTS (SELECT 1 FROM search_token x WHERE x.rid = r.rid AND x.param = ${bind(paramKey(type, t.code))} AND x.value = ANY(${bind([...t.values], 'text[]')})${system})`);
  }
  for (const ref of criteria.references ?? []) {
    where.push(
      `EXISTS (SELECT 1 FROM search_reference x WHERE x.rid = r.rid AND x.param = ${bind(paramKey(type, ref.code))} AND x.target_type = ${bind(ref.targetType)} AND x.target_id = ANY(${bind([...ref.ids], 'text[]')}))`,
    );
  }
  for (const d of criteria.dates ?? []) {
    where.push(
      `EXISTS (SELECT 1 FROM search_date x WHERE x.rid = r.rid AND x.param = ${bind(paramKey(type, d.code))} AND x.low >= ${bind(d.from, 'timestamptz')} AND x.low < ${bind(d.to, 'timestamptz')})`,
    );
  }
  for (const o of criteria.overlaps ?? []) {
    where.push(
      `EXISTS (SELECT 1 FROM search_date x WHERE x.rid = r.rid AND x.param = ${bind(paramKey(type, o.code))} AND x.low < ${bind(o.high ?? 'infinity', 'timestamptz')} AND x.high > ${bind(o.low ?? '-infinity', 'timestamptz')})`,
    );
  }
  return { where: where.join(' AND '), binds };
}

/**
 * The current (not deleted) resources of `type` that match `criteria`, each parsed once, in id
 * order, or in PostgreSQL's jsonb order of their content (`order: 'content'`: the order of a
 * `jsonb_agg(DISTINCT …)`, which reports kept for their lists). Without criteria: all of them.
 */
export async function scanResources<T = unknown>(db: Db, type: string, criteria: ScanCriteria = {}, order: 'id' | 'content' = 'id'): Promise<T[]> {
  const { where, binds } = scanWhere(type, criteria);
  const { rows } = await db.query<{ content: string }>(`SELECT r.content FROM resource r WHERE ${where} ORDER BY ${order === 'id' ? 'r.id' : 'r.content::jsonb'}`, binds);
  return rows.map((r) => JSON.parse(r.content) as T);
}

/**
 * The values of date parameter `code` (each index row's first and last instant as ISO 8601,
 * `-infinity` / `infinity` when open) of the resources `scanResources` finds, with the resource.
 */
export async function scanDateRanges<T = unknown>(db: Db, type: string, code: string, criteria: ScanCriteria = {}): Promise<Array<{ resource: T; low: string; high: string }>> {
  const { where, binds } = scanWhere(type, criteria);
  const param = `$${binds.push(paramKey(type, code))}`;
  const { rows } = await db.query<{ content: string; low: string; high: string }>(
    `SELECT r.content, to_json(d.low)#>>'{}' AS low, to_json(d.high)#>>'{}' AS high FROM resource r JOIN search_date d ON d.rid = r.rid AND d.param = ${param} WHERE ${where} ORDER BY r.id`,
    binds,
  );
  return rows.map((r) => ({ resource: JSON.parse(r.content) as T, low: r.low, high: r.high }));
}
