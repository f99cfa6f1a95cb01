import { canonicalUnit, scaleDecimal, UCUM_SYSTEM } from '../ucum';
import { numberCondition, parseNumber, type NumberValue } from './number';
import { existsRow, splitEscaped, unescapeValue, type ParamHandler, type SqlContext } from './types';

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
  table: 'search_quantity',
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
  toSql(values, _modifier, ctx) {
    return existsRow(this.table, ctx, (x) => values.map((v) => this.rowCondition(v, x, ctx)).join(' OR '));
  },
  rowCondition(v, x, ctx) {
    const asWritten = writtenCondition(v, x, ctx);
    if (!v.canonical) return asWritten;
    const canonical = `(${x}.canonical_code = ${ctx.bind(v.canonical.code)} AND ${numberCondition(v.canonical.number, x, ctx, 'canonical_')})`;
    return `(${canonical} OR (${x}.canonical_code IS NULL AND ${asWritten}))`;
  },
  sort: { asc: (x) => `min(${x}.low)`, desc: (x) => `max(${x}.high)`, cast: 'numeric' },
};

function writtenCondition(v: QuantityValue, x: string, ctx: SqlContext): string {
  const conditions = [numberCondition(v.number, x, ctx)];
  if (v.system) conditions.push(`${x}.system = ${ctx.bind(v.system)}`);
  if (v.code) {
    const code = ctx.bind(v.code);
    conditions.push(v.system ? `${x}.code = ${code}` : `(${x}.code = ${code} OR ${x}.unit = ${code})`);
  }
  return `(${conditions.join(' AND ')})`;
}

/** A search number in canonical units: its value and implicit-precision range, each scaled. */
function scaled(n: NumberValue, factor: string): NumberValue {
  const { value, low, high } = n.range;
  return { prefix: n.prefix, range: { value: scaleDecimal(value, factor), low: scaleDecimal(low, factor), high: scaleDecimal(high, factor) } };
}
