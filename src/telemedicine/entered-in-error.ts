import type { CapabilityStatementRestResource, ClinicalImpression, Extension, Provenance, Task } from '@medplum/fhirtypes';
import { callerAgents } from './provenance-agents';
import type { AuthContext } from '../auth/context';
import type { InteractionDeps } from '../interactions/types';
import type { WriteHook } from '../interactions/write-hooks';
import type { StoreTransaction } from '../store/resources';
import type { Change } from '../store/versions';
import { reinstateRestored } from './measurement-restored';
import { serverSearch } from './server-reads';
import { lockedCurrent, writeInTx as write } from './server-tx-writes';
import { OPEN_TASK_STATUSES, retriage } from './triage/retriage';
import { EPISODE_EXTENSION, TASK_CATEGORY_SYSTEM, TRIAGE_CODE_TEXT } from './triage/triage-result';

const SUBMITTED_TYPES = new Set(['Observation', 'QuestionnaireResponse']);
const ENTERED_IN_ERROR = 'entered-in-error';
/** The statuses of a valid measurement, by type: what an item entered in error may be corrected back to. */
const VALID_STATUSES: Record<string, ReadonlySet<string>> = {
  Observation: new Set(['final', 'amended', 'corrected']),
  QuestionnaireResponse: new Set(['completed', 'amended']),
};

/**
 * A write hook (src/interactions/write-hooks.ts): when an Observation or
 * QuestionnaireResponse changes to status `entered-in-error` by any ordinary write (PUT, PATCH,
 * conditional update, a transaction or batch entry), in the same database transaction:
 *
 *  1. a Provenance records it (target the new version, agent the caller, activity NULLIFY, reason
 *     entered-in-error), unless the request itself created a Provenance targeting the item;
 *  2. when the item was triaged in a submission (a triage ClinicalImpression has a finding for
 *     it), the submission is re-triaged without it (triage/retriage.ts): a new version of that
 *     ClinicalImpression, and its open Task updated or cancelled. Completed Tasks stay as they are.
 *
 * And the reverse: when such an item of an episode of care changes from `entered-in-error` back to
 * a valid status (Observation final/amended/corrected, QuestionnaireResponse completed/amended),
 * it is triaged again and its submission takes it back (measurement-restored.ts): a new version
 * of the ClinicalImpression with its finding, and the open Task re-prioritized, or a new Task
 * when the submission's Tasks were all cancelled.
 *
 * The server's writes are validated like any write (a failure fails the request: nothing is
 * written) and need no scope of the caller: they follow from the write the caller was allowed.
 */
export const retriageOnEnteredInError: WriteHook = async ({ tx, deps, changes }) => {
  const invalidated: Change[] = [];
  const restored: Change[] = [];
  for (const change of changes) {
    const move = await statusMove(tx, change);
    if (move === 'invalidated') invalidated.push(change);
    if (move === 'restored') restored.push(change);
  }
  if (restored.length) await reinstateRestored(tx, deps, restored);
  if (invalidated.length === 0) return;

  for (const change of invalidated) {
    if (!hasProvenance(deps.baseUrl, changes, change)) await write(tx, deps, provenanceFor(change, deps.access.auth, tx.now));
  }

  // One re-triage per submission, however many of its items this request invalidated.
  const bySubmission = new Map<string, Set<string>>();
  for (const change of invalidated) {
    const item = `${change.resourceType}/${change.id}`;
    // By bare id: R4 lists no QuestionnaireResponse among finding-ref's target types, though the
    // triage records one there; the exact reference is checked on the results.
    const impressions = await serverSearch<ClinicalImpression>(deps, 'ClinicalImpression', [['finding-ref', change.id], ['_count', '100']], tx);
    const triages = impressions.filter((c) => c.code?.text === TRIAGE_CODE_TEXT && c.status === 'completed' && c.finding?.some((f) => f.itemReference?.reference === item));
    for (const ci of triages) {
      const set = bySubmission.get(ci.id as string) ?? new Set<string>();
      bySubmission.set(ci.id as string, set.add(item));
    }
  }
  for (const [impressionId, items] of bySubmission) await retriageSubmission(tx, deps, impressionId, items);
};

// only an update to status entered-in-error can make an item entered-in-error, and only an update
// of an episode's item to a valid status can correct one: other writes keep the fast path
retriageOnEnteredInError.watches = (change) => change.action === 'update' && SUBMITTED_TYPES.has(change.resourceType) && isWatched(change.resourceType, change.resource as Watched);

type Watched = { status?: string; extension?: Extension[] };

