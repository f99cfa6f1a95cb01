import type { Referencing, TargetWindow } from '../../store/aggregate/referencing-counts';
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

/** The windows whose submissions a slot counts: its ServiceRequest's, inside [start, end). */
export const slotWindows = (keys: readonly SlotKey[]): TargetWindow[] => keys.map((k) => ({ target: k.serviceRequestId, start: k.start, end: k.end }));
