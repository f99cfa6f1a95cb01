import type { DateValue } from '../../../fhir/search/params/date';
import type { SqlContext } from '../sql-builder';
import { anyRow, type ConditionSql } from './condition-sql';

/**
 * date against `search_date` rows, ranges [low, high) like the search value's (see
 * ../../../fhir/search/params/date.ts for the prefix rules). A resource matches when ANY of its
 * values does (so `ne` finds resources with some value outside the range).
 * https://hl7.org/fhir/R4/search.html#prefix
 */
export const dateSql: ConditionSql<DateValue> = {
  table: 'search_date',
  toSql(values, _modifier, ctx) {
    return anyRow(this, values, ctx);
  },
  rowCondition(v, x, ctx) {
    return dateCondition(v, `${x}.low`, `${x}.high`, ctx);
  },
  sort: { asc: (x) => `min(${x}.low)`, desc: (x) => `max(${x}.high)`, cast: 'timestamptz' },
};

/** The prefix condition for a target range given as SQL expressions (half-open [low, high)). */
export function dateCondition(v: DateValue, low: string, high: string, ctx: SqlContext): string {
  const { range } = v;
  const vsLow = (column: string, op: Comparison): string => compare(column, op, range.low, range.lowInexact, ctx);
  const vsHigh = (column: string, op: Comparison): string => compare(column, op, range.high, range.highInexact, ctx);
  const eq = (): string => `(${vsLow(low, '>=')} AND ${vsHigh(high, '<=')})`;
  switch (v.prefix) {
    case 'eq':
      return eq();
    case 'ne':
      return `NOT ${eq()}`;
    case 'gt':
      return vsHigh(high, '>');
    case 'lt':
      return vsLow(low, '<');
    case 'ge':
      return `(${vsHigh(high, '>')} OR ${eq()})`;
    case 'le':
      return `(${vsLow(low, '<')} OR ${eq()})`;
    case 'sa':
      return vsHigh(low, '>=');
    case 'eb':
      return vsLow(high, '<=');
    case 'ap': {
      const a = v.approx ?? v.range;
      return `(${low} < ${ctx.bind(a.high, 'timestamptz')} AND ${high} > ${ctx.bind(a.low, 'timestamptz')})`;
    }
  }
}

/**
 * `_lastUpdated` against `resource.last_updated`, an instant: a point, so the range rules
 * reduce to comparisons that the (resource_type, last_updated) index serves.
 */
export function instantCondition(v: DateValue, column: string, ctx: SqlContext): string {
  const { range } = v;
  const vsLow = (op: Comparison): string => compare(column, op, range.low, range.lowInexact, ctx);
  const vsHigh = (op: Comparison): string => compare(column, op, range.high, range.highInexact, ctx);
  switch (v.prefix) {
    case 'eq':
      return `(${vsLow('>=')} AND ${vsHigh('<')})`;
    case 'ne':
      return `(${vsLow('<')} OR ${vsHigh('>=')})`;
    case 'gt':
    case 'sa':
      return vsHigh('>=');
    case 'lt':
    case 'eb':
      return vsLow('<');
    case 'ge':
      return vsLow('>=');
    case 'le':
      return vsHigh('<');
    case 'ap': {
      const a = v.approx ?? v.range;
      return `(${column} >= ${ctx.bind(a.low, 'timestamptz')} AND ${column} < ${ctx.bind(a.high, 'timestamptz')})`;
    }
  }
}

type Comparison = '<' | '<=' | '>' | '>=';

/**
 * `column op bound` for a microsecond-precision column. An inexact bound (see DateRange) lies
 * strictly between `bound` and the next microsecond, where no stored value can be: above it is
 * above `bound`, below it is at or below `bound`. So `…59.9999999` is compared at its own
 * precision instead of being rounded to a neighbour that changes the answer at the boundary.
 */
function compare(column: string, op: Comparison, bound: string, inexact: boolean | undefined, ctx: SqlContext): string {
  const b = ctx.bind(bound, 'timestamptz');
  if (!inexact) return `${column} ${op} ${b}`;
  return op === '>' || op === '>=' ? `${column} > ${b}` : `${column} <= ${b}`;
}
