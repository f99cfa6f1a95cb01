import type { Resource } from '@medplum/fhirtypes';
import { ownOrganization } from '../auth/access-policy';
import { FhirError } from '../fhir/outcome';
import type { StoredVersion } from '../store/versions';
import type { InteractionDeps } from './types';
import { createReach, outsideCare } from './write-access';
import { hooksWatch } from './write-hooks';

/**
 * A plain create as one statement in autocommit (store.createAlone), when nothing about it needs
 * a transaction: no write hook watches creates of its type, and its write rules come down to
 * "the caller reaches every patient of its compartment" (createReach), which the statement
 * checks in its own snapshot before it inserts. A refusal answers authorizeWrite's 403 and has
 * written nothing (no row in any table, no audit record). Undefined when the create must take
 * the transaction path (a grant type, a resource in no compartment, a watched type …).
 */
export async function createAlone(deps: InteractionDeps, resource: Resource): Promise<StoredVersion | undefined> {
  const type = resource.resourceType;
  if (!deps.store.createsAlone || hooksWatch(deps, { action: 'create', resourceType: type, resource })) return undefined;
  const { access } = deps;
  const reach = createReach(access, type, resource);
  if (!reach) return undefined;
  // the request's audit record, written by the same statement, names the patients it writes for
  const { touched } = deps.trail;
  const added = reach.patients.filter((p) => !touched.has(p));
  for (const p of added) touched.add(p);
  const forget = () => added.forEach((p) => touched.delete(p));
  let version: StoredVersion | undefined;
  try {
    version = await deps.store.createAlone(resource, {
      owner: ownOrganization(access.policy),
      condition: reach.check ? access.deps.reachesAll(access.policy, reach.patients) : undefined,
    });
  } catch (err) {
    forget();
    // Nothing was written. A failure the store could not name (a 500: one of the statement's
    // inserts failed) is left to the transaction path, whose separate statements say which
    // part failed: an audit record that cannot be written answers 503 there, as it always has.
    if (err instanceof FhirError) throw err;
    return undefined;
  }
  if (version) return version;
  forget();
  throw outsideCare(type);
}
