import type { QuantityValue } from '../../../fhir/search/params/quantity';
import type { SqlContext } from '../sql-builder';
import { anyRow, type ConditionSql } from './condition-sql';
import { numberCondition } from './number';

/**
 * quantity against `search_quantity` rows. A value with a canonical UCUM form (parsed by
 * ../../../fhir/search/params/quantity.ts) compares with the rows' canonical columns, so
 * `5.4|http://unitsofmeasure.org|kg` finds `5400 g`; rows without a canonical form (special
 * units such as `Cel`, rows indexed before canonical forms existed) compare as written.
 * https://hl7.org/fhir/R4/search.html#quantity
 */
export const quantitySql: ConditionSql<QuantityValue> = {
  table: 'search_quantity',
  toSql(values, _modifier, ctx) {
    return anyRow(this, values, ctx);
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
