import type { Resource, ValueSet } from '@medplum/fhirtypes';

/**
 * The extension a ValueSet carries to add its codes to another ValueSet
 * (fhir-profiles/extension-included-in.json). Patient groups use it: each group folder ships its
 * diagnosis and measurement ValueSets naming Kolibri's `diagnoses` and `measurement-codes`, so the
 * required bindings to those accept the codes of every group installed, and a new group needs no
 * edit of a shared file.
 */
export const INCLUDED_IN_EXTENSION = 'https://kolibri.dk/fhir/StructureDefinition/ext-included-in';

/**
 * The definitions with each ValueSet that others name in ext-included-in given one more
 * `compose.include` per such ValueSet (`include.valueSet`, which R4 unions across includes:
 * https://hl7.org/fhir/R4/valueset.html#compositions), in the order the parts were read. Pure:
 * changed ValueSets are copies, everything else is passed through. A part naming a ValueSet that
 * is not among the definitions adds nothing.
 */
export function composeIncludedIn<T extends Resource>(resources: readonly T[]): T[] {
  const parts = new Map<string, string[]>();
  for (const r of resources) {
    if (r.resourceType !== 'ValueSet' || !(r as ValueSet).url) continue;
    for (const e of (r as ValueSet).extension ?? []) {
      if (e.url !== INCLUDED_IN_EXTENSION || !e.valueCanonical) continue;
      const target = e.valueCanonical.split('|')[0];
      parts.set(target, [...(parts.get(target) ?? []), (r as ValueSet).url as string]);
    }
  }
  if (parts.size === 0) return [...resources];
  return resources.map((r) => {
    const added = r.resourceType === 'ValueSet' ? parts.get((r as ValueSet).url ?? '') : undefined;
    if (!added) return r;
    const vs = r as ValueSet;
    const include = [...(vs.compose?.include ?? []), ...added.map((url) => ({ valueSet: [url] }))];
    return { ...vs, compose: { ...vs.compose, include } } as T;
  });
}
