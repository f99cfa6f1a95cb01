import type { Organization } from '@medplum/fhirtypes';
import { checkId } from '../../interactions/resource-input';
import type { OperationContext } from '../../interactions/operation';
import type { InteractionResult } from '../../interactions/types';
import { parametersOf } from '../reporting/parameters';
import { badRequest, notFound } from '../../fhir/outcome';

/** SOR, the Danish health-organization register (DOMAIN: urn:oid:1.2.208.176.1.1). */
export const SOR_SYSTEM = 'urn:oid:1.2.208.176.1.1';
/** More hops than any real hierarchy (region → hospital → department → section) has. */
const MAX_HOPS = 20;

/**
 * `Organization/{id}/$traverse-to-sor`: the Organization itself when it carries a SOR
 * identifier, else the first one up its `partOf` chain that does; 404 when none does (or the
 * chain loops, or leaves the server).
 */
export async function traverseToSor({ deps, id, query, body }: OperationContext): Promise<InteractionResult> {
  if (Object.keys(query).length || parametersOf(body).length) throw badRequest('$traverse-to-sor takes no parameters', ['Parameters.parameter']);
  deps.access.requireScope('read', 'Organization');
  checkId(id as string);
  const seen = new Set<string>();
  let current = id as string;
  for (let hop = 0; hop <= MAX_HOPS && !seen.has(current); hop++) {
    seen.add(current);
    const stored = await deps.access.readCurrent('Organization', current);
    if (!stored || stored.deleted || !stored.json) break;
    const org = JSON.parse(stored.json as string) as Organization;
    if (!(await deps.access.canSee(org))) break;
    if (org.identifier?.some((i) => i.system === SOR_SYSTEM && i.value)) return { status: 200, body: stored.json as string };
    const parent = /^Organization\/([A-Za-z0-9\-.]{1,64})$/.exec(org.partOf?.reference ?? '');
    if (!parent) break;
    current = parent[1];
  }
  throw notFound(`No Organization with a SOR identifier (${SOR_SYSTEM}) from Organization/${String(id)} up its partOf chain`);
}
