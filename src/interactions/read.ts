// https://hl7.org/fhir/R4/http.html#read
import type { Resource } from '@medplum/fhirtypes';
import { gone, notFound } from '../fhir/outcome';
import { parseSearch } from '../fhir/search/parse';
import type { StoredVersion } from '../store/versions';
import { checkId, checkType } from './resource-input';
import type { InteractionDeps, InteractionResult } from './types';
import { versionHeaders } from './version-headers';

export async function read(deps: InteractionDeps, type: string, id: string): Promise<InteractionResult> {
  checkType(deps, type);
  checkId(id);
  deps.access.requireScope('read', type);
  const current = await deps.access.readCurrent(type, id);
  if (!current) throw notFound(`${type}/${id} is not known`);
  await ensureVersionVisible(deps, current);
  await ensureWithinRestrictions(deps, type, id);
  // A deleted resource answers 410 with the version that deleted it.
  if (current.deleted) throw gone(`${type}/${id} was deleted`, versionHeaders(current));
  return { status: 200, body: current.json as string, headers: versionHeaders(current) };
}

/**
 * 404 unless the caller may see this version's resource. A deletion has no content: the
 * version before it decides, so a deleted resource's existence leaks no more than a live one's.
 */
export async function ensureVersionVisible(deps: InteractionDeps, version: StoredVersion, what = `${version.resourceType}/${version.id}`): Promise<void> {
  let json = version.json;
  if (json === null && version.versionId > 1) json = (await deps.store.vread(version.resourceType, version.id, version.versionId - 1))?.json ?? null;
  if (json === null) throw notFound(`${what} is not known`);
  await deps.access.ensureVisible(JSON.parse(json) as Resource, what);
}

/**
 * A SMART v2 scope with a query restriction (`system/Observation.rs?category=vital-signs`)
 * reaches only resources matching it: checked with the search engine (`_id` + the
 * restriction's parameters); a resource outside it answers 404 like any invisible one.
 */
export async function ensureWithinRestrictions(deps: InteractionDeps, type: string, id: string, what = `${type}/${id}`): Promise<void> {
  const restrictions = deps.access.restrictions('read', type);
  if (restrictions === null) return;
  for (const alternative of restrictions) {
    const { request } = parseSearch(
      { resourceType: type, params: [['_id', id], ...alternative.map(([n, v]) => [n, v] as [string, string])] },
      { registry: deps.registry, baseUrl: deps.baseUrl, now: deps.clock.now() },
    );
    const result = await deps.search(request, deps.access.searchFilter());
    if (result.matches.length > 0) return;
  }
  throw notFound(`${what} is not known`);
}
