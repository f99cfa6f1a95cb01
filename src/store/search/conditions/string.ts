import { MAX_NORM_LENGTH } from '../../../fhir/search/normalize';
import type { StringValue } from '../../../fhir/search/params/string';
import type { SqlContext } from '../sql-builder';
import { existsRow, type ConditionSql } from './condition-sql';

/**
 * string against `search_string` rows: starts-with on the folded form by default, `:exact` on
 * the original text, `:contains` anywhere in the folded form
 * (https://hl7.org/fhir/R4/search.html#string). Prefix patterns are served by the C-collated
 * (param, norm) index.
 */
export const stringSql: ConditionSql<StringValue> = {
  table: 'search_string',
  toSql(values, modifier, ctx) {
    return existsRow(this.table, ctx, (x) => values.map((v) => stringCondition(v, modifier, x, ctx)).join(' OR '));
  },
  rowCondition(value, x, ctx) {
    return stringCondition(value, undefined, x, ctx);
  },
  sort: { asc: (x) => `min(${x}.norm)`, desc: (x) => `max(${x}.norm)`, cast: 'text' },
};

/**
 * Condition on a search_string row (also used for token `:text`). `norm` holds the folded value
 * cut to MAX_NORM_LENGTH, `norm_full` the whole folded value when it was cut: a search value
 * that reaches past the cut is decided on `norm_full`, so a long value neither misses its row nor
 * matches another that merely shares the first MAX_NORM_LENGTH characters.
 */
export function stringCondition(v: StringValue, modifier: string | undefined, x: string, ctx: Pick<SqlContext, 'bind'>): string {
  const { folded } = v;
  const cut = folded.slice(0, MAX_NORM_LENGTH);
  if (modifier === 'exact') return `(${x}.norm = ${ctx.bind(cut)} AND ${x}.value = ${ctx.bind(v.text)})`;
  if (modifier === 'contains') return `coalesce(${x}.norm_full, ${x}.norm) LIKE ${ctx.bind(`%${escapeLike(folded)}%`)}`;
  // the prefix on `norm` is served by the (param, norm) index
  const prefix = `${x}.norm LIKE ${ctx.bind(`${escapeLike(cut)}%`)}`;
  if (folded.length <= MAX_NORM_LENGTH) return prefix;
  return `(${prefix} AND ${x}.norm_full LIKE ${ctx.bind(`${escapeLike(folded)}%`)})`;
}

/** Escape `%`, `_` and `\` so a user's value is literal inside a LIKE pattern. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
