// https://hl7.org/fhir/R4/http.html#update
import { badRequest } from '../fhir/outcome';
import { checkId, checkResourceBody, checkType } from './resource-input';
import type { InteractionDeps, InteractionResult } from './types';
import { parseIfMatch, versionHeaders, versionLocation } from './version-headers';

export async function update(
  deps: InteractionDeps,
  type: string,
  id: string,
  body: unknown,
  headers: { ifMatch?: string },
): Promise<InteractionResult> {
  checkType(deps, type);
  checkId(id);
  const ifMatch = parseIfMatch(headers.ifMatch);
  const resource = checkResourceBody(deps, type, body);
  // "If no id element is provided, or the id disagrees with the id in the URL, the server SHALL respond with 400"
  if (resource.id === undefined) throw badRequest(`The body must carry id '${id}' to update ${type}/${id}`, [`${type}.id`]);
  if (resource.id !== id) throw badRequest(`The body's id '${resource.id}' does not match the URL's id '${id}'`, [`${type}.id`]);
  const { version, created } = await deps.store.transaction((tx) =>
    tx.update(resource, { ifMatch, allowCreate: deps.updateCreate }),
  );
  return {
    status: created ? 201 : 200,
    body: version.json as string,
    preferable: true,
    headers: {
      ...versionHeaders(version),
      ...(created ? { location: versionLocation(deps.baseUrl, version) } : { 'content-location': versionLocation(deps.baseUrl, version) }),
    },
  };
}
