import type { Resource } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { missingMeasurementTask, missingTaskId } from '../scheduler/missing-task';
import { slotsOverlapping, ZONE } from '../scheduler/slots';
import type { SeedClaim } from './cohort';
import { random } from './geography';
import { SELF_MANAGEMENT_CODE, SELF_MANAGEMENT_TIMING, selfManagementRequest, selfManagementResponse } from './resources';

/**
 * A demo citizen's self-management questionnaire (SEMCD-6) for $self-management-report: its
 * ServiceRequest (at enrolment and every 3 months, a 14-day window), an answer in most windows
 * (92 % at baseline, 80 % later) a few days into the window, and for a missed window that has
 * closed the missing-measurement Task and its claim. The citizen's level starts at 3–7.5 and
 * improves by 1.4 × (1 − 0.6^k) points at the k-th follow-up (+0.56 at 3 months, about +1.1 at
 * 9 months, levelling off); each item varies around it (a fixed offset per item and citizen, and
 * noise), 1–10, and is now and then left unanswered. Own random stream, so the rest of the cohort
 * stays as it was.
 */

export interface SelfManagementIds {
  patient: string;
  episode: string;
  team: string;
  /** The ServiceRequest's id. */
  serviceRequest: string;
}

export function seedSelfManagement(key: string, ids: SelfManagementIds, enrolled: DateTime, until: Date): { resources: Resource[]; claims: SeedClaim[] } {
  const rand = random(`${key}|self-management`);
  const start = enrolled.toISODate() as string;
  const sr = selfManagementRequest(ids.serviceRequest, ids.patient, ids.episode, start);
  const resources: Resource[] = [sr];
  const claims: SeedClaim[] = [];
  const level = 3 + rand() * 4.5;
  const offsets = Array.from({ length: 6 }, () => (rand() - 0.5) * 1.5);
  slotsOverlapping({ ...SELF_MANAGEMENT_TIMING, boundsPeriod: { start } }, enrolled.toJSDate(), until).forEach((slot, k) => {
    if (slot.start >= until) return;
    const answers = rand() < (k === 0 ? 0.92 : 0.8);
    const at = new Date(slot.start.getTime() + Math.floor(rand() * 10 * 86_400_000));
    if (!answers || at >= until) {
      if (answers || slot.end > until) return;
      const taskId = missingTaskId(ids.serviceRequest, slot.start);
      claims.push({ serviceRequestId: ids.serviceRequest, start: slot.start, end: slot.end, taskId });
      const task = missingMeasurementTask({ serviceRequestId: ids.serviceRequest, patientId: ids.patient, episodeId: ids.episode, careTeamId: ids.team, code: SELF_MANAGEMENT_CODE, slot, submitted: 0 }, slot.end);
      resources.push({ ...task, id: taskId, status: until.getTime() - slot.end.getTime() > 3 * 86_400_000 ? 'completed' : 'requested' } as Resource);
      return;
    }
    const mean = level + 1.4 * (1 - 0.6 ** k);
    const items = offsets.map((o) => (rand() < 0.04 ? undefined : Math.max(1, Math.min(10, Math.round(mean + o + (rand() - 0.5) * 2)))));
    const authored = DateTime.fromJSDate(at, { zone: ZONE });
    resources.push(
      selfManagementResponse(`${ids.serviceRequest}-${authored.toFormat('yyyyLLdd')}`, {
        patientId: ids.patient,
        episodeId: ids.episode,
        serviceRequestId: ids.serviceRequest,
        authored: authored.toISO({ suppressMilliseconds: true }) as string,
        answers: items,
      }),
    );
  });
  return { resources, claims };
}
