import type { ClinicalImpression, Task } from '@medplum/fhirtypes';
import { OPEN_TASK_STATUSES, setAsideOf, withSetAside } from './retriage';
import { EPISODE_EXTENSION, assessmentTask, triageImpression, triagedItemsOf, type TriageContext, type TriagedItem } from './triage-result';

export interface Reinstated {
  impression: ClinicalImpression;
  /** The open Task's new content, or a new Task (no id); undefined when no Task changes. */
  task?: Task;
}

/**
 * A submission's triage again, with items that were entered in error and are valid again
 * (`restored`, each freshly triaged), pure: the reverse of `retriage`.
 *
 *  - The ClinicalImpression is `completed` with the findings of the items still valid plus the
 *    restored ones, the new overall colour and summary, `date` now and a note. When it had been
 *    `entered-in-error` (every item was), its findings were all kept: only the restored ones
 *    count, the others stay set aside (SET_ASIDE_TEXT).
 *  - Tasks (`tasks`: the submission's "measurement for assessment" Tasks): an open one gets the
 *    new priority, description and inputs. When every one was cancelled (the invalidation's
 *    cancellation, or the care team's), a new Task is created for the care team of the latest:
 *    a cancelled Task is final (R4 Task state machine) and a worklist entry that silently comes
 *    back to life is more surprising than a new one. A completed (or otherwise closed) Task
 *    stays as it is and no new one is made: the care team has assessed the submission.
 */
export function reinstate(impression: ClinicalImpression, tasks: readonly Task[], restored: readonly TriagedItem[], now: string): Reinstated {
  const back = new Set(restored.map((i) => i.reference));
  const wasVoid = impression.status === 'entered-in-error';
  const recorded = triagedItemsOf(impression);
  const valid = wasVoid ? [] : recorded.filter((i) => !back.has(i.reference));
  const aside = [...(wasVoid ? recorded.map((i) => i.reference) : []), ...setAsideOf(impression)].filter((r, at, all) => !back.has(r) && all.indexOf(r) === at);
  const items = [...valid, ...restored];

  const open = tasks.find((t) => OPEN_TASK_STATUSES.has(t.status));
  const ctx: TriageContext = {
    patientId: impression.subject?.reference?.replace(/^Patient\//, '') ?? '',
    episodeId: impression.extension?.find((e) => e.url === EPISODE_EXTENSION)?.valueReference?.reference?.replace(/^EpisodeOfCare\//, '') ?? '',
    careTeamId: (open ?? tasks[0])?.owner?.reference?.replace(/^CareTeam\//, '') ?? '',
    now,
  };
  const fresh = triageImpression(items, ctx);
  const updated: ClinicalImpression = {
    ...impression,
    status: 'completed',
    extension: fresh.extension,
    summary: fresh.summary,
    finding: fresh.finding,
    investigation: withSetAside(impression, aside),
    date: now,
    note: [...(impression.note ?? []), { time: now, text: `Re-triaged with ${[...back].join(', ')}: no longer entered in error` }],
  };
  if (!updated.investigation) delete updated.investigation;

  const recomputed = assessmentTask(items, `ClinicalImpression/${impression.id}`, ctx);
  if (open) {
    return { impression: updated, task: { ...open, priority: recomputed.priority, description: recomputed.description, input: recomputed.input, lastModified: now } };
  }
  if (tasks.length === 0 || tasks.some((t) => t.status !== 'cancelled')) return { impression: updated };
  return { impression: updated, task: { ...recomputed, lastModified: now } };
}
