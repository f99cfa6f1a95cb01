import type { Appointment, AppointmentParticipant } from '@medplum/fhirtypes';
import { forbidden, unprocessable } from '../fhir/outcome';
import type { WriteHook } from '../interactions/write-hooks';
import { previousVersion } from './server-writes';

/** Where the video consultation takes place (kolibri-appointment): a URL the participants open. */
export const VIDEO_LINK_EXTENSION = 'https://kolibri.dk/fhir/StructureDefinition/ext-video-link';

type Status = Appointment['status'];

/** The statuses an appointment may be created in. */
const INITIAL: ReadonlySet<Status> = new Set<Status>(['proposed', 'pending', 'booked', 'waitlist']);

/**
 * The status workflow of a consultation (R4 appointmentstatus): proposed → (pending →) booked →
 * arrived (→ checked-in) → fulfilled; cancelled before it took place; noshow once booked. Fulfilled,
 * cancelled, noshow and entered-in-error are final; any status may become entered-in-error.
 */
const NEXT: Readonly<Record<Status, readonly Status[]>> = {
  proposed: ['pending', 'booked', 'waitlist', 'cancelled'],
  pending: ['booked', 'waitlist', 'cancelled'],
  waitlist: ['proposed', 'pending', 'booked', 'cancelled'],
  booked: ['arrived', 'checked-in', 'cancelled', 'noshow'],
  arrived: ['checked-in', 'fulfilled'],
  'checked-in': ['fulfilled'],
  fulfilled: [],
  cancelled: [],
  noshow: [],
  'entered-in-error': [],
};

const refuse = (diagnostics: string, expression = 'Appointment.status') => unprocessable([{ severity: 'error', code: 'business-rule', diagnostics, expression: [expression] }]);

/** Whether an appointment may go from one status to another (staying put is always allowed). */
export function allowedTransition(from: Status, to: Status): boolean {
  return from === to || to === 'entered-in-error' || (NEXT[from] ?? []).includes(to);
}

/**
 * Video consultations, as a write hook: every write of an Appointment (any path: PUT, PATCH,
 * conditional, transaction entries) follows the status workflow (422 otherwise), and a citizen's
 * app changes only its own participant's `status` (accepted, declined, tentative) of an existing
 * appointment: it neither books, moves nor deletes one (403). Staff reaching the patient book and
 * run appointments; what each side sees is the access model's (a citizen its own compartment, a
 * clinician the patients of its care team's episodes).
 */
export const appointmentRules: WriteHook = async ({ tx, deps, changes }) => {
  const auth = deps.access.auth;
  for (const change of changes) {
    if (change.resourceType !== 'Appointment') continue;
    const citizen = auth.kind === 'citizen' ? auth.patient : undefined;
    if (change.json === null) {
      if (citizen) throw forbidden("A citizen's app may not delete an appointment; decline it (participant status)");
      continue;
    }
    const after = JSON.parse(change.json) as Appointment;
    const before = change.action === 'update' ? await previousVersion<Appointment>(tx, 'Appointment', change.id, change.versionId) : undefined;
    if (!before) {
      if (citizen) throw forbidden("A citizen's app may not book an appointment; the care team proposes one");
      if (!INITIAL.has(after.status)) throw refuse(`A new appointment starts as ${[...INITIAL].join(', ')}, not ${after.status}`);
      continue;
    }
    if (!allowedTransition(before.status, after.status)) {
      const next = [...(NEXT[before.status] ?? []), 'entered-in-error'].join(', ');
      throw refuse(`An appointment cannot go from ${before.status} to ${after.status}; from ${before.status} it may become ${next}`);
    }
    if (citizen && !onlyOwnAnswer(before, after, citizen)) {
      throw forbidden(`A citizen's app may only accept or decline its own participation (Appointment.participant.status of ${citizen})`);
    }
  }
};

/** Only Appointment writes: every other write may be made without a transaction around it. */
appointmentRules.watches = (change) => change.resourceType === 'Appointment';

/** Whether `after` differs from `before` in nothing but the citizen's own participant status. */
function onlyOwnAnswer(before: Appointment, after: Appointment, patient: string): boolean {
  const neutral = (a: Appointment) =>
    JSON.stringify({
      ...a,
      meta: undefined,
      text: undefined,
      participant: a.participant?.map((p: AppointmentParticipant) => (p.actor?.reference === patient ? { ...p, status: undefined } : p)),
    });
  return neutral(before) === neutral(after);
}
