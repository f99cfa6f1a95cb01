import { paramKey } from '../../fhir/search/param-key';
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
}

/**
 * The current (not deleted) resources of `type` that match `criteria`, each parsed once, in id
 * order. Without criteria: all of them.
 */
export async function scanResources<T = unknown>(db: Db, type: string, criteria: ScanCriteria = {}): Promise<T[]> {
  const binds: unknown[] = [type];
  const bind = (value: unknown) => `$${binds.push(value)}`;
  const where = ['r.resource_type = $1', 'NOT r.deleted'];
  if (criteria.ids) where.push(`r.id = ANY(${bind([...criteria.ids])}::text[])`);
  for (const t of criteria.tokens ?? []) {
    const system = t.system === undefined ? '' : ` AND x.system = ${bind(t.system)}`;
    where.push(`EXISTS (SELECT 1 FROM search_token x WHERE x.rid = r.rid AND x.param = ${bind(paramKey(type, t.code))} AND x.value = ANY(${bind([...t.values])}::text[])${system})`);
  }
  for (const ref of criteria.references ?? []) {
    where.push(
      `EXISTS (SELECT 1 FROM search_reference x WHERE x.rid = r.rid AND x.param = ${bind(paramKey(type, ref.code))} AND x.target_type = ${bind(ref.targetType)} AND x.target_id = ANY(${bind([...ref.ids])}::text[]))`,
    );
  }
  for (const d of criteria.dates ?? []) {
    where.push(
      `EXISTS (SELECT 1 FROM search_date x WHERE x.rid = r.rid AND x.param = ${bind(paramKey(type, d.code))} AND x.low >= ${bind(d.from)}::timestamptz AND x.low < ${bind(d.to)}::timestamptz)`,
    );
  }
  const { rows } = await db.query<{ content: string }>(`SELECT r.content FROM resource r WHERE ${where.join(' AND ')} ORDER BY r.id`, binds);
  return rows.map((r) => JSON.parse(r.content) as T);
}
