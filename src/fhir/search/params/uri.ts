import { escapeLike } from '../normalize';
import { existsRow, unescapeValue, type ParamHandler } from './types';

/**
 * uri: exact match; `:below` = the stored uri starts with the value (C-collated index serves the
 * prefix); `:above` = the value starts with the stored uri.
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
          if (modifier === 'below') return `${x}.value LIKE ${ctx.bind(`${escapeLike(v.uri)}%`)}`;
          if (modifier === 'above') return `starts_with(${ctx.bind(v.uri, 'text')}, ${x}.value)`;
          return `${x}.value = ${ctx.bind(v.uri)}`;
        })
        .join(' OR '),
    );
  },
  rowCondition(value, x, ctx) {
    return `${x}.value = ${ctx.bind(value.uri)}`;
  },
  sort: { asc: (x) => `min(${x}.value)`, desc: (x) => `max(${x}.value)`, cast: 'text' },
};