function isWatched(type: string, resource: Watched): boolean {
  if (resource.status === ENTERED_IN_ERROR) return true;
  return !!VALID_STATUSES[type]?.has(resource.status ?? '') && !!resource.extension?.some((e) => e.url === EPISODE_EXTENSION);
}

/** CapabilityStatement: the rule, said on the resource entries of the types it watches. */
export function withEnteredInErrorRule(resource: CapabilityStatementRestResource): CapabilityStatementRestResource {
  if (!SUBMITTED_TYPES.has(resource.type as string)) return resource;
  const rule =
    `An update to status entered-in-error records a Provenance (unless the request creates one targeting the ${resource.type}) and, ` +
    'when the item was triaged by $submit-measurement, re-triages the submission in the same transaction: a new version of the ' +
    'triage ClinicalImpression without it, and its open Task re-prioritized (cancelled when no valid item remains). ' +
    `The reverse too: an update of such an item (keeping its ext-episode-of-care) from entered-in-error back to ${[...VALID_STATUSES[resource.type as string]].join(' or ')} ` +
    'triages it again (against the thresholds the submission used, its referenceRange, or its Questionnaire) and re-triages the submission with it: ' +
    'a new version of the ClinicalImpression with its finding and the overall colour recomputed, the open Task re-prioritized, or a new Task ' +
    'when the submission\'s Tasks were all cancelled. Completed Tasks stay as they are.';
  return { ...resource, documentation: resource.documentation ? `${resource.documentation} ${rule}` : rule };
}

/**
 * An update of a submitted type to entered-in-error from a version that was not (`invalidated`),
 * or from entered-in-error to a valid status of an episode's item (`restored`).
 */
async function statusMove(tx: StoreTransaction, change: Change): Promise<'invalidated' | 'restored' | undefined> {
  if (change.action !== 'update' || !SUBMITTED_TYPES.has(change.resourceType) || change.json === null) return undefined;
  const after = JSON.parse(change.json) as Watched;
  if (!isWatched(change.resourceType, after)) return undefined;
  const before = await tx.vread(change.resourceType, change.id, change.versionId - 1);
  const wasInError = !!before?.json && (JSON.parse(before.json) as { status?: string }).status === ENTERED_IN_ERROR;
  if (after.status === ENTERED_IN_ERROR) return before?.json && !wasInError ? 'invalidated' : undefined;
  return wasInError ? 'restored' : undefined;
}

async function retriageSubmission(tx: StoreTransaction, deps: InteractionDeps, impressionId: string, invalid: ReadonlySet<string>): Promise<void> {
  // Locked, then read: concurrent invalidations of one submission's items apply one after the other.
  const impression = await lockedCurrent<ClinicalImpression>(tx, 'ClinicalImpression', impressionId);
  if (!impression || impression.status !== 'completed') return;
  const tasks = await serverSearch<Task>(deps, 'Task', [['focus', `ClinicalImpression/${impressionId}`], ['code', `${TASK_CATEGORY_SYSTEM}|measurement-for-assessment`], ['_count', '100']], tx);
  const chosen = tasks.find((t) => OPEN_TASK_STATUSES.has(t.status)) ?? tasks[0];
  const task = chosen ? await lockedCurrent<Task>(tx, 'Task', chosen.id as string) : undefined;
  const result = retriage(impression, task, invalid, tx.now);
  await write(tx, deps, result.impression);
  if (result.task) await write(tx, deps, result.task);
}

/** Whether the request created a Provenance targeting the item (any version of it). */
function hasProvenance(baseUrl: string, changes: readonly Change[], item: Change): boolean {
  const plain = `${item.resourceType}/${item.id}`;
  return changes.some((c) => {
    if (c.resourceType !== 'Provenance' || c.action === 'delete' || c.json === null) return false;
    const targets = ((JSON.parse(c.json) as Provenance).target ?? []).map((t) => (t.reference ?? '').replace(`${baseUrl}/`, ''));
    return targets.some((t) => t === plain || t.startsWith(`${plain}/_history/`));
  });
}

/**
 * Provenance of marking an item entered-in-error (https://hl7.org/fhir/R4/provenance.html): the
 * new version as target; activity v3 DataOperation NULLIFY; the caller as author (practitioner,
 * else patient, else organization) on behalf of its organization, and the client application.
 */
function provenanceFor(change: Change, auth: AuthContext, now: string): Provenance {
  return {
    resourceType: 'Provenance',
    target: [{ reference: `${change.resourceType}/${change.id}/_history/${change.versionId}` }],
    recorded: now,
    activity: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'NULLIFY', display: 'nullify' }],
      text: `${change.resourceType} marked entered-in-error`,
    },
    reason: [{ text: ENTERED_IN_ERROR }],
    agent: callerAgents(auth),
  };
}
