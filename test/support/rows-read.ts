import type { Pool, PoolClient } from 'pg';

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/**
 * Index and table rows a statement reads under EXPLAIN ANALYZE: every scan node's rows, those
 * its filter removed included, over all its loops. A cost that does not depend on timing.
 */
export async function rowsRead(pool: Pool | PoolClient, text: string, values: unknown[]): Promise<number> {
  const { rows } = await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values);
  let read = 0;
  const walk = (node: PlanNode) => {
    if (node['Relation Name']) read += ((node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0)) * (node['Actual Loops'] ?? 1);
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(rows[0]['QUERY PLAN'][0].Plan);
  return read;
}
