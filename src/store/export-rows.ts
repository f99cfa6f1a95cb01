import type { Pool } from 'pg';
import type { SearchRequest } from '../fhir/search/ast';
import { criterionSql } from './search/criteria-sql';
import { SqlBuilder, type AccessFilter } from './search/sql-builder';
import { normalizeDatabaseError } from './pg-errors';

/** Which rows of one type an export reads. */
export interface ExportSelection {
  type: string;
  /** `_typeFilter` searches for the type, any of which a row must match; empty = every row. */
  anyOf: readonly SearchRequest[];
  /** A scope's query restrictions for the type, one of which a row must match; empty = none. */
  restrictedTo: readonly SearchRequest[];
  /** `_since`: changed after this instant. */
  since?: string;
  /** The export's transactionTime: changed at or before it. */
  until: string;
  /** Patient-level export: rows in some patient's compartment, or in these patients' compartments (Group). */
  compartment?: 'any' | readonly string[];
  /** The requesting client's access filter (the search engine's slot); undefined = unrestricted. */
  access?: AccessFilter;
}

export interface ExportRow {
  id: string;
  /** The stored JSON text, served as it is. */
  content: string;
}

export interface ExportBatch {
  /** The rows of the batch the selection keeps, in id order. */
  rows: ExportRow[];
  /** Rows looked at (kept or not): fewer than the limit means the type is done. */
  scanned: number;
  /** The last id looked at: where the next batch starts. */
  lastId: string | null;
}

/**
 * One keyset batch of an export: the next `limit` rows of one type after `afterId` in id order,
 * read on the primary key (resource_type, id), then the selection (access filter, `_since`,
 * `_typeFilter`, compartment) applied to those rows only. Filtering after the LIMIT keeps every
 * batch's cost bounded by the batch, not by the table: with the filter inside the scan the
 * planner hashes the access filter's compartment subquery over the whole table for each batch,
 * which made an export quadratic (see the work_mem note below). A batch may therefore keep
 * fewer rows than it looked at. The CTE scan returns the page in its (id) order.
 */
export async function readExportBatch(pool: Pool, selection: ExportSelection, afterId: string | null, limit: number): Promise<ExportBatch> {
  const b = new SqlBuilder();
  const type = b.bind(selection.type);
  const after = afterId === null ? '' : ` AND id > ${b.bind(afterId)}`;
  const where = ['NOT r.deleted', `r.last_updated <= ${b.bind(selection.until, 'timestamptz')}`];
  if (selection.since) where.push(`r.last_updated > ${b.bind(selection.since, 'timestamptz')}`);
  for (const group of [selection.anyOf, selection.restrictedTo]) {
    if (group.length) where.push(`(${group.map((request) => allOf(request, b, selection.access)).join(' OR ')})`);
  }
  if (selection.compartment === 'any') {
    where.push(`EXISTS (SELECT 1 FROM resource_compartment pc WHERE pc.rid = r.rid AND pc.compartment_type = 'Patient')`);
  } else if (selection.compartment) {
    where.push(
      `EXISTS (SELECT 1 FROM resource_compartment pc WHERE pc.rid = r.rid AND pc.compartment_type = 'Patient' AND pc.compartment_id = ANY(${b.bind(selection.compartment, 'text[]')}))`,
    );
  }
  if (selection.access) where.push(`(${selection.access('r', b.bind)})`);
  const query = b.query(
    `WITH page AS MATERIALIZED (SELECT * FROM resource WHERE resource_type = ${type}${after} ORDER BY id LIMIT ${b.bind(limit, 'integer')})
     SELECT r.id, CASE WHEN ${where.join(' AND ')} THEN r.content END AS content FROM page r`,
  );
  const client = await pool.connect();
  try {
    // The access filter's compartment test sits under an OR, so PostgreSQL runs it as a subplan:
    // hashed (every row of every reachable patient's compartments, once per batch: 90 ms at 100k
    // Observations, growing with the table) or per row (an index probe per row: 17 ms per batch
    // at any size). It hashes whenever the hash fits in memory, so the batch gets a small one.
    await client.query(`BEGIN READ ONLY; SET LOCAL work_mem = '64kB'`);
    const { rows } = await client.query(query.text, query.values);
    await client.query('COMMIT');
    return {
      rows: rows.filter((r) => r.content !== null) as ExportRow[],
      scanned: rows.length,
      lastId: rows.length ? (rows[rows.length - 1].id as string) : afterId,
    };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw normalizeDatabaseError(err);
  } finally {
    client.release();
  }
}

/** Every criterion of a search, ANDed (true when it has none). */
function allOf(request: SearchRequest, b: SqlBuilder, access?: AccessFilter): string {
  const parts = request.criteria.map((c) => criterionSql(c, 'r', b, access));
  return parts.length ? `(${parts.join(' AND ')})` : 'true';
}

/** The resource types with at least one stored row (a skip scan of the primary key, not a table scan). */
export async function storedResourceTypes(pool: Pool): Promise<string[]> {
  try {
    const { rows } = await pool.query(
      `WITH RECURSIVE t(rt) AS (
         SELECT min(resource_type) FROM resource
         UNION ALL
         SELECT (SELECT min(resource_type) FROM resource WHERE resource_type > t.rt) FROM t WHERE t.rt IS NOT NULL)
       SELECT rt FROM t WHERE rt IS NOT NULL`,
    );
    return rows.map((r) => r.rt as string);
  } catch (err) {
    throw normalizeDatabaseError(err);
  }
}
