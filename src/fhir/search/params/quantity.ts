import { numberCondition, parseNumber, type NumberValue } from './number';
import { existsRow, splitEscaped, unescapeValue, type ParamHandler } from './types';

/**
 * quantity: `[prefix]number|system|code`, `[prefix]number||code` (code or unit text) or a bare
 * number (any unit). Number semantics as in ./number.ts. Units are compared as written: no UCUM
 * conversion (a search in `g` does not find values stored in `kg`).
 * https://hl7.org/fhir/R4/search.html#quantity
 */
export interface QuantityValue {
  number: NumberValue;
  system?: string;
  code?: string;
}

export const quantityParam: ParamHandler<QuantityValue> = {
  table: 'search_quantity',
  modifiers: [],
  parseValue(text) {
    const parts = splitEscaped(text, '|').map(unescapeValue);
    if (parts.length !== 1 && parts.length !== 3) return { error: `quantity '${text}' must be number or number|system|code` };
    const number = parseNumber(parts[0]);
    if ('error' in number) return number;
    return { number, system: parts[1] || undefined, code: parts[2] || undefined };
  },
  toSql(values, _modifier, ctx) {
    return existsRow(this.table, ctx, (x) => values.map((v) => this.rowCondition(v, x, ctx)).join(' OR '));
  },
  rowCondition(v, x, ctx) {
    const conditions = [numberCondition(v.number, x, ctx)];
    if (v.system) conditions.push(`${x}.system = ${ctx.bind(v.system)}`);
    if (v.code) {
      const code = ctx.bind(v.code);
      conditions.push(v.system ? `${x}.code = ${code}` : `(${x}.code = ${code} OR ${x}.unit = ${code})`);
    }
    return `(${conditions.join(' AND ')})`;
  },
  sort: { asc: (x) => `min(${x}.low)`, desc: (x) => `max(${x}.high)`, cast: 'numeric' },
};
