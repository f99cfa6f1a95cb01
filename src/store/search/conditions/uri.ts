import type { UriValue } from '../../../fhir/search/params/uri';
import { existsRow, type ConditionSql } from './condition-sql';
import { escapeLike } from './string';

/**
 * uri against `search_uri` rows: exact, or with `:below` / `:above` by whole path segments of a
 * URL (../../../fhir/search/params/uri.ts says what a value is under); the C-collated index
 * serves the `:below` prefix. URNs and other URIs without a `scheme://` authority have no
 * hierarchy, so on them both modifiers match exactly.
 * https://hl7.org/fhir/R4/search.html#uri
 */
export const uriSql: ConditionSql<UriValue> = {
  table: 'search_uri',
  toSql(values, modifier, ctx) {
    return existsRow(this.table, ctx, (x) =>
      values
        .map((v) => {
          const exact = `${x}.value = ${ctx.bind(v.uri)}`;
          if ((modifier !== 'below' && modifier !== 'above') || !v.hierarchical) return exact;
          if (modifier === 'below') return `(${exact} OR ${x}.value LIKE ${ctx.bind(`${escapeLike(withSlash(v.uri))}%`)})`;
          // the stored uri, itself a URL, is a leading run of the value's path segments
          const parent = `(CASE WHEN ${x}.value LIKE '%/' THEN ${x}.value ELSE ${x}.value || '/' END)`;
          return `(${exact} OR (${x}.value LIKE '%://%' AND starts_with(${ctx.bind(v.uri, 'text')}, ${parent})))`;
        })
        .join(' OR '),
    );
  },
  rowCondition(value, x, ctx) {
    return `${x}.value = ${ctx.bind(value.uri)}`;
  },
  sort: { asc: (x) => `min(${x}.value)`, desc: (x) => `max(${x}.value)`, cast: 'text' },
};

function withSlash(uri: string): string {
  return uri.endsWith('/') ? uri : `${uri}/`;
}
