import type { IncludeSpec, SearchRequest } from '../../fhir/search/ast';
import { SqlBuilder, type AccessFilter, type SqlQuery } from './sql-builder';

/**
 * `_include` / `_revinclude` (https://hl7.org/fhir/R4/search.html#include): one statement per
 * spec, whose `$1` is the bigint[] of rids to include from (the page, or for `:iterate` the rows
 * the previous round added). Rows are capped at {@link MAX_INCLUDE_ROWS} + 1 so the store can
 * tell when it had to stop and say so in an OperationOutcome instead of running unbounded
 * (e.g. `_revinclude=*` over a popular Patient).
 */

export const MAX_INCLUDE_ROWS = 1000;
/** Rounds of `:iterate` after the first. */
export const MAX_ITERATE_DEPTH = 3;

export interface IncludeQuery {
  spec: IncludeSpec;
  reverse: boolean;
  /** `$1` is left undefined: the store sets it to the rids to include from. */
  query: SqlQuery;
}

const COLUMNS = 't.rid, t.resource_type, t.id, t.content';

export function compileIncludes(request: SearchRequest, access?: AccessFilter): IncludeQuery[] {
  return [
    ...request.include.map((spec) => ({ spec, reverse: false, query: includeQuery(spec, access) })),
    ...request.revinclude.map((spec) => ({ spec, reverse: true, query: revincludeQuery(spec, access) })),
  ];
}

/** Resources the rows in $1 refer to through the spec's parameters. */
function includeQuery(spec: IncludeSpec, access?: AccessFilter): SqlQuery {
  const b = new SqlBuilder(1);
  const where = ['x.rid = ANY($1::bigint[])', `x.param = ANY(${b.bind(spec.keys, 'integer[]')})`];
  if (spec.targetType) where.push(`x.target_type = ${b.bind(spec.targetType)}`);
  return finish(b, `SELECT t2.rid FROM search_reference x JOIN resource t2 ON t2.resource_type = x.target_type AND t2.id = x.target_id WHERE ${where.join(' AND ')}`, access);
}

/** Resources that refer to the rows in $1 through the spec's parameters. */
function revincludeQuery(spec: IncludeSpec, access?: AccessFilter): SqlQuery {
  const b = new SqlBuilder(1);
  const where = ['m.rid = ANY($1::bigint[])', `x.param = ANY(${b.bind(spec.keys, 'integer[]')})`];
  if (spec.targetType) where.push(`m.resource_type = ${b.bind(spec.targetType)}`);
  return finish(b, `SELECT x.rid FROM resource m JOIN search_reference x ON x.target_type = m.resource_type AND x.target_id = m.id WHERE ${where.join(' AND ')}`, access);
}

function finish(b: SqlBuilder, rids: string, access?: AccessFilter): SqlQuery {
  const filters = [`t.rid IN (${rids})`, 'NOT t.deleted'];
  if (access) filters.push(`(${access('t', b.bind)})`);
  return b.query(`SELECT ${COLUMNS} FROM resource t WHERE ${filters.join(' AND ')} LIMIT ${MAX_INCLUDE_ROWS + 1}`);
}
