import type { Pool } from 'pg';
import type { SearchRequest } from '../fhir/search/ast';
import { criterionSql } from '../fhir/search/criteria-sql';
import { SqlBuilder, type AccessFilter } from '../fhir/search/sql-builder';
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

/**
 * One keyset batch of an export: current, not deleted rows of one type after `afterId` in id
 * order, on the primary key (resource_type, id), so every batch costs the same however far
 * into a large type it is, and a job resumed from its last id neither repeats nor skips rows.
 */
export async function readExportBatch(pool: Pool, selection: ExportSelection, afterId: string | null, limit: number): Promise<ExportRow[]> {
  const b = new SqlBuilder();
  const where = [`r.resource_type = ${b.bind(selection.type)}`, 'NOT r.deleted', `r.last_updated <= ${b.bind(selection.until, 'timestamptz')}`];
  if (afterId !== null) where.push(`r.id > ${b.bind(afterId)}`);
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
  const query = b.query(`SELECT r.id, r.content FROM resource r WHERE ${where.join(' AND ')} ORDER BY r.id LIMIT ${b.bind(limit, 'integer')}`);
  try {
    const { rows } = await pool.query(query.text, query.values);
    return rows as ExportRow[];
  } catch (err) {
    throw normalizeDatabaseError(err);
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
