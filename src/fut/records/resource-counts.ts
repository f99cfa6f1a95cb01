import type { Parameters } from '@medplum/fhirtypes';
import { badRequest } from '../../fhir/outcome';
import type { OperationContext } from '../../interactions/operation';
import type { InteractionResult } from '../../interactions/types';
import { parametersOf } from '../reporting/parameters';
import { countsByType } from '../../store/resource-summary';

/**
 * `$get-resource-counts`: how many current resources of each type the server holds that the
 * caller may read (its scopes allow search of the type; rows within its reach, by the search
 * engine's access filter), as Parameters with one `valueInteger` per type that has any, by type
 * name. Counted in one statement over the resource table.
 */
export async function resourceCounts({ deps, query, body }: OperationContext): Promise<InteractionResult> {
  if (Object.keys(query).length || parametersOf(body).length) throw badRequest('$get-resource-counts takes no parameters', ['Parameters.parameter']);
  const scope = deps.access.searchFilter();
  const rows = await deps.store.transaction((tx) => countsByType(tx.client, scope));
  const parameters: Parameters = {
    resourceType: 'Parameters',
    parameter: rows.filter((r) => deps.registry.isResourceType(r.resourceType) && deps.access.mayUse('search', r.resourceType)).map((r) => ({ name: r.resourceType, valueInteger: r.count })),
  };
  return { status: 200, body: parameters };
}
