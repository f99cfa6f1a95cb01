import { escapeLike } from '../normalize';
import { existsRow, unescapeValue, type ParamHandler } from './types';

/**
 * uri: exact match; `:below` = the stored uri is the value or lies under it, `:above` = the value
 * is the stored uri or lies under it. "Under" is by whole path segments of a URL
 * (`http://acme.org/fhir/ValueSet/123` is under `http://acme.org/fhir`, not under
 * `http://acme.org/fh`); the C-collated index serves the `:below` prefix. URNs and other URIs
 * without a `scheme://` authority have no hierarchy, so on them both modifiers match exactly
 * (`url:below=urn` does not find `urn:oid:…`).
 * https://hl7.org/fhir/R4/search.html#uri
 */
export interface UriValue {
  uri: string;
}

export const uriParam: ParamHandler<UriValue> = {
  table: 'search_uri',
  modifiers: ['below', 'above'],
  parseValue(text) {
    const uri = unescapeValue(text);
    return uri.length === 0 ? { error: 'empty uri value' } : { uri };
  },
  toSql(values, modifier, ctx) {
    return existsRow(this.table, ctx, (x) =>
      values
        .map((v) => {
          const exact = `${x}.value = ${ctx.bind(v.uri)}`;
          if ((modifier !== 'below' && modifier !== 'above') || !isHierarchical(v.uri)) return exact;
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

/** A URL with an authority (`scheme://…`), not a URN. */
function isHierarchical(uri: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(uri) && !/^urn:/i.test(uri);
}

function withSlash(uri: string): string {
  return uri.endsWith('/') ? uri : `${uri}/`;
}
