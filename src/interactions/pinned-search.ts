import type { DefinitionRegistry } from '../fhir/definitions/registry';
import type { SearchRequest } from '../fhir/search/ast';
import { pinnedPatients } from '../fhir/search/pinned';
import type { AccessFilter } from '../store/search/sql-builder';

/**
 * Run a search that may be pinned to patients (`subject=Patient/x`, `Patient/x/Observation`,
 * src/fhir/search/pinned.ts) so that its cost tells nothing about patients the caller does not
 * reach. An ordered scan checks access row by row: pinned to a hidden patient it used to read
 * the patient's whole history before answering empty, and answered an id that does not exist
 * at once, so timing told the two apart.
 *
 * 1. The statement asks once, before it reads a row, whether the caller reaches a patient of
 *    every pinned set (SearchRequest.pinned): for the caller's own patients that is the one
 *    statement it always was, in the same round trip.
 * 2. When that answers nothing, the search runs again on the rows of the pinned patients'
 *    compartments that another patient also governs (SearchRequest.sharedOf): all a search
 *    about a patient the caller does not reach can match. Few rows, usually none, read from
 *    their own index: a hidden patient and a missing one cost the same.
 */
export async function pinnedSearch<A>(
  request: SearchRequest,
  access: AccessFilter | undefined,
  registry: DefinitionRegistry,
  run: (request: SearchRequest, access?: AccessFilter) => Promise<A>,
  isEmpty: (answer: A) => boolean,
): Promise<A> {
  const pinned = access?.reaches ? pinnedPatients(request, registry) : [];
  if (pinned.length === 0) return run(request, access);
  const gated = await run({ ...request, pinned }, access);
  if (!isEmpty(gated)) return gated;
  return run({ ...request, sharedOf: [...new Set(pinned.flat())] }, access);
}
