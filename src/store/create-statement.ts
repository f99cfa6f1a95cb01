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

export interface CreateRow {
  resourceType: string;
  id: string;
  now: string;
  json: string;
  owner: string | null;
  accessPatients: string[] | null;
}

export interface CreateParts {
  /** The CTEs inserting the index rows, with the rid of each row of CTE `source`. */
  index: (source: string, bind: Bind) => { ctes: string[]; shape: string };
  condition?: CreateCondition;
  /** Outbox records inserted when (and only when) the resource is. */
  audit: readonly AuditRecord[];
}

/**
 * The one statement of a create: a data-modifying CTE per table (resource, resource_version,
 * each index table, audit_outbox), all hanging off the resource insert `r`, which inserts only
 * when the condition holds. So a refused create inserts nothing anywhere, and the answer says
 * which: a row with the new rid, or a NULL rid. Its text depends only on the condition's shape,
 * which index tables receive rows and whether there is an audit record: a named prepared
 * statement, planned once per connection and shape.
 * https://www.postgresql.org/docs/current/queries-with.html#QUERIES-WITH-MODIFYING
 */
export function createStatement(row: CreateRow, parts: CreateParts): { name: string; text: string; values: unknown[] } {
  const values: unknown[] = [];
  const bind: Bind = (value, cast) => {
    values.push(value);
    return `$${values.length}${cast ? `::${cast}` : ''}`;
  };
  const [type, id, now, json] = [bind(row.resourceType, 'text'), bind(row.id, 'text'), bind(row.now, 'timestamptz'), bind(row.json, 'text')];
  const owner = bind(row.owner, 'text');
  const access = bind(row.accessPatients, 'text[]');
  const condition = parts.condition ? `WHERE ${parts.condition.sql(bind)}` : '';
  const ctes = [
    `r AS (INSERT INTO resource (resource_type, id, version_id, last_updated, content, owner, access_patients)
      SELECT ${type}, ${id}, 1, ${now}, ${json}, ${owner}, ${access} ${condition} RETURNING rid)`,
    `v AS (INSERT INTO resource_version (resource_type, id, version_id, last_updated, method, content)
      SELECT ${type}, ${id}, 1, ${now}, 'POST', ${json} FROM r)`,
  ];
  const index = parts.index('r', bind);
  ctes.push(...index.ctes);
  if (parts.audit.length) {
    ctes.push(`a AS (INSERT INTO audit_outbox (${AUDIT_COLUMNS})
      SELECT ${AUDIT_COLUMNS} FROM json_populate_recordset(NULL::audit_outbox, ${bind(auditRowsJson(parts.audit), 'json')}) WHERE EXISTS (SELECT 1 FROM r))`);
  }
  const name = `kolibri-create1-${parts.condition?.shape ?? 'any'}-${index.shape}${parts.audit.length ? '-a' : ''}`;
  return { name, text: `WITH ${ctes.join(',\n  ')}\nSELECT (SELECT rid FROM r) AS rid`, values };
}
