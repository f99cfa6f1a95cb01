import type { NumberValue } from '../../../fhir/search/params/number';
import type { SqlContext } from '../sql-builder';
import { anyRow, type ConditionSql } from './condition-sql';

/**
 * number against `search_number` rows, closed ranges [low, high] (low = high for a single
 * value, Range gives both; an open end is ±Infinity). `eq`/`ne` use the search value's implicit
 * precision, the other prefixes its exact value, `ap` ±10 % of it.
 * https://hl7.org/fhir/R4/search.html#number
 */
export const numberSql: ConditionSql<NumberValue> = {
  table: 'search_number',
  toSql(values, _modifier, ctx) {
    return anyRow(this, values, ctx);
  },
  rowCondition(v, x, ctx) {
    return numberCondition(v, x, ctx);
  },
  sort: { asc: (x) => `min(${x}.low)`, desc: (x) => `max(${x}.high)`, cast: 'numeric' },
};

/**
 * Prefix condition on an index row `x` with numeric `low` and `high` (or, with a column prefix,
 * e.g. `canonical_`, on `canonical_low` and `canonical_high`).
 */
export function numberCondition(v: NumberValue, x: string, ctx: SqlContext, prefix = ''): string {
  const low = `${x}.${prefix}low`;
  const high = `${x}.${prefix}high`;
  const value = (): string => ctx.bind(v.range.value, 'numeric');
  const eq = (): string => `(${low} >= ${ctx.bind(v.range.low, 'numeric')} AND ${high} < ${ctx.bind(v.range.high, 'numeric')})`;
  switch (v.prefix) {
    case 'eq':
      return eq();
    case 'ne':
      return `NOT ${eq()}`;
    case 'gt':
      return `${high} > ${value()}`;
    case 'lt':
      return `${low} < ${value()}`;
    case 'ge':
      return `${high} >= ${value()}`;
    case 'le':
      return `${low} <= ${value()}`;
    case 'sa':
      return `${low} > ${value()}`;
    case 'eb':
      return `${high} < ${value()}`;
    case 'ap': {
      const n = Number(v.range.value);
      const margin = Math.abs(n) * 0.1;
      return `(${low} <= ${ctx.bind(String(n + margin), 'numeric')} AND ${high} >= ${ctx.bind(String(n - margin), 'numeric')})`;
    }
  }
}
