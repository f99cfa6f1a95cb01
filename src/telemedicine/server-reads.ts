import type { Resource } from '@medplum/fhirtypes';
import { parseSearch } from '../fhir/search/parse';
import type { InteractionDeps } from '../interactions/types';
import type { StoreTransaction } from '../store/resources';
import { searchIn } from '../store/search';

/**
 * Reads the telemedicine operations make on the server's own behalf, once the caller's access
 * to the patient and episode has been checked: the thresholds on the patient's ServiceRequests,
 * baseline Goals and Questionnaires are inputs to the clinical rules, whatever the caller's
 * token may read itself (a citizen app need not hold `Goal.r` for its values to be triaged).
 * Nothing read here is returned to the caller.
 */

/** The current version of a resource, or undefined when unknown or deleted. */
export async function readCurrent<T extends Resource>(deps: Pick<InteractionDeps, 'store'>, type: string, id: string): Promise<T | undefined> {
  const stored = await deps.store.read(type, id);
  return stored && !stored.deleted ? (JSON.parse(stored.json as string) as T) : undefined;
}

/**
 * A search without the caller's access filter (strict parameters), first page only. With `tx`, on
 * the transaction's connection after writing its pending index rows, so it sees its own writes.
 */
export async function serverSearch<T extends Resource>(
  deps: Pick<InteractionDeps, 'registry' | 'baseUrl' | 'clock' | 'search'>,
  type: string,
  params: Array<[string, string]>,
  tx?: StoreTransaction,
): Promise<T[]> {
  const { request } = parseSearch({ resourceType: type, params, strict: true }, { registry: deps.registry, baseUrl: deps.baseUrl, now: deps.clock.now() });
  if (tx) await tx.flushIndex();
  const result = tx ? await searchIn(tx.client, request) : await deps.search(request);
  return result.matches.map((row) => JSON.parse(row.content) as T);
}

/** The id of a `Type/id` reference to `type`, else undefined. */
export function idOf(reference: string | undefined, type: string): string | undefined {
  return reference?.startsWith(`${type}/`) ? reference.slice(type.length + 1) : undefined;
}
