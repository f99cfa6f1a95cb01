// https://hl7.org/fhir/R4/http.html#delete
import { informational } from '../fhir/outcome';
import { checkId, checkType } from './resource-input';
import type { InteractionDeps, InteractionResult } from './types';
import { parseIfMatch } from './version-headers';

/**
 * Logical delete. Deleting an absent or already deleted resource succeeds without a new
 * version ("has no effect"); a later read answers 410 Gone.
 */
export async function remove(
  deps: InteractionDeps,
  type: string,
  id: string,
  headers: { ifMatch?: string },
): Promise<InteractionResult> {
  checkType(deps, type);
  checkId(id);
  const ifMatch = parseIfMatch(headers.ifMatch);
  const deleted = await deps.store.transaction((tx) => tx.delete(type, id, { ifMatch }));
  if (!deleted) return { status: 200, body: informational(`${type}/${id} does not exist or is already deleted; nothing changed`) };
  return {
    status: 200,
    body: informational(`Deleted ${type}/${id} (version ${deleted.versionId})`),
    headers: { etag: `W/"${deleted.versionId}"` },
  };
}
