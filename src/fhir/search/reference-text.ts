/**
 * Reading a reference's text the same way when indexing and when searching
 * (https://hl7.org/fhir/R4/references.html#literal, https://hl7.org/fhir/R4/search.html#reference):
 * `Type/id`, `Type/id/_history/n` (version ignored), an absolute URL on our own base (made
 * local), any other absolute URL or URN (kept as a URL), `#id` (contained: not indexed).
 */
export type ParsedReference =
  | { kind: 'local'; targetType: string; targetId: string }
  | { kind: 'url'; url: string }
  | { kind: 'none' };

const LOCAL = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** Parse reference text; `baseUrl` (e.g. `https://kolibri.example/fhir`) makes own absolute URLs local. */
export function parseReferenceText(text: string, baseUrl?: string): ParsedReference {
  if (!text || text.startsWith('#')) return { kind: 'none' };
  const local = LOCAL.exec(text);
  if (local) return { kind: 'local', targetType: local[1], targetId: local[2] };
  if (baseUrl) {
    const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    if (text.startsWith(base)) {
      const rest = LOCAL.exec(text.slice(base.length));
      if (rest) return { kind: 'local', targetType: rest[1], targetId: rest[2] };
    }
  }
  return { kind: 'url', url: text };
}

/** `url|version` → the URL without version (canonical references), else undefined. */
export function withoutVersion(url: string): string | undefined {
  const bar = url.indexOf('|');
  return bar > 0 ? url.slice(0, bar) : undefined;
}
