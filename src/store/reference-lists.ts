import type { Pool, PoolClient } from 'pg';

/** A current resource as a list gives it: id and parsed content. */
export interface ListedResource {
  id: string;
  resource: Record<string, unknown>;
}

/** A reference condition on the search index: the parameter (its key) points at one of `targetIds` of `targetType`. */
export interface ReferenceCondition {
  param: number;
  targetType: string;
  targetIds: readonly string[];
}

/**
 * Lists the current resources of a type whose search index satisfies every reference condition,
 * in id order, at most `limit`. What a module asks of the index without writing SQL (a care
 * model's care teams of an organization, episodes of a team).
 */
export type ReferenceLister = (type: string, conditions: readonly ReferenceCondition[], limit?: number) => Promise<ListedResource[]>;

/** A ReferenceLister on `db`. */
export function referenceLister(db: Pool | PoolClient): ReferenceLister {
  return async (type, conditions, limit) => {
    if (conditions.some((c) => c.targetIds.length === 0)) return [];
    const values: unknown[] = [type];
    const bind = (value: unknown, cast: string) => `$${values.push(value)}::${cast}`;
    // one semi-join per condition, each driven by the index on (param, target_id)
    const where = conditions.map(
      (c) =>
        `AND r.rid IN (SELECT ref.rid FROM search_reference ref WHERE ref.param = ${bind(c.param, 'int4')} AND ref.target_type = ${bind(c.targetType, 'text')} AND ref.target_id = ANY(${bind(c.targetIds, 'text[]')}))`,
    );
    const { rows } = await db.query<{ id: string; content: string }>(
      `SELECT r.id, r.content FROM resource r
        WHERE r.resource_type = $1 AND NOT r.deleted
          ${where.join('\n          ')}
        ORDER BY r.id${limit === undefined ? '' : ` LIMIT ${bind(limit, 'int4')}`}`,
      values,
    );
    return rows.map((r) => ({ id: r.id, resource: JSON.parse(r.content) as Record<string, unknown> }));
  };
}
