import { canonicalUnit, scaleDecimal, UCUM_SYSTEM } from '../ucum';
import { parseNumber, type NumberValue } from './number';
import { splitEscaped, unescapeValue, type ParamHandler } from './types';

/**
 * quantity: `[prefix]number|system|code`, `[prefix]number||code` (code or unit text),
 * `[prefix]number|system` (any unit of that system) or a bare number (any unit). Number
 * semantics as in ./number.ts. A UCUM value (`5.4|http://unitsofmeasure.org|kg`) is compared in
 * canonical units (../ucum.ts), so it finds `5400 g`; rows without a canonical form (special
 * units such as `Cel`, rows indexed before canonical forms existed) compare as written.
 * https://hl7.org/fhir/R4/search.html#quantity
 */
export interface QuantityValue {
  number: NumberValue;
  system?: string;
  code?: string;
  /** UCUM with a convertible code: the number in canonical units */
  canonical?: { code: string; number: NumberValue };
}

export const quantityParam: ParamHandler<QuantityValue> = {
  modifiers: [],
  parseValue(text) {
    const parts = splitEscaped(text, '|').map(unescapeValue);
    // number, number|system (any code of the system), number|system|code, number||code
    if (parts.length > 3) return { error: `quantity '${text}' must be number, number|system or number|system|code` };
    const number = parseNumber(parts[0]);
    if ('error' in number) return number;
    const value: QuantityValue = { number, system: parts[1] || undefined, code: parts[2] || undefined };
    const unit = value.system === UCUM_SYSTEM && value.code ? canonicalUnit(value.code) : undefined;
    if (unit) value.canonical = { code: unit.code, number: scaled(number, unit.factor) };
    return value;
  },
};

/** A search number in canonical units: its value and implicit-precision range, each scaled. */
function scaled(n: NumberValue, factor: string): NumberValue {
  const { value, low, high } = n.range;
  return { prefix: n.prefix, range: { value: scaleDecimal(value, factor), low: scaleDecimal(low, factor), high: scaleDecimal(high, factor) } };
}
