// https://hl7.org/fhir/R4/http.html#create
import type { Resource } from '@medplum/fhirtypes';
import type { StoredVersion } from '../store/versions';
import { informational } from '../fhir/outcome';
import { checkResourceBody, checkType } from './resource-input';
import type { InteractionDeps, InteractionResult } from './types';
import { versionHeaders, versionLocation } from './version-headers';
import { authorizeCreate, precheckWrite } from './authorize';
import { writeTransaction } from './write-hooks';
import { createAlone } from './create-alone';

/** Every check a create makes before it writes: shared by POST and transaction/batch entries. */
export function prepareCreate(deps: Pick<InteractionDeps, 'registry' | 'validator'>, type: string, body: unknown): Resource {
  checkType(deps, type);
  return checkResourceBody(deps, type, body);
}

/** The 201 answer to a create. */
export function createdResult(deps: Pick<InteractionDeps, 'baseUrl'>, version: StoredVersion): InteractionResult {
  return {
    status: 201,
    body: version.json as string,
    preferable: true,
    headers: { ...versionHeaders(version), location: versionLocation(deps.baseUrl, version) },
  };
}

export async function create(deps: InteractionDeps, type: string, body: unknown): Promise<InteractionResult> {
  const resource = prepareCreate(deps, type, body);
  await precheckWrite(deps, 'create', type, resource);
  // "If an id is provided, the server SHALL ignore it": the store assigns a new one.
  const alone = await createAlone(deps, resource);
  if (alone) return createdResult(deps, alone);
  const version = await writeTransaction(deps, async (tx) => {
    await authorizeCreate(deps, tx, resource);
    return tx.create(resource);
  });
  // A new Patient is its own compartment: known only now that it has an id (for the audit).
  if (type === 'Patient') deps.trail.touched.add(version.id);
  if (type === 'Patient' && !(await deps.access.canSee(JSON.parse(version.json as string) as Resource))) return unreadableCreated(deps, version);
  return createdResult(deps, version);
}

/**
 * A create the caller may not read back (a clinician's new Patient: a clinician reaches patients
 * only through the care model's relationships, and there is none yet). 201 with the Location, and an
 * OperationOutcome saying so instead of the resource, so that the answer promises nothing a
 * later read would refuse.
 */
function unreadableCreated(deps: Pick<InteractionDeps, 'baseUrl' | 'accessDeps'>, version: StoredVersion): InteractionResult {
  const created = createdResult(deps, version);
  return {
    ...created,
    preferable: false,
    body: informational(
      `Created ${version.resourceType}/${version.id}. You can read it ${deps.accessDeps.reachHint ?? 'once a care relationship gives you access to the patient'} (README, "Access control").`,
    ),
  };
}
