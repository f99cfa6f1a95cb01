// https://hl7.org/fhir/R4/http.html#read
import type { Resource } from '@medplum/fhirtypes';
import { gone, notFound } from '../fhir/outcome';
import type { StoredVersion } from '../store/versions';
import { checkId, checkType } from './resource-input';
import type { InteractionDeps, InteractionResult } from './types';
import { versionHeaders } from './version-headers';

export async function read(deps: InteractionDeps, type: string, id: string): Promise<InteractionResult> {
  checkType(deps, type);
  checkId(id);
  deps.access.requireScope('read', type);
  const current = await deps.store.read(type, id);
  if (!current) throw notFound(`${type}/${id} is not known`);
  await ensureVersionVisible(deps, current);
  // A deleted resource answers 410 with the version that deleted it.
  if (current.deleted) throw gone(`${type}/${id} was deleted`, versionHeaders(current));
  return { status: 200, body: current.json as string, headers: versionHeaders(current) };
}

/**
 * 404 unless the caller may see this version's resource. A deletion has no content: the
 * version before it decides, so a deleted resource's existence leaks no more than a live one's.
 */
export async function ensureVersionVisible(deps: InteractionDeps, version: StoredVersion): Promise<void> {
  const what = `${version.resourceType}/${version.id}`;
  let json = version.json;
  if (json === null && version.versionId > 1) json = (await deps.store.vread(version.resourceType, version.id, version.versionId - 1))?.json ?? null;
  if (json === null) throw notFound(`${what} is not known`);
  await deps.access.ensureVisible(JSON.parse(json) as Resource, what);
}
