import { unescapeValue, type ParamHandler } from './types';

/**
 * uri: exact match; `:below` = the stored uri is the value or lies under it, `:above` = the value
 * is the stored uri or lies under it. "Under" is by whole path segments of a URL
 * (`http://acme.org/fhir/ValueSet/123` is under `http://acme.org/fhir`, not under
 * `http://acme.org/fh`). URNs and other URIs without a `scheme://` authority have no hierarchy,
 * so on them both modifiers match exactly (`url:below=urn` does not find `urn:oid:…`).
 * https://hl7.org/fhir/R4/search.html#uri
 */
export interface UriValue {
  uri: string;
  /** A URL with an authority (`scheme://…`), not a URN: `:below` and `:above` follow its path. */
  hierarchical: boolean;
}

export const uriParam: ParamHandler<UriValue> = {
  modifiers: ['below', 'above'],
  parseValue(text) {
    const uri = unescapeValue(text);
    return uri.length === 0 ? { error: 'empty uri value' } : { uri, hierarchical: isHierarchical(uri) };
  },
};

function isHierarchical(uri: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(uri) && !/^urn:/i.test(uri);
}
