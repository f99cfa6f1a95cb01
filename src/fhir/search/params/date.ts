import { MAX_FRACTION_DIGITS, parseDateRange, type DateRange } from '../date-range';
import { takePrefix, unescapeValue, type ParamHandler, type Prefix } from './types';

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
};
