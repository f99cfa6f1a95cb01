import type { Parameters } from '@medplum/fhirtypes';
import { badRequest } from '../../fhir/outcome';
import type { OperationContext } from '../../interactions/operation';
import type { InteractionResult } from '../../interactions/types';
import { parametersOf } from '../reporting/parameters';

/**
 * `$get-resource-counts`: how many current resources of each type the server holds that the
 * caller may read (its scopes allow search of the type; rows within its reach, by the search
 * engine's access filter), as Parameters with one `valueInteger` per type that has any, by type
 * name. Counted in one statement over the resource table.
 */
export async function resourceCounts({ deps, query, body }: OperationContext): Promise<InteractionResult> {
  if (Object.keys(query).length || parametersOf(body).length) throw badRequest('$get-resource-counts takes no parameters', ['Parameters.parameter']);
  const values: unknown[] = [];
  const bind = (value: unknown, cast?: string) => {
    values.push(value);
    return `$${values.length}${cast ? `::${cast}` : ''}`;
  };
  const scope = deps.access.searchFilter();
  const sql = `SELECT r.resource_type, count(*)::int AS n FROM resource r WHERE NOT r.deleted${scope ? ` AND ${scope('r', bind)}` : ''} GROUP BY 1 ORDER BY 1`;
  const rows = await deps.store.transaction(async (tx) => (await tx.client.query(sql, values)).rows as Array<{ resource_type: string; n: number }>);
  const parameters: Parameters = {
    resourceType: 'Parameters',
    parameter: rows.filter((r) => deps.registry.isResourceType(r.resource_type) && deps.access.mayUse('search', r.resource_type)).map((r) => ({ name: r.resource_type, valueInteger: r.n })),
  };
  return { status: 200, body: parameters };
}
