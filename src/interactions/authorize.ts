import type { Resource } from '@medplum/fhirtypes';
import { hasErrors } from '../fhir/issue';
import { notFound, unprocessable } from '../fhir/outcome';
import { absentOnUpdate, type StoreTransaction, type WriteGuard } from '../store/resources';
import { storageOutcome } from './storage-outcome';
import type { StoredVersion } from '../store/versions';
import type { Db } from './access';
import { questionnaireIssues } from './questionnaire-check';
import { ensureVersionVisible } from './read';
import type { EntryRequest } from './transaction-hooks';
import type { InteractionDeps } from './types';
import { authorizeWrite, mayCreateAtChosenId } from './write-access';

export type WriteInteraction = 'create' | 'update' | 'patch' | 'delete';

/**
 * What a write checks before its transaction: the token's scope for the interaction and, for a
 * QuestionnaireResponse, its answers against the Questionnaire. Which resource it may change is
 * decided inside the transaction, after the row lock (the guards below).
 */
export async function precheckWrite(deps: InteractionDeps, interaction: WriteInteraction, type: string, resource: Resource | undefined): Promise<void> {
  deps.access.requireScope(interaction === 'patch' ? 'update' : interaction, type);
  if (resource) await checkAgainstQuestionnaire(deps, resource);
}

/**
 * A QuestionnaireResponse is also checked against the Questionnaire it answers, when the server
 * holds it and the caller may see it (linkIds, answer types, required items, enableWhen,
 * options): the asynchronous part of validation that the database-free validator cannot do.
 * Errors → 422, before anything is written. Create, update, patch (on the patched result) and
 * their bundle entries all come through here.
 */
export async function checkAgainstQuestionnaire(deps: InteractionDeps, resource: Resource): Promise<void> {
  if (resource.resourceType !== 'QuestionnaireResponse') return;
  const issues = await questionnaireIssues(deps, resource);
  if (hasErrors(issues)) throw unprocessable(issues);
}

/**
 * Where a write's checks read: its transaction (which sees its own writes), or for a write made
 * in one statement the pool (`store.autocommit`).
 */
export type CheckDb = Pick<StoreTransaction, 'flushIndexOf' | 'vread'> & { client: Db };

/** Whether the caller may see a stored version (a deletion is judged by the version before it), on the transaction's connection. */
export async function versionVisible(deps: InteractionDeps, tx: CheckDb, version: StoredVersion): Promise<boolean> {
  if (deps.access.unrestricted) return true;
  await tx.flushIndexOf(deps.accessDeps.grantTypes);
  let json = version.json;
  if (json === null && version.versionId > 1) json = (await tx.vread(version.resourceType, version.id, version.versionId - 1))?.json ?? null;
  if (json === null) return false;
  return deps.access.canSee(JSON.parse(json) as Resource, tx.client as Db);
}

/** A create, authorized inside its transaction (it may rely on an episode the same transaction opened). */
export async function authorizeCreate(deps: InteractionDeps, tx: StoreTransaction, resource: Resource): Promise<void> {
  if (!deps.access.unrestricted) await tx.flushIndexOf(deps.accessDeps.grantTypes);
  await authorizeWrite(deps.access, tx.client, resource.resourceType, undefined, resource);
}

/**
 * The guard of an update (PUT, conditional PUT, their bundle entries): a version the caller
 * may not see is answered exactly as a missing one (412 under If-Match, else 405 — token
 * clients create at a chosen id only where nothing can be hidden from them); otherwise the
 * write rules on the locked pre-image and the result.
 */
export function updateGuard(deps: InteractionDeps, tx: CheckDb, resource: Resource, ifMatch: number | undefined): WriteGuard {
  const type = resource.resourceType;
  const id = resource.id as string;
  return async (current) => {
    if (current && !(await versionVisible(deps, tx, current))) absentAsFhir(type, id, ifMatch);
    const before = current && !current.deleted ? (JSON.parse(current.json as string) as Resource) : undefined;
    if (!before) {
      // Update-as-create (or re-creating a deleted resource): where something could be hidden it
      // answers as for a missing id; where every row is visible, a refused write is a 403 first.
      if (!mayCreateAtChosenId(deps.access, type)) absentAsFhir(type, id, ifMatch);
      await authorizeWrite(deps.access, tx.client, type, undefined, resource);
      if (current === undefined && ifMatch !== undefined) absentAsFhir(type, id, ifMatch);
      deps.access.requireScope('create', type);
    } else await authorizeWrite(deps.access, tx.client, type, before, resource);
    // what this request remembered of the row (its inherited patients) is about to change
    deps.access.forget(type, id);
  };
}

/** The guard of a delete: what the caller may not see is not there (the delete changes nothing); else the write rules. */
export function deleteGuard(deps: InteractionDeps, tx: StoreTransaction, type: string): (current: StoredVersion | undefined) => Promise<'absent' | void> {
  return async (current) => {
    if (!current || current.deleted) return;
    if (!(await versionVisible(deps, tx, current))) return 'absent';
    await authorizeWrite(deps.access, tx.client, type, JSON.parse(current.json as string) as Resource, undefined);
  };
}

/**
 * The locked current version a patch applies to: missing and hidden answer the same 404 (a
 * deletion the caller may see is its caller's 410).
 */
export async function patchTarget(deps: InteractionDeps, tx: StoreTransaction, type: string, id: string): Promise<StoredVersion> {
  const current = await tx.lockVersion(type, id);
  if (!current || !(await versionVisible(deps, tx, current))) throw notFound(`${type}/${id} is not known`);
  return current;
}

/**
 * The bundle processor's per-entry hook, run before anything is written: writes need their
 * scope (their resource rules run in the transaction); read and vread entries get the single
 * read's rule (scope, then 404 for what the caller may not see); search and history entries
 * run the single interactions, which check for themselves.
 */
export function authorizeEntry(deps: InteractionDeps): (entry: EntryRequest) => Promise<void> {
  return async (entry) => {
    if (entry.interaction === 'create' || entry.interaction === 'update' || entry.interaction === 'patch' || entry.interaction === 'delete') {
      await precheckWrite(deps, entry.interaction, entry.type, entry.resource);
    } else if ((entry.interaction === 'read' || entry.interaction === 'vread') && entry.id !== undefined) {
      deps.access.requireScope('read', entry.type);
      const vid = entry.interaction === 'vread' ? Number(/_history\/(\d+)/.exec(entry.url)?.[1]) : undefined;
      const what = vid ? `${entry.type}/${entry.id}/_history/${vid}` : `${entry.type}/${entry.id}`;
      const version = vid ? await deps.store.vread(entry.type, entry.id, vid) : await deps.store.read(entry.type, entry.id);
      if (version) await ensureVersionVisible(deps, version, what);
    }
  };
}

/**
 * The answer for a version the caller may not see, or may not create at: the store's, as a
 * FHIR answer here (the guard also runs outside a write transaction, on a write made alone).
 */
function absentAsFhir(type: string, id: string, ifMatch: number | undefined): void {
  try {
    absentOnUpdate(type, id, { ifMatch, allowCreate: false });
  } catch (err) {
    throw storageOutcome(err);
  }
}
