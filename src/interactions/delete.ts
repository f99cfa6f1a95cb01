// https://hl7.org/fhir/R4/http.html#delete
import { informational } from '../fhir/outcome';
import type { StoredVersion } from '../store/versions';
import { checkId, checkType } from './resource-input';
import type { InteractionDeps, InteractionResult } from './types';
import { parseIfMatch } from './version-headers';
import { deleteGuard, precheckWrite } from './authorize';
import { writeTransaction } from './write-hooks';

export interface PreparedDelete {
  type: string;
  id: string;
  ifMatch?: number;
}

/** Every check a delete makes before it writes: shared by DELETE and transaction/batch entries. */
export function prepareDelete(deps: Pick<InteractionDeps, 'registry'>, type: string, id: string, ifMatchHeader: string | undefined): PreparedDelete {
  checkType(deps, type);
  checkId(id);
  return { type, id, ifMatch: parseIfMatch(ifMatchHeader) };
}

/**
 * The answer to a delete. Deleting an absent or already deleted resource succeeds without a
 * new version ("has no effect"); a later read answers 410 Gone.
 */
export function deletedResult(prepared: PreparedDelete, deleted: StoredVersion | undefined): InteractionResult {
  const { type, id } = prepared;
  if (!deleted) return { status: 200, body: informational(`${type}/${id} does not exist or is already deleted; nothing changed`) };
  return {
    status: 200,
    body: informational(`Deleted ${type}/${id} (version ${deleted.versionId})`),
    headers: { etag: `W/"${deleted.versionId}"` },
  };
}

/** Logical delete. */
export async function remove(
  deps: InteractionDeps,
  type: string,
  id: string,
  headers: { ifMatch?: string },
): Promise<InteractionResult> {
  const prepared = prepareDelete(deps, type, id, headers.ifMatch);
  await precheckWrite(deps, 'delete', type, undefined);
  const deleted = await writeTransaction(deps, (tx) => tx.delete(type, id, { ifMatch: prepared.ifMatch, guard: deleteGuard(deps, tx, type) }));
  return deletedResult(prepared, deleted);
}
