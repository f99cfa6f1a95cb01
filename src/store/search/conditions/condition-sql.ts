import type { SqlContext } from '../sql-builder';

/**
 * The SQL of one SearchParameter type: the index table its values are in, and what the parsed
 * values of a criterion (../../../fhir/search/params/<type>.ts) compile to.
 * https://hl7.org/fhir/R4/search.html#ptypes
 */
export interface ConditionSql<V = unknown> {
  /** Index table of this type. */
  readonly table: string;
  /** SQL boolean on `ctx.alias`: the resource has a value matching ANY of `values` (comma = OR). */
  toSql(values: V[], modifier: string | undefined, ctx: SqlContext): string;
  /** Condition on one index row aliased `x` (used inside composites). */
  rowCondition(value: V, x: string, ctx: SqlContext): string;
  /** Aggregates over index rows aliased `x` giving a resource's sort key (ascending, descending), and its SQL type. */
  readonly sort?: { asc: (x: string) => string; desc: (x: string) => string; cast: string };
}

/** `EXISTS (SELECT 1 FROM table x WHERE x.rid = alias.rid AND x.param … AND (cond))`. */
export function existsRow(table: string, ctx: SqlContext, condition: (x: string) => string, facet?: string): string {
  const x = ctx.nextAlias('x');
  return `EXISTS (SELECT 1 FROM ${table} ${x} WHERE ${x}.rid = ${ctx.alias}.rid AND ${x}.param ${ctx.keyIn(facet)} AND (${condition(x)}))`;
}

/** Any row of `table` matching any of `values`: the common shape of the types without modifiers. */
export function anyRow<V>(sql: ConditionSql<V>, values: V[], ctx: SqlContext): string {
  return existsRow(sql.table, ctx, (x) => values.map((v) => sql.rowCondition(v, x, ctx)).join(' OR '));
}
