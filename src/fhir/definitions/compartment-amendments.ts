import type { CompartmentDefinition } from '@medplum/fhirtypes';

/**
 * Where Kolibri's Patient compartment differs from R4's CompartmentDefinition/patient:
 * R4 lists Task with no parameter (no Task is in any patient's compartment), but a Task here is
 * always about one citizen (triage follow-up, missing measurements, unread messages) and access to
 * it must follow that citizen as access to the measurement it is about does. Task joins the
 * compartment through `patient` (Task.for) and `focus`, so `Patient/{id}/Task`, `$everything` and
 * the access rules treat it like the patient's other records.
 */
const AMENDMENTS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  Patient: { Task: ['patient', 'focus'] },
};

/** A copy of `cd` with the amendments for its compartment applied. */
export function amendCompartment(cd: CompartmentDefinition): CompartmentDefinition {
  const amendments = cd.code ? AMENDMENTS[cd.code] : undefined;
  if (!amendments) return cd;
  const resource = (cd.resource ?? []).map((r) => (amendments[r.code as string] ? { ...r, param: [...amendments[r.code as string]] } : r));
  for (const [code, param] of Object.entries(amendments)) if (!resource.some((r) => r.code === code)) resource.push({ code, param: [...param] } as (typeof resource)[number]);
  return { ...cd, resource };
}
