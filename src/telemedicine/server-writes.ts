import type { Resource } from '@medplum/fhirtypes';
import { checkResourceBody } from '../interactions/resource-input';
import type { InteractionDeps } from '../interactions/types';
import type { StoreTransaction } from '../store/resources';

/**
 * Writes the telemedicine rules make on the server's behalf inside a request's transaction:
 * validated like any write of the type (a failure fails the request), no scope of the caller.
 */
export async function serverWrite(tx: StoreTransaction, deps: Pick<InteractionDeps, 'validator'>, resource: Resource): Promise<void> {
  checkResourceBody(deps, resource.resourceType, resource);
  if (resource.id === undefined) await tx.create(resource);
  else await tx.update(resource, { allowCreate: false });
}

/** The version a change replaced (undefined for a create or when it had no content). */
export async function previousVersion<T extends Resource>(tx: StoreTransaction, type: string, id: string, versionId: number): Promise<T | undefined> {
  if (versionId <= 1) return undefined;
  const before = await tx.vread(type, id, versionId - 1);
  return before?.json ? (JSON.parse(before.json) as T) : undefined;
}
