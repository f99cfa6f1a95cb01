import { createHash } from 'node:crypto';
import type { Task } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { ZONE, type Slot } from './slots';

export const TASK_CATEGORY_SYSTEM = 'https://kolibri.dk/fhir/CodeSystem/task-category';
export const EPISODE_EXTENSION = 'https://kolibri.dk/fhir/StructureDefinition/ext-episode-of-care';
/** Identifies the slot a missing-measurement Task was made for: `ServiceRequest/{id}|{slot start instant}`. */
export const SLOT_IDENTIFIER_SYSTEM = 'https://kolibri.dk/fhir/NamingSystem/scheduler-slot';

/** What a missing-measurement Task is about. */
export interface MissingSlot {
  serviceRequestId: string;
  patientId: string;
  episodeId: string;
  careTeamId: string;
  /** ServiceRequest.code's first coding, for the description. */
  code?: { system?: string; code?: string; display?: string };
  slot: Slot;
  submitted: number;
}

/** Deterministic Task id for a slot, so even a lost claim row could not yield a second Task. */
export function missingTaskId(serviceRequestId: string, slotStart: Date): string {
  const hash = createHash('sha256').update(`${serviceRequestId}|${slotStart.toISOString()}`).digest('hex');
  return `mm-${hash.slice(0, 40)}`;
}

/**
 * The "missing measurement" Task (kolibri-task profile): routine, for the episode's care team,
 * focus the ServiceRequest, the slot's window as executionPeriod (local time with offset).
 */
export function missingMeasurementTask(missing: MissingSlot, authoredOn: Date): Task {
  const local = (d: Date) => DateTime.fromJSDate(d, { zone: ZONE }).toISO({ suppressMilliseconds: true }) as string;
  const what = missing.code?.display ?? missing.code?.code ?? 'measurement';
  const window = `${DateTime.fromJSDate(missing.slot.start, { zone: ZONE }).toFormat('yyyy-LL-dd HH:mm')}–${DateTime.fromJSDate(missing.slot.end, { zone: ZONE }).toFormat('HH:mm')}`;
  const expected = missing.slot.expected;
  return {
    resourceType: 'Task',
    meta: { profile: ['https://kolibri.dk/fhir/StructureDefinition/kolibri-task'] },
    extension: [{ url: EPISODE_EXTENSION, valueReference: { reference: `EpisodeOfCare/${missing.episodeId}` } }],
    identifier: [{ system: SLOT_IDENTIFIER_SYSTEM, value: `ServiceRequest/${missing.serviceRequestId}|${missing.slot.start.toISOString()}` }],
    status: 'requested',
    intent: 'order',
    priority: 'routine',
    code: { coding: [{ system: TASK_CATEGORY_SYSTEM, code: 'missing-measurement', display: 'Missing measurement' }] },
    description: `Missing measurement: ${what}, expected ${expected} in ${window} (Europe/Copenhagen), received ${missing.submitted}`,
    focus: { reference: `ServiceRequest/${missing.serviceRequestId}` },
    for: { reference: `Patient/${missing.patientId}` },
    authoredOn: authoredOn.toISOString(),
    executionPeriod: { start: local(missing.slot.start), end: local(missing.slot.end) },
    owner: { reference: `CareTeam/${missing.careTeamId}` },
  };
}
