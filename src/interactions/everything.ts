// https://hl7.org/fhir/R4/patient-operation-everything.html
import { badRequest, gone, notFound } from '../fhir/outcome';
import { ensureVersionVisible } from './read';
import { checkId } from './resource-input';
import { search } from './search';
import type { InteractionDeps, InteractionResult } from './types';

const PASSED_ON = new Set(['_count', '_page', '_lastUpdated']);

/**
 * `Patient/{id}/$everything`: the patient and everything in its compartment (R4 Patient
 * CompartmentDefinition), as a paged `searchset` — a compartment search over every type the
 * token may read, with what those reference (`_include=*`: practitioners, organizations,
 * medications, locations; under the same access rules, as `include` entries of each page).
 * `_type` narrows the types, `_since` keeps what changed since an instant, `_count` sets the
 * page size; follow `next` for the rest. 404 when the patient is not visible.
 */
export async function everything(deps: InteractionDeps, id: string, params: Array<[string, string]>): Promise<InteractionResult> {
  checkId(id);
  deps.access.requireScope('read', 'Patient');
  const patient = await deps.store.read('Patient', id);
  if (!patient) throw notFound(`Patient/${id} is not known`);
  await ensureVersionVisible(deps, patient);
  if (patient.deleted) throw gone(`Patient/${id} was deleted`);
  const compartment = deps.registry.compartmentDefinition('Patient');
  const inCompartment = new Set(['Patient', ...(compartment?.resource ?? []).filter((r) => r.param?.length).map((r) => r.code as string)]);
  const asked = params.filter(([n]) => n === '_type').flatMap(([, v]) => v.split(',').map((t) => t.trim()).filter(Boolean));
  for (const t of asked) if (!inCompartment.has(t)) throw badRequest(`_type: ${t} is not in the Patient compartment`, ['_type']);
  const types = (asked.length ? asked : [...inCompartment]).filter((t) => deps.access.mayUse('read', t) || deps.access.mayUse('search', t));
  if (types.length === 0) throw badRequest('None of the requested types may be read with this token', ['_type']);
  const since = params.find(([n]) => n === '_since')?.[1];
  const searchParams: Array<[string, string]> = [
    ['_type', types.sort().join(',')],
    // "and any resource referenced from those": practitioners, organizations, medications…
    ['_include', '*'],
    ...(since ? [['_lastUpdated', `ge${since}`] as [string, string]] : []),
    ...params.filter(([n]) => PASSED_ON.has(n)),
  ];
  return search(deps, { compartment: { type: 'Patient', id }, linkPath: `Patient/${id}/$everything` }, { params: searchParams, strict: true });
}
