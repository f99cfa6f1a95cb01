import type { Db } from '../db';
import { indexBinds, type Referencing } from './referencing-counts';

/**
 * The current resources that reference labelled targets (`labels`: target id → label, e.g. the
 * group a target belongs to), optionally only those placed (by the date parameter of their type)
 * in [low, high). A resource counts once per label however many of the label's targets it
 * references. Answers from the index tables; resources are parsed only when asked for.
 */

/** Either end open when left out. */
export interface Placed {
  low?: string;
  high?: string;
}

/** DISTINCT (label, rid) of the referencing resources: the subquery both answers start from. */
function labelled(q: Referencing, labels: ReadonlyMap<string, string>, placed: Placed | undefined): { sql: string; binds: unknown[] } {
  const binds = [...indexBinds(q), [...labels.keys()], [...labels.values()], placed ? (placed.low ?? '-infinity') : null, placed ? (placed.high ?? 'infinity') : null];
  const sql = `SELECT DISTINCT k.label, b.rid
       FROM unnest($6::text[], $7::text[]) AS k(target, label)
       JOIN search_reference b ON b.param = ANY($1::int[]) AND b.target_id = k.target AND b.target_type = $5
      WHERE NOT EXISTS (SELECT 1 FROM search_token x WHERE x.rid = b.rid AND x.param = ANY($3::int[]) AND x.value = $4)
        AND ($8::timestamptz IS NULL OR EXISTS (SELECT 1 FROM search_date d WHERE d.rid = b.rid AND d.param = ANY($2::int[]) AND d.low >= $8::timestamptz AND d.low < $9::timestamptz))`;
  return { sql, binds };
}

/** Per label and resource type: how many current resources reference the label's targets. */
export async function countPerLabelAndType(db: Db, q: Referencing, labels: ReadonlyMap<string, string>, placed?: Placed): Promise<Array<{ label: string; type: string; n: number }>> {
  if (!labels.size) return [];
  const { sql, binds } = labelled(q, labels, placed);
  const { rows } = await db.query<{ label: string; type: string; n: number }>(
    `SELECT m.label, r.resource_type AS type, count(*)::int AS n FROM (${sql}) m JOIN resource r ON r.rid = m.rid AND NOT r.deleted GROUP BY 1, 2`,
    binds,
  );
  return rows;
}

/** The current resources that reference the labels' targets, parsed, with their label; by type, then id. */
export async function resourcesPerLabel<T = unknown>(db: Db, q: Referencing, labels: ReadonlyMap<string, string>, placed?: Placed): Promise<Array<{ label: string; resource: T }>> {
  if (!labels.size) return [];
  const { sql, binds } = labelled(q, labels, placed);
  const { rows } = await db.query<{ label: string; content: string }>(
    `SELECT m.label, r.content FROM (${sql}) m JOIN resource r ON r.rid = m.rid AND NOT r.deleted ORDER BY r.resource_type, r.id`,
    binds,
  );
  return rows.map((r) => ({ label: r.label, resource: JSON.parse(r.content) as T }));
}
