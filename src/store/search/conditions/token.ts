import { Facet } from '../../../fhir/search/param-key';
import type { TokenValue } from '../../../fhir/search/params/token';
import type { Expansion } from '../../../fhir/search/params/value-set';
import type { SqlContext } from '../sql-builder';
import { anyRow, existsRow, type ConditionSql } from './condition-sql';
import { stringCondition, stringSql } from './string';

/**
 * token against `search_token` rows (`system`, `value`), case-sensitive; `:not` and `:not-in`
 * are the negated match (so resources without a value match too), `:text` a string prefix on
 * the parameter's text rows, `:of-type` the identifier rows of its facet, `:in` the codes of a
 * ValueSet expanded at parse time. https://hl7.org/fhir/R4/search.html#token
 */
export const tokenSql: ConditionSql<TokenValue> = {
  table: 'search_token',
  toSql(values, modifier, ctx) {
    if (modifier === 'text') {
      return existsRow(stringSql.table, ctx, (x) => values.map((v) => textCondition(v, x, ctx)).join(' OR '), Facet.text);
    }
    if (modifier === 'of-type') {
      return existsRow(this.table, ctx, (x) => values.map((v) => ofTypeCondition(v, x, ctx)).join(' OR '), Facet.ofType);
    }
    const positive = anyRow(this, values, ctx);
    return modifier === 'not' || modifier === 'not-in' ? `NOT ${positive}` : positive;
  },
  rowCondition(v, x, ctx) {
    if (v.kind === 'in') return inCondition(v.expansion, x, ctx);
    if (v.kind !== 'code') return 'false';
    const conditions: string[] = [];
    if (v.code !== undefined) conditions.push(`${x}.value = ${ctx.bind(v.code)}`);
    if (v.system === null) conditions.push(`${x}.system IS NULL`);
    // a `code` element is indexed without its (implied) system: `http://hl7.org/fhir/document-relationship-type|replaces` finds relatesTo.code `replaces`
    else if (v.system !== undefined && v.implied) conditions.push(`(${x}.system = ${ctx.bind(v.system)} OR ${x}.system IS NULL)`);
    else if (v.system !== undefined) conditions.push(`${x}.system = ${ctx.bind(v.system)}`);
    return conditions.join(' AND ');
  },
  sort: { asc: (x) => `min(${x}.value)`, desc: (x) => `max(${x}.value)`, cast: 'text' },
};

function textCondition(v: TokenValue, x: string, ctx: SqlContext): string {
  return v.kind === 'text' ? stringCondition(v, undefined, x, ctx) : 'false';
}

function ofTypeCondition(v: TokenValue, x: string, ctx: SqlContext): string {
  if (v.kind !== 'of-type') return 'false';
  return `(${x}.system = ${ctx.bind(v.typeSystem)} AND ${x}.value = ${ctx.bind(`${v.typeCode}|${v.value}`)})`;
}

function inCondition(e: Expansion, x: string, ctx: SqlContext): string {
  const parts: string[] = [];
  if (e.codes.length) {
    const systems = ctx.bind(e.codes.map((c) => c.system), 'text[]');
    const codes = ctx.bind(e.codes.map((c) => c.code), 'text[]');
    parts.push(`(${x}.system, ${x}.value) IN (SELECT * FROM unnest(${systems}, ${codes}))`);
  }
  if (e.systems.length) parts.push(`${x}.system = ANY(${ctx.bind(e.systems, 'text[]')})`);
  return parts.length ? `(${parts.join(' OR ')})` : 'false';
}
