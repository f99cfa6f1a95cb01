import type { AuditRecord } from '../audit/record';
import { AUDIT_COLUMNS, auditRowsJson } from './audit-outbox';
import type { Bind } from './index-writer';

/**
 * A condition a create must meet, in SQL: a boolean expression over the database as the
 * statement sees it (e.g. "the caller reaches every patient of the resource"). `shape` names
 * the expression's form (its text, not its values) for the prepared statement's name.
 */
export interface CreateCondition {
  shape: string;
  sql: (bind: Bind) => string;
}

/** The version to be written: its current row and first (or next) history row. */
export interface VersionRow {
  resourceType: string;
  id: string;
  now: string;
  json: string;
  accessPatients: string[] | null;
}

export interface WriteParts {
  /**
   * The CTEs writing the index rows, with the rid of each row of CTE `source`; `replace`: they
   * delete the rows the resource had first (an update).
   */
  index: (source: string, bind: Bind, replace: boolean) => { ctes: string[]; shape: string };
  /** Outbox records inserted when (and only when) the version is. */
  audit: readonly AuditRecord[];
}

export interface Statement {
  name: string;
  text: string;
  values: unknown[];
}

/**
 * The one statement of a create: a data-modifying CTE per table (resource, resource_version,
 * each index table, audit_outbox), all hanging off the resource insert `w`, which inserts only
 * when the condition holds. So a refused create inserts nothing anywhere, and the answer says
 * which: a row with the new rid, or a NULL rid. Its text depends only on the condition's shape,
 * which index tables receive rows and whether there is an audit record: a named prepared
 * statement, planned once per connection and shape.
 * https://www.postgresql.org/docs/current/queries-with.html#QUERIES-WITH-MODIFYING
 */
export function createStatement(row: VersionRow & { owner: string | null }, parts: WriteParts & { condition?: CreateCondition }): Statement {
  return writeStatement(`create-${parts.condition?.shape ?? 'any'}`, 'POST', 1, row, parts, (v, bind) => {
    const condition = parts.condition ? `WHERE ${parts.condition.sql(bind)}` : '';
    return `INSERT INTO resource (resource_type, id, version_id, last_updated, content, owner, access_patients)
      SELECT ${v.type}, ${v.id}, 1, ${v.now}, ${v.json}, ${bind(row.owner, 'text')}, ${v.access} ${condition} RETURNING rid`;
  });
}

/**
 * The one statement of an update decided on version `seen`: the current row becomes the new
 * version only if it still is version `seen` (and not deleted), compared and swapped under the
 * row lock the UPDATE takes; the history row, the index rows (old ones deleted, new inserted:
 * sibling CTEs share one snapshot, so the delete does not see the inserts) and the audit
 * records hang off it. A NULL rid: the row had moved on, and nothing was written.
 */
export function updateStatement(row: VersionRow & { seen: number; method: 'PUT' | 'PATCH' }, parts: WriteParts): Statement {
  return writeStatement('update', row.method, row.seen + 1, row, parts, (v, bind) => `UPDATE resource
      SET version_id = ${v.version}, last_updated = ${v.now}, deleted = false, content = ${v.json}, access_patients = ${v.access}
      WHERE resource_type = ${v.type} AND id = ${v.id} AND version_id = ${bind(row.seen, 'integer')} AND NOT deleted RETURNING rid`);
}

interface Placeholders {
  type: string;
  id: string;
  version: string;
  now: string;
  json: string;
  access: string;
}

function writeStatement(
  kind: string,
  method: string,
  versionId: number,
  row: VersionRow,
  parts: WriteParts,
  head: (v: Placeholders, bind: Bind) => string,
): Statement {
  const values: unknown[] = [];
  const bind: Bind = (value, cast) => {
    values.push(value);
    return `$${values.length}${cast ? `::${cast}` : ''}`;
  };
  const v: Placeholders = {
    type: bind(row.resourceType, 'text'),
    id: bind(row.id, 'text'),
    version: bind(versionId, 'integer'),
    now: bind(row.now, 'timestamptz'),
    json: bind(row.json, 'text'),
    access: bind(row.accessPatients, 'text[]'),
  };
  const ctes = [
    `w AS (${head(v, bind)})`,
    `h AS (INSERT INTO resource_version (resource_type, id, version_id, last_updated, method, content)
      SELECT ${v.type}, ${v.id}, ${v.version}, ${v.now}, ${bind(method, 'text')}, ${v.json} FROM w)`,
  ];
  const index = parts.index('w', bind, kind === 'update');
  ctes.push(...index.ctes);
  if (parts.audit.length) {
    ctes.push(`a AS (INSERT INTO audit_outbox (${AUDIT_COLUMNS})
      SELECT ${AUDIT_COLUMNS} FROM json_populate_recordset(NULL::audit_outbox, ${bind(auditRowsJson(parts.audit), 'json')}) WHERE EXISTS (SELECT 1 FROM w))`);
  }
  const name = `kolibri-${kind}-${index.shape}${parts.audit.length ? '-a' : ''}`;
  return { name, text: `WITH ${ctes.join(',\n  ')}\nSELECT (SELECT rid FROM w) AS rid`, values };
}
