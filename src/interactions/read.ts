// https://hl7.org/fhir/R4/http.html#read
import { gone, notFound } from '../fhir/outcome';
import { checkId, checkType } from './resource-input';
import type { InteractionDeps, InteractionResult } from './types';
import { versionHeaders } from './version-headers';

export async function read(deps: InteractionDeps, type: string, id: string): Promise<InteractionResult> {
  checkType(deps, type);
  checkId(id);
  const current = await deps.store.read(type, id);
  if (!current) throw notFound(`${type}/${id} is not known`);
  // A deleted resource answers 410 with the version that deleted it.
  if (current.deleted) throw gone(`${type}/${id} was deleted`, versionHeaders(current));
  return { status: 200, body: current.json as string, headers: versionHeaders(current) };
}
