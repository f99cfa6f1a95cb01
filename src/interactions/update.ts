// https://hl7.org/fhir/R4/http.html#update
import type { Resource } from '@medplum/fhirtypes';
import type { StoreTransaction, WriteResult } from '../store/resources';
import { checkId, checkResourceBody, checkType, checkUpdateId } from './resource-input';
import type { InteractionDeps, InteractionResult } from './types';
import { parseIfMatch, versionHeaders, versionLocation } from './version-headers';
import { precheckWrite, updateGuard } from './authorize';
import { writeTransaction } from './write-hooks';
import { updateAlone } from './update-alone';

export interface PreparedUpdate {
  resource: Resource;
  /** Expected current version (If-Match), if any. */
  ifMatch?: number;
}

/** Every check an update makes before it writes: shared by PUT and transaction/batch entries. */
export function prepareUpdate(
  deps: Pick<InteractionDeps, 'registry' | 'validator'>,
  type: string,
  id: string,
  body: unknown,
  ifMatchHeader: string | undefined,
): PreparedUpdate {
  checkType(deps, type);
  checkId(id);
  const ifMatch = parseIfMatch(ifMatchHeader);
  const resource = checkResourceBody(deps, type, body);
  checkUpdateId(resource, type, id);
  return { resource, ifMatch };
}

/**
 * The write of an update, inside the caller's transaction, authorized on the locked pre-image
 * (unless `trusted`: the server's own write on the caller's behalf).
 */
export function writeUpdate(tx: StoreTransaction, deps: InteractionDeps, prepared: PreparedUpdate, trusted = false): Promise<WriteResult> {
  return tx.update(prepared.resource, {
    ifMatch: prepared.ifMatch,
    allowCreate: deps.updateCreate,
    ...(trusted ? {} : { guard: updateGuard(deps, tx, prepared.resource, prepared.ifMatch) }),
  });
}

/** 200 for an update, 201 when it created the resource. Also the answer to a patch. */
export function updatedResult(deps: Pick<InteractionDeps, 'baseUrl'>, { version, created }: WriteResult): InteractionResult {
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

export async function update(
  deps: InteractionDeps,
  type: string,
  id: string,
  body: unknown,
  headers: { ifMatch?: string },
): Promise<InteractionResult> {
  const prepared = prepareUpdate(deps, type, id, body, headers.ifMatch);
  await precheckWrite(deps, 'update', type, prepared.resource);
  const written = (await updateAlone(deps, prepared)) ?? (await writeTransaction(deps, (tx) => writeUpdate(tx, deps, prepared)));
  return updatedResult(deps, written);
}
