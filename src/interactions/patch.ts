// https://hl7.org/fhir/R4/http.html#patch
import type { Resource } from '@medplum/fhirtypes';
import { gone, unprocessable } from '../fhir/outcome';
import { applyPatch, parsePatchBody, type PatchDocument } from '../fhir/patch/patch-document';
import { versionConflict, type StoreTransaction, type WriteResult } from '../store/resources';
import type { StoredVersion } from '../store/versions';
import { checkId, checkResourceBody, checkType } from './resource-input';
import type { InteractionDeps, InteractionResult } from './types';
import { updatedResult } from './update';
import { parseIfMatch, versionHeaders } from './version-headers';
import { checkAgainstQuestionnaire, patchTarget, precheckWrite, versionVisible, type CheckDb } from './authorize';
import { authorizeWrite } from './write-access';
import { hooksWatch, writeTransaction } from './write-hooks';

export interface PreparedPatch {
  type: string;
  id: string;
  patch: PatchDocument;
  ifMatch?: number;
}

/** Every check a patch makes before it reads: shared by PATCH and transaction/batch entries. */
export function preparePatch(
  deps: Pick<InteractionDeps, 'registry'>,
  type: string,
  id: string,
  patch: PatchDocument,
  ifMatchHeader: string | undefined,
): PreparedPatch {
  checkType(deps, type);
  checkId(id);
  return { type, id, patch, ifMatch: parseIfMatch(ifMatchHeader) };
}

/**
 * Read the current version (locked), apply the patch, validate the result exactly as an update
 * would, authorize both the version replaced and the result, and write it as a PATCH version,
 * all inside the caller's transaction: a patch that fails anywhere leaves the resource untouched.
 * Missing and hidden resources answer the same 404.
 */
export async function writePatch(tx: StoreTransaction, deps: InteractionDeps, prepared: PreparedPatch): Promise<WriteResult> {
  const current = await patchTarget(deps, tx, prepared.type, prepared.id);
  const resource = await patchedVersion(deps, tx, current, prepared);
  return tx.update(resource, { ifMatch: current.versionId, allowCreate: false, method: 'PATCH' });
}

/**
 * A patch of a visible, current resource as one statement in autocommit (store.updateAlone):
 * decided on the version read, written only if that version is still current. Undefined when
 * it needs the transaction path: missing, hidden or deleted (whose answers that path gives), a
 * result a write hook watches, or a version that moved on in between.
 */
async function patchAlone(deps: InteractionDeps, prepared: PreparedPatch): Promise<WriteResult | undefined> {
  if (!deps.store.createsAlone) return undefined;
  const db = deps.store.autocommit;
  const current = await deps.access.readCurrent(prepared.type, prepared.id);
  if (!current || current.deleted || !(await versionVisible(deps, db, current))) return undefined;
  const resource = await patchedVersion(deps, db, current, prepared);
  if (hooksWatch(deps, { action: 'update', resourceType: prepared.type, resource })) return undefined;
  const version = await deps.store.updateAlone(resource, current.versionId, 'PATCH');
  return version && { version, created: false };
}

/** The version a patch of `current` (visible to the caller) writes: patched, validated and authorized. */
async function patchedVersion(deps: InteractionDeps, db: CheckDb, current: StoredVersion, { type, id, patch, ifMatch }: PreparedPatch): Promise<Resource> {
  if (current.deleted) throw gone(`${type}/${id} was deleted`, versionHeaders(current));
  if (ifMatch !== undefined && ifMatch !== current.versionId) throw versionConflict(type, id, ifMatch, current.versionId);
  const patched = applyPatch(JSON.parse(current.json as string), patch);
  if (patched.resourceType !== type || patched.id !== id) {
    throw unprocessable([{ severity: 'error', code: 'processing', diagnostics: `A patch may not change the resource's type or id (${type}/${id})`, expression: [`${type}.id`] }]);
  }
  const resource: Resource = checkResourceBody(deps, type, patched);
  await checkAgainstQuestionnaire(deps, resource);
  await authorizeWrite(deps.access, db.client, type, JSON.parse(current.json as string) as Resource, resource);
  deps.access.forget(type, id); // what this request remembered of the row is about to change
  return resource;
}

export async function patch(
  deps: InteractionDeps,
  type: string,
  id: string,
  body: { contentType: string | undefined; content: unknown },
  headers: { ifMatch?: string },
): Promise<InteractionResult> {
  checkType(deps, type);
  return updatedResult(deps, await patchWith(deps, type, id, parsePatchBody(body.contentType, body.content), headers.ifMatch));
}

/** A patch already parsed (PATCH's body, or an operation's change such as $meta-add), written as PATCH writes it. */
export async function patchWith(deps: InteractionDeps, type: string, id: string, document: PatchDocument, ifMatch?: string): Promise<WriteResult> {
  const prepared = preparePatch(deps, type, id, document, ifMatch);
  await precheckWrite(deps, 'patch', type, undefined);
  return (await patchAlone(deps, prepared)) ?? (await writeTransaction(deps, (tx) => writePatch(tx, deps, prepared)));
}
