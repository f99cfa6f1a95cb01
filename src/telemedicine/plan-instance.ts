import type { ActivityDefinition, CarePlan, PlanDefinition, ServiceRequest } from '@medplum/fhirtypes';
import { THRESHOLDS_EXTENSION } from './triage/thresholds';
import { EPISODE_EXTENSION } from './triage/triage-result';

const BASE = 'https://kolibri.dk/fhir';

export interface PlanSubject {
  patientId: string;
  episodeId: string;
  careTeamId?: string;
  /** First day of the plan (YYYY-MM-DD): the regimes' Timing bounds start. */
  start: string;
}

/**
 * A PlanDefinition applied to a patient, pure: one ServiceRequest per ActivityDefinition (code,
 * occurrenceTiming with bounds from `start`, the template's thresholds copied — the patient's own
 * copy, which the care team may change by updating the ServiceRequest) and the CarePlan listing
 * them. `reference(i)` names the i-th ServiceRequest (`#sr-0` in a preview, `urn:uuid:…` when
 * persisted).
 */
export function instantiatePlan(
  plan: PlanDefinition,
  activities: readonly ActivityDefinition[],
  subject: PlanSubject,
  reference: (index: number) => string,
): { carePlan: CarePlan; serviceRequests: ServiceRequest[] } {
  const episode = { url: EPISODE_EXTENSION, valueReference: { reference: `EpisodeOfCare/${subject.episodeId}` } };
  const serviceRequests = activities.map((ad): ServiceRequest => {
    const repeat = { ...(ad.timingTiming?.repeat ?? {}), boundsPeriod: { start: subject.start } };
    delete (repeat as { boundsDuration?: unknown }).boundsDuration;
    return {
      resourceType: 'ServiceRequest',
      meta: { profile: [`${BASE}/StructureDefinition/kolibri-servicerequest`] },
      extension: [episode, ...(ad.extension ?? []).filter((e) => e.url === THRESHOLDS_EXTENSION)],
      instantiatesCanonical: [canonical(ad)],
      status: 'active',
      intent: 'order',
      code: ad.code,
      subject: { reference: `Patient/${subject.patientId}` },
      occurrenceTiming: { ...ad.timingTiming, repeat },
      ...(ad.description ? { patientInstruction: ad.description } : {}),
    };
  });
  const carePlan: CarePlan = {
    resourceType: 'CarePlan',
    meta: { profile: [`${BASE}/StructureDefinition/kolibri-careplan`] },
    extension: [episode],
    instantiatesCanonical: [canonical(plan)],
    status: 'active',
    intent: 'plan',
    ...(plan.title ? { title: plan.title } : {}),
    subject: { reference: `Patient/${subject.patientId}` },
    period: { start: subject.start },
    ...(subject.careTeamId ? { careTeam: [{ reference: `CareTeam/${subject.careTeamId}` }] } : {}),
    activity: serviceRequests.map((_sr, i) => ({ reference: { reference: reference(i) } })),
  };
  return { carePlan, serviceRequests };
}

function canonical(r: { url?: string; version?: string }): string {
  return r.version ? `${r.url}|${r.version}` : (r.url as string);
}
