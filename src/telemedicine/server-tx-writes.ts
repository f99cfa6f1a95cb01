import type { Resource } from '@medplum/fhirtypes';
import { checkResourceBody } from '../interactions/resource-input';
import type { InteractionDeps } from '../interactions/types';
import type { StoreTransaction } from '../store/resources';

/** The current version of a resource, locked for the rest of the transaction; undefined when unknown or deleted. */
export async function lockedCurrent<T extends Resource>(tx: StoreTransaction, type: string, id: string): Promise<T | undefined> {
  await tx.lock(type, id);
  const stored = await tx.read(type, id);
  return stored && !stored.deleted ? (JSON.parse(stored.json as string) as T) : undefined;
}

/** A server's write inside a hook's transaction, validated like any write of that type; an update when the resource has an id. */
export async function writeInTx(tx: StoreTransaction, deps: InteractionDeps, resource: Resource): Promise<void> {
  checkResourceBody(deps, resource.resourceType, resource);
  if (resource.id === undefined) await tx.create(resource);
  else await tx.update(resource, { allowCreate: false });
}
