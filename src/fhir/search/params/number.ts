import { parseDecimalRange, type DecimalRange } from '../decimal-range';
import { existsRow, takePrefix, unescapeValue, type ParamHandler, type Prefix, type SqlContext } from './types';

/**
 * number: prefix + decimal. `eq`/`ne` use the value's implicit precision (`100` is
 * [99.5, 100.5)); the other prefixes compare with the exact value, as the spec's examples do
 * ("lt100: values that are less than exactly 100"). Indexed values are closed ranges
 * [low, high] (low = high for a single value, Range gives both; an open end is ±Infinity).
 * `ap` is ±10 % of the value. https://hl7.org/fhir/R4/search.html#number
 */
export interface NumberValue {
  prefix: Prefix;
  range: DecimalRange;
}

export const numberParam: ParamHandler<NumberValue> = {
  table: 'search_number',
  modifiers: [],
  parseValue(text) {
    return parseNumber(unescapeValue(text));
  },
  toSql(values, _modifier, ctx) {
    return existsRow(this.table, ctx, (x) => values.map((v) => this.rowCondition(v, x, ctx)).join(' OR '));
  },
  rowCondition(v, x, ctx) {
    return numberCondition(v, x, ctx);
  },
  sort: { asc: (x) => `min(${x}.low)`, desc: (x) => `max(${x}.high)`, cast: 'numeric' },
};

export function parseNumber(text: string): NumberValue | { error: string } {
  const p = takePrefix(text);
  if ('error' in p) return p;
  const range = parseDecimalRange(p.rest);
  return range ? { prefix: p.prefix, range } : { error: `'${p.rest}' is not a number` };
}

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
