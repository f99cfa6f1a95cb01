import { randomUUID } from 'node:crypto';
import type { AuthContext } from '../auth/context';
import { FhirError } from '../fhir/outcome';
import { search } from '../interactions/search';
import { forRequest, type SharedDeps } from '../interactions/types';

/** A Subscription's `criteria` (`Type?query`, or `Type` alone) as a type search's parameters. */
export interface ParsedCriteria {
  resourceType: string;
  params: Array<[string, string]>;
}

export function parseCriteria(criteria: string): ParsedCriteria {
  const at = criteria.indexOf('?');
  const resourceType = at < 0 ? criteria : criteria.slice(0, at);
  const params = [...new URLSearchParams(at < 0 ? '' : criteria.slice(at + 1))];
  return { resourceType, params };
}

/**
 * Run `criteria` as `auth`'s own search, restricted to resource `id` (`_id`): the resource's
 * current version as JSON text when it matches and `auth` may read it now, else undefined. So a
 * notification carries only what the subscriber's client may read at delivery time, and a
 * deleted resource, or one whose current version no longer matches, notifies nothing.
 */
export async function currentMatch(shared: SharedDeps, auth: AuthContext, criteria: string, id: string): Promise<string | undefined> {
  const { resourceType, params } = parseCriteria(criteria);
  let body: unknown;
  try {
    ({ body } = await search(forRequest(shared, auth), { type: resourceType }, { params: [...params, ['_id', id]], strict: false }));
  } catch (err) {
    // a search the client may no longer make (scopes, context) matches nothing
    if (err instanceof FhirError) return undefined;
    throw err;
  }
  const bundle = (typeof body === 'string' ? JSON.parse(body) : body) as { entry?: Array<{ resource?: { resourceType: string; id: string }; search?: { mode: string } }> };
  const match = bundle.entry?.find((e) => e.search?.mode === 'match' && e.resource?.resourceType === resourceType && e.resource.id === id);
  return match?.resource ? JSON.stringify(match.resource) : undefined;
}

/**
 * Why `criteria` cannot be a Subscription's (unknown type or parameter, a search `auth` may not
 * make), or undefined when it can: it is run once, strictly, for a resource that does not exist.
 */
export async function criteriaRefusal(shared: SharedDeps, auth: AuthContext, criteria: string): Promise<string | undefined> {
  const { resourceType, params } = parseCriteria(criteria);
  if (!shared.registry.isResourceType(resourceType)) return `criteria must be a resource type search (Type?query): ${resourceType}`;
  try {
    await search(forRequest(shared, auth), { type: resourceType }, { params: [...params, ['_id', randomUUID()]], strict: true });
    return undefined;
  } catch (err) {
    if (!(err instanceof FhirError)) throw err;
    return err.message || 'criteria is not a search this server supports';
  }
}
