/**
 * The int4 key index rows carry instead of (resource type, parameter code): FNV-1a (32 bit,
 * signed) of `Type.code` or `Type.code:facet`. Stateless, so writers and the compiler agree
 * without a look-up table; the extractor checks for collisions when it is built
 * (see migrations/002_search_index.sql for why the key is an int).
 */
export function paramKey(resourceType: string, code: string, facet = ''): number {
  const text = `${resourceType}.${code}${facet}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

/** Facets: extra row sets derived from one parameter's values. */
export const Facet = {
  /** token :text: Coding.display, CodeableConcept.text, Identifier.type.text as string rows */
  text: ':text',
  /** reference :identifier: Reference.identifier as token rows */
  identifier: ':identifier',
  /** token :of-type: Identifier.type coding + value as token rows (system = type system, value = `code|value`) */
  ofType: ':of-type',
  /** component i of a composite parameter */
  component: (i: number): string => `$${i}`,
} as const;
