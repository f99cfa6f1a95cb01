import type { Bundle, Resource } from '@medplum/fhirtypes';
import { search } from '../interactions/search';
import type { InteractionDeps } from '../interactions/types';

/**
 * A search as the caller's own (`GET /fhir/{type}?…`, strict parameters): the caller's scopes and
 * the access model apply in SQL, so only what the caller may read comes back. First page only;
 * outcome entries dropped.
 */
export async function callerSearch<T extends Resource>(deps: InteractionDeps, type: string, params: Array<[string, string]>): Promise<T[]> {
  const result = await search(deps, { type }, { params, strict: true });
  const bundle = (typeof result.body === 'string' ? JSON.parse(result.body) : result.body) as Bundle;
  return (bundle.entry ?? []).filter((e) => e.search?.mode !== 'outcome' && e.resource?.resourceType === type).map((e) => e.resource as T);
}
