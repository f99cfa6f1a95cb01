import type { Resource } from '@medplum/fhirtypes';
import { INHERITED_ACCESS } from '../auth/access-policy';

/** Reads a reference target's current JSON and inherited patients (undefined: missing or deleted). */
export type TargetReader = (resourceType: string, id: string) => Promise<{ json: string; accessPatients?: string[] } | undefined>;

const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9.-]{1,64})$/;

/**
 * The patients a resource in no Patient compartment points into, through the references of
 * INHERITED_ACCESS (a Binary's securityContext, a Provenance's targets, a Device's patient):
 * a Patient reference names its patient, any other local reference gives the patients of the
 * target's compartment (or those the target inherits itself). `unresolved` lists references
 * whose target does not exist (the write rules refuse those as they refuse hidden ones).
 * Absolute and contained references are not followed.
 */
export async function inheritedPatients(
  resource: Resource,
  read: TargetReader,
  compartments: (resource: Resource) => string[],
): Promise<{ patients: string[]; unresolved: string[] }> {
  const paths = INHERITED_ACCESS[resource.resourceType];
  const patients = new Set<string>();
  const unresolved: string[] = [];
  if (!paths) return { patients: [], unresolved };
  for (const path of paths) {
    const value = (resource as unknown as Record<string, unknown>)[path];
    for (const item of Array.isArray(value) ? value : value ? [value] : []) {
      const ref = (item as { reference?: unknown })?.reference;
      const m = typeof ref === 'string' ? RELATIVE.exec(ref) : null;
      if (!m) continue;
      if (m[1] === 'Patient') {
        patients.add(m[2]);
        continue;
      }
      const target = await read(m[1], m[2]);
      if (!target) {
        unresolved.push(ref as string);
        continue;
      }
      const inTarget = compartments(JSON.parse(target.json) as Resource);
      for (const p of inTarget.length ? inTarget : (target.accessPatients ?? [])) patients.add(p);
    }
  }
  return { patients: [...patients], unresolved };
}
