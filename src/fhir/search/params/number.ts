import { parseDecimalRange, type DecimalRange } from '../decimal-range';
import { takePrefix, unescapeValue, type ParamHandler, type Prefix } from './types';

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
  modifiers: [],
  parseValue(text) {
    return parseNumber(unescapeValue(text));
  },
};

export function parseNumber(text: string): NumberValue | { error: string } {
  const p = takePrefix(text);
  if ('error' in p) return p;
  const range = parseDecimalRange(p.rest);
  return range ? { prefix: p.prefix, range } : { error: `'${p.rest}' is not a number` };
}
