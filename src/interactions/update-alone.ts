import { versionConflict, type WriteResult } from '../store/resources';
import { updateGuard } from './authorize';
import type { InteractionDeps } from './types';
import type { PreparedUpdate } from './update';
import { hooksWatch } from './write-hooks';

/**
 * An update of an existing resource as one statement in autocommit (store.updateAlone), when no
 * write hook watches it: the current version is read with which of its patients the caller
 * reaches (one statement), the update's guard decides on it exactly as in a transaction
 * (hidden → as missing, refused → 403, then If-Match → 412), and the write replaces that
 * version only if it is still current (compare and swap under the UPDATE's row lock), with its
 * history, index rows and audit record. Undefined when the update needs the transaction path:
 * nothing current (update-as-create, re-creating a deleted resource), a watched write, or a
 * version that moved on in between (then the transaction decides again, under its row lock).
 */
export async function updateAlone(deps: InteractionDeps, prepared: PreparedUpdate): Promise<WriteResult | undefined> {
  const { resource, ifMatch } = prepared;
  const type = resource.resourceType;
  const id = resource.id as string;
  if (!deps.store.createsAlone || hooksWatch(deps, { action: 'update', resourceType: type, resource })) return undefined;
  const current = await deps.access.readCurrent(type, id);
  if (!current || current.deleted) return undefined;
  await updateGuard(deps, deps.store.autocommit, resource, ifMatch)(current);
  if (ifMatch !== undefined && ifMatch !== current.versionId) throw versionConflict(type, id, ifMatch, current.versionId);
  const version = await deps.store.updateAlone(resource, current.versionId);
  return version && { version, created: false };
}
