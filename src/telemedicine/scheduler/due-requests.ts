import { EPISODE_EXTENSION } from './missing-task';
import type { RequestPlan as StoredPlan } from '../../store/schedule/request-plans';
import { slotsClosedBetween, type TimingRepeat } from './slots';

/**
 * What the scheduler keeps of each active ServiceRequest (the store's request plans,
 * store/schedule/request-plans.ts): the little a run needs (its plan) and when its next slot
 * closes. A run reads the JSON only of ServiceRequests that are new or changed since, and
 * decides only those due.
 */

/** How far ahead the next slot is looked for; a plan without one is looked at again then. */
const HORIZON_MS = 35 * 86_400_000;

/** What the scheduler needs of a ServiceRequest. */
export interface RequestPlan {
  patientId?: string;
  episodeId?: string;
  code?: { system?: string; code?: string; display?: string };
  repeat?: TimingRepeat;
}

export type DueRequest = StoredPlan<RequestPlan>;

export interface ServiceRequestLike {
  subject?: { reference?: string };
  code?: { coding?: Array<{ system?: string; code?: string; display?: string }> };
  extension?: Array<{ url: string; valueReference?: { reference?: string } }>;
  occurrenceTiming?: { repeat?: TimingRepeat };
}

/** The id of a `Type/id` reference to `type`. */
export const refId = (ref: string | undefined, type: string) => (ref?.startsWith(`${type}/`) ? ref.slice(type.length + 1) : undefined);

/** The plan of a ServiceRequest's JSON. */
export function planOf(sr: ServiceRequestLike): RequestPlan {
  return {
    patientId: refId(sr.subject?.reference, 'Patient'),
    episodeId: refId(sr.extension?.find((e) => e.url === EPISODE_EXTENSION)?.valueReference?.reference, 'EpisodeOfCare'),
    code: sr.code?.coding?.[0],
    repeat: sr.occurrenceTiming?.repeat,
  };
}

/**
 * When the first slot closing after `after` closes: within the horizon, else the horizon's end
 * (looked at again then); null without a timing.
 */
export function nextClose(repeat: TimingRepeat | undefined, after: Date): Date | null {
  if (!repeat) return null;
  const until = new Date(after.getTime() + HORIZON_MS);
  const ends = slotsClosedBetween(repeat, after, until).map((s) => s.end.getTime());
  return new Date(ends.length ? Math.min(...ends) : until.getTime());
}
