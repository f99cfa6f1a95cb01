import { Facet } from '../../../fhir/search/param-key';
import type { ReferenceValue } from '../../../fhir/search/params/reference';
import type { SqlContext } from '../sql-builder';
import { anyRow, existsRow, type ConditionSql } from './condition-sql';
import { tokenSql } from './token';

/**
 * reference against `search_reference` rows: a local target by id (and type, when known), any
 * other URL or canonical by `url`; `:identifier` is a token on the identifier rows of its facet.
 * Chains and `_has` join through these rows in ../criteria-sql.ts.
 * https://hl7.org/fhir/R4/search.html#reference
 */
export const referenceSql: ConditionSql<ReferenceValue> = {
  table: 'search_reference',
  toSql(values, modifier, ctx) {
    if (modifier === 'identifier') {
      return existsRow(tokenSql.table, ctx, (x) => values.map((v) => identifierCondition(v, x, ctx)).join(' OR '), Facet.identifier);
    }
    return anyRow(this, values, ctx);
  },
  rowCondition(v, x, ctx) {
    if (v.kind === 'url') return `${x}.url = ${ctx.bind(v.url)}`;
    if (v.kind !== 'local') return 'false';
    const id = `${x}.target_id = ${ctx.bind(v.id)}`;
    return v.targetType ? `(${id} AND ${x}.target_type = ${ctx.bind(v.targetType)})` : id;
  },
  sort: { asc: (x) => `min(${x}.target_type || '/' || ${x}.target_id)`, desc: (x) => `max(${x}.target_type || '/' || ${x}.target_id)`, cast: 'text' },
};

function identifierCondition(v: ReferenceValue, x: string, ctx: SqlContext): string {
  return v.kind === 'identifier' ? tokenSql.rowCondition(v.token, x, ctx) : 'false';
}
