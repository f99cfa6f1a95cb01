// https://hl7.org/fhir/R4/http.html#create
import { checkResourceBody, checkType } from './resource-input';
import type { InteractionDeps, InteractionResult } from './types';
import { versionHeaders, versionLocation } from './version-headers';

export async function create(deps: InteractionDeps, type: string, body: unknown): Promise<InteractionResult> {
  checkType(deps, type);
  const resource = checkResourceBody(deps, type, body);
  // "If an id is provided, the server SHALL ignore it": the store assigns a new one.
  const version = await deps.store.transaction((tx) => tx.create(resource));
  return {
    status: 201,
    body: version.json as string,
    preferable: true,
    headers: { ...versionHeaders(version), location: versionLocation(deps.baseUrl, version) },
  };
}
