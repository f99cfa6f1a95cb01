import { countInWindows, type Referencing } from '../../store/aggregate/referencing-counts';
import type { Db } from '../../store/db';
import type { SlotKey } from '../../store/schedule/slot-decisions';

/**
 * Submissions: Observations and QuestionnaireResponses basedOn a ServiceRequest, placed by when
 * they were measured (effective) or answered (authored); entered-in-error ones do not count.
 */
export const SUBMISSIONS: Referencing = {
  sources: [
    { type: 'Observation', reference: 'based-on', date: 'date' },
    { type: 'QuestionnaireResponse', reference: 'based-on', date: 'authored' },
  ],
  targetType: 'ServiceRequest',
  exclude: { token: 'status', value: 'entered-in-error' },
};

/** How many submissions each slot's ServiceRequest got inside its window [start, end). In the order of `keys`. */
export function submissionCounts(db: Db, keys: readonly SlotKey[]): Promise<number[]> {
  return countInWindows(
    db,
    SUBMISSIONS,
    keys.map((k) => ({ target: k.serviceRequestId, start: k.start, end: k.end })),
  );
}
