import type { ClinicalImpression, Task } from '@medplum/fhirtypes';
import { EPISODE_EXTENSION, assessmentTask, triageImpression, triagedItemsOf, type TriageContext } from './triage-result';

/** Task statuses in which the care team has not finished the Task: a re-triage updates them. */
export const OPEN_TASK_STATUSES: ReadonlySet<string> = new Set(['requested', 'received', 'accepted', 'in-progress']);

/**
 * ClinicalImpression.investigation.code.text of the items a re-triage set aside as entered in
 * error: the record (searchable by `investigation`) that lets a later correction of such an item
 * back to a valid status find the submission again (reinstate.ts).
 */
export const SET_ASIDE_TEXT = 'Entered in error after triage';

/** The items a triage ClinicalImpression set aside as entered in error (`Type/id`). */
export function setAsideOf(impression: ClinicalImpression): string[] {
  return (impression.investigation ?? []).filter((i) => i.code?.text === SET_ASIDE_TEXT).flatMap((i) => (i.item ?? []).map((r) => r.reference ?? ''));
}

/** The investigations with the set-aside record replaced by `items` (none when empty). */
export function withSetAside(impression: ClinicalImpression, items: readonly string[]): ClinicalImpression['investigation'] {
  const others = (impression.investigation ?? []).filter((i) => i.code?.text !== SET_ASIDE_TEXT);
  const all = items.length ? [...others, { code: { text: SET_ASIDE_TEXT }, item: items.map((reference) => ({ reference })) }] : others;
  return all.length ? all : undefined;
}

export interface Retriaged {
  impression: ClinicalImpression;
  /** The Task's new content; undefined when there is no open Task to change. */
  task?: Task;
}

/**
 * A submission's triage again, without the items entered in error (`invalid`: `Type/id`
 * references), pure. The remaining items keep the colour and reasons their triage recorded (their
 * values did not change); the overall colour is the worst of theirs.
 *
 *  - Items remain: the same ClinicalImpression with only their findings, the new overall colour
 *    and summary, `date` now (`effectiveDateTime` stays the submission's), a note saying which
 *    items were removed, and the removed items in the set-aside investigation (SET_ASIDE_TEXT). An open Task gets the new priority and description; its inputs lose the
 *    invalid items.
 *  - None remain: the triage no longer applies. The ClinicalImpression becomes `entered-in-error`
 *    (findings kept, as they were recorded), with a note; an open Task is `cancelled` with a
 *    statusReason.
 *
 * A Task that is not open (completed, cancelled, …) is never changed: the care team's closed
 * work is not reopened.
 */
export function retriage(impression: ClinicalImpression, task: Task | undefined, invalid: ReadonlySet<string>, now: string): Retriaged {
  const removed = triagedItemsOf(impression).filter((i) => invalid.has(i.reference));
  const remaining = triagedItemsOf(impression).filter((i) => !invalid.has(i.reference));
  const what = removed.map((i) => i.reference).join(', ');
  const note = [...(impression.note ?? [])];
  const open = task && OPEN_TASK_STATUSES.has(task.status) ? task : undefined;

  if (remaining.length === 0) {
    note.push({ time: now, text: `Every item of the submission was entered in error (${what}): this triage no longer applies` });
    const cancelled: Task | undefined = open && {
      ...open,
      status: 'cancelled',
      statusReason: { text: 'Every measurement of the submission was entered in error' },
      lastModified: now,
    };
    return { impression: { ...impression, status: 'entered-in-error', note }, task: cancelled };
  }

  const ctx: TriageContext = {
    patientId: impression.subject?.reference?.replace(/^Patient\//, '') ?? '',
    episodeId: impression.extension?.find((e) => e.url === EPISODE_EXTENSION)?.valueReference?.reference?.replace(/^EpisodeOfCare\//, '') ?? '',
    careTeamId: open?.owner?.reference?.replace(/^CareTeam\//, '') ?? '',
    now,
  };
  note.push({ time: now, text: `Re-triaged without ${what}: entered in error` });
  const fresh = triageImpression(remaining, ctx);
  const updated: ClinicalImpression = {
    ...impression,
    extension: fresh.extension,
    summary: fresh.summary,
    finding: fresh.finding,
    investigation: withSetAside(impression, [...setAsideOf(impression), ...removed.map((i) => i.reference)]),
    date: now,
    note,
  };
  if (!updated.investigation) delete updated.investigation;
  if (!open) return { impression: updated };
  const recomputed = assessmentTask(remaining, open.focus?.reference ?? '', ctx);
  return {
    impression: updated,
    task: {
      ...open,
      priority: recomputed.priority,
      description: recomputed.description,
      input: (open.input ?? []).filter((i) => !invalid.has(i.valueReference?.reference ?? '')),
      lastModified: now,
    },
  };
}
