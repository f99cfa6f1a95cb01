import { MAX_FRACTION_DIGITS, parseDateRange, type DateRange } from '../date-range';
import { existsRow, takePrefix, unescapeValue, type ParamHandler, type Prefix, type SqlContext } from './types';

/**
 * date: prefix + date at any precision; the value is the range [low, high) of its precision and
 * so is every indexed value (date, dateTime, instant, Period, Timing). Prefix semantics are the
 * spec's range rules (https://hl7.org/fhir/R4/search.html#prefix):
 *   eq  the search range fully contains the target range
 *   ne  it does not
 *   gt  the range above the search value overlaps the target  (target.high > search.high)
 *   lt  the range below the search value overlaps the target  (target.low  < search.low)
 *   ge  gt or eq;  le  lt or eq
 *   sa  the target starts after the search range ends         (target.low  >= search.high)
 *   eb  the target ends before the search range starts        (target.high <= search.low)
 *   ap  the ranges overlap once the search range is widened by 10 % of its distance from now
 *       (at least a day), as the spec suggests
 * A resource matches when ANY of its values does (so `ne` finds resources with some value
 * outside the range).
 */
export interface DateValue {
  prefix: Prefix;
  range: DateRange;
  /** `ap` only: the widened range */
  approx?: DateRange;
}

const DAY = 86_400_000;

export const dateParam: ParamHandler<DateValue> = {
  table: 'search_date',
  modifiers: [],
  parseValue(text, _modifier, ctx) {
    const p = takePrefix(text);
    if ('error' in p) return p;
    const raw = unescapeValue(p.rest);
    const range = parseDateRange(raw);
    if (!range) {
      const fraction = /\.(\d+)/.exec(raw)?.[1];
      if (fraction && fraction.length > MAX_FRACTION_DIGITS) return { error: `'${raw}' has more than ${MAX_FRACTION_DIGITS} fractional digits of a second` };
      return { error: `'${raw}' is not a valid date` };
    }
    if (p.prefix !== 'ap') return { prefix: p.prefix, range };
    const low = Date.parse(range.low);
    const high = Date.parse(range.high);
    const now = ctx.now.getTime();
    const margin = Math.max(DAY, Math.abs(now - (low + high) / 2) * 0.1);
    return { prefix: 'ap', range, approx: { low: new Date(low - margin).toISOString(), high: new Date(high + margin).toISOString() } };
  },
  toSql(values, _modifier, ctx) {
    return existsRow(this.table, ctx, (x) => values.map((v) => this.rowCondition(v, x, ctx)).join(' OR '));
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
