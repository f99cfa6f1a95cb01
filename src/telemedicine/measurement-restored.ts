import type { ClinicalImpression, Observation, Questionnaire, QuestionnaireResponse, Task } from '@medplum/fhirtypes';
import type { InteractionDeps } from '../interactions/types';
import { splitCanonical } from '../store/canonical';
import type { StoreTransaction } from '../store/resources';
import type { Change } from '../store/versions';
import { serverSearch } from './server-reads';
import { lockedCurrent, writeInTx } from './server-tx-writes';
import type { ItemFinding } from './triage/observation-triage';
import { triageResponse } from './triage/questionnaire-triage';
import { reinstate } from './triage/reinstate';
import { setAsideOf } from './triage/retriage';
import { retriageObservation } from './triage/stored-item-triage';
import { TASK_CATEGORY_SYSTEM, TRIAGE_CODE_TEXT, type TriagedItem } from './triage/triage-result';

/**
 * Items updated from entered-in-error back to a valid status: each is triaged again as stored
 * (an Observation against the thresholds its submission used, its referenceRange; a
 * QuestionnaireResponse by its Questionnaire's answer significance) and every submission that
 * set it aside takes it back (triage/reinstate.ts), one re-triage per submission.
 */
export async function reinstateRestored(tx: StoreTransaction, deps: InteractionDeps, restored: readonly Change[]): Promise<void> {
  const bySubmission = new Map<string, TriagedItem[]>();
  for (const change of restored) {
    const reference = `${change.resourceType}/${change.id}`;
    const impressions = [
      // every item of a submission entered in error: its findings were kept
      ...(await serverSearch<ClinicalImpression>(deps, 'ClinicalImpression', [['finding-ref', change.id], ['status', 'entered-in-error'], ['_count', '100']], tx)),
      // set aside by an earlier re-triage (the submission may have become entered-in-error since)
      ...(await serverSearch<ClinicalImpression>(deps, 'ClinicalImpression', [['investigation', reference], ['_count', '100']], tx)),
    ];
    const triages = unique(impressions).filter(
      (c) => c.code?.text === TRIAGE_CODE_TEXT && (setAsideOf(c).includes(reference) || (c.status === 'entered-in-error' && c.finding?.some((f) => f.itemReference?.reference === reference))),
    );
    if (triages.length === 0) continue;
    const item: TriagedItem = { reference, finding: await triageStored(deps, change) };
    for (const ci of triages) bySubmission.set(ci.id as string, [...(bySubmission.get(ci.id as string) ?? []), item]);
  }
  for (const [impressionId, items] of bySubmission) await reinstateSubmission(tx, deps, impressionId, items);
}

async function triageStored(deps: InteractionDeps, change: Change): Promise<ItemFinding> {
  const item = JSON.parse(change.json as string) as Observation | QuestionnaireResponse;
  if (item.resourceType === 'Observation') return retriageObservation(item);
  const canonical = item.questionnaire ? splitCanonical(item.questionnaire) : undefined;
  const questionnaire = canonical ? ((await deps.findCanonical('Questionnaire', canonical.url, canonical.version)) as Questionnaire | undefined) : undefined;
  return triageResponse(item, questionnaire);
}

async function reinstateSubmission(tx: StoreTransaction, deps: InteractionDeps, impressionId: string, items: readonly TriagedItem[]): Promise<void> {
  // Locked, then read: concurrent corrections of one submission's items apply one after the other.
  const impression = await lockedCurrent<ClinicalImpression>(tx, 'ClinicalImpression', impressionId);
  if (!impression) return;
  const found = await serverSearch<Task>(deps, 'Task', [['focus', `ClinicalImpression/${impressionId}`], ['code', `${TASK_CATEGORY_SYSTEM}|measurement-for-assessment`], ['_count', '100']], tx);
  const tasks: Task[] = [];
  for (const t of found) {
    const current = await lockedCurrent<Task>(tx, 'Task', t.id as string);
    if (current) tasks.push(current);
  }
  tasks.sort((a, b) => (b.meta?.lastUpdated ?? '').localeCompare(a.meta?.lastUpdated ?? ''));
  const result = reinstate(impression, tasks, items, tx.now);
  await writeInTx(tx, deps, result.impression);
  if (result.task) await writeInTx(tx, deps, result.task);
}

function unique(impressions: readonly ClinicalImpression[]): ClinicalImpression[] {
  return impressions.filter((c, at) => impressions.findIndex((d) => d.id === c.id) === at);
}
