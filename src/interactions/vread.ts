// https://hl7.org/fhir/R4/http.html#vread
import { badRequest, gone, notFound } from '../fhir/outcome';
import { ensureVersionVisible, ensureWithinRestrictions } from './read';
import { checkId, checkType } from './resource-input';
import type { InteractionDeps, InteractionResult } from './types';
import { versionHeaders } from './version-headers';

export async function vread(deps: InteractionDeps, type: string, id: string, vid: string): Promise<InteractionResult> {
  checkType(deps, type);
  checkId(id);
  if (!/^\d{1,9}$/.test(vid)) throw badRequest(`'${vid}' is not a version id`);
  deps.access.requireScope('read', type);
  const what = `${type}/${id}/_history/${vid}`;
  const version = await deps.store.vread(type, id, Number(vid));
  if (!version) throw notFound(`${what} is not known`);
  // hidden answers exactly like missing: the same 404 and text
  await ensureVersionVisible(deps, version, what);
  await ensureWithinRestrictions(deps, type, id, what);
  if (version.deleted) throw gone(`${type}/${id} version ${vid} is a deletion`, versionHeaders(version));
  return { status: 200, body: version.json as string, headers: versionHeaders(version) };
}
