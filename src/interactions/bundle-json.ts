/**
 * Bundles are assembled as text: stored resources are already exact JSON, so a page of 1,000
 * entries costs string concatenation rather than parse + stringify of every resource.
 */
export interface BundleEntryText {
  /** Entry fields other than `resource` (fullUrl, search, request, response). */
  fields: Record<string, unknown>;
  /** The entry's resource as JSON text, if any. */
  resourceJson?: string | null;
}

/**
 * Serialize a Bundle whose `entry` array is given as text-ready entries. No entries, no `entry`:
 * FHIR JSON has no empty arrays (https://hl7.org/fhir/R4/json.html#arrays).
 */
export function bundleJson(shell: Record<string, unknown>, entries: readonly BundleEntryText[]): string {
  const head = JSON.stringify({ resourceType: 'Bundle', ...shell });
  if (entries.length === 0) return head;
  const parts = entries.map(({ fields, resourceJson }) => {
    const { fullUrl, ...rest } = fields;
    let text = fullUrl === undefined ? '{' : `{"fullUrl":${JSON.stringify(fullUrl)}`;
    if (resourceJson) text += `${text.length > 1 ? ',' : ''}"resource":${resourceJson}`;
    const tail = JSON.stringify(rest);
    if (tail !== '{}') text += `${text.length > 1 ? ',' : ''}${tail.slice(1, -1)}`;
    return `${text}}`;
  });
  return `${head.slice(0, -1)},"entry":[${parts.join(',')}]}`;
}
