import type { CarePlan, CareTeam, Condition, EpisodeOfCare, Observation, Organization, Patient, QuestionnaireResponse, ServiceRequest, Task, Timing } from '@medplum/fhirtypes';
import { SEMCD6_QUESTIONNAIRE } from '../reports/self-management';
import { EPISODE_EXTENSION, TASK_CATEGORY_SYSTEM } from '../scheduler/missing-task';
import type { TimingRepeat } from '../scheduler/slots';

/**
 * Builders for the Kolibri-profiled resources of an enrolment (fhir-profiles/profile-*.json):
 * organizations with Danish codes, care team, patient with CPR, a condition of one of the patient
 * groups, episode, care plan, measurement ServiceRequests with thresholds, Observations, the
 * self-management questionnaire's ServiceRequest and answers. Used by the
 * demo cohort and by tests; every result conforms to its profile.
 */

const BASE = 'https://kolibri.dk/fhir';
const profile = (name: string) => ({ profile: [`${BASE}/StructureDefinition/${name}`] });
export const SYSTEMS = {
  cpr: 'urn:oid:1.2.208.176.1.2',
  sor: 'urn:oid:1.2.208.176.1.1',
  municipality: 'http://hl7.dk/fhir/core/CodeSystem/dk-core-municipality-codes',
  region: 'urn:iso:std:iso:3166:-2',
  npu: 'urn:oid:1.2.208.176.2.1',
  sks: 'urn:oid:1.2.208.176.2.4',
  thresholdType: 'urn:oid:1.2.208.184.100.1',
  ucum: 'http://unitsofmeasure.org',
} as const;

export const DIAGNOSES = {
  DJ44: 'Kronisk obstruktiv lungesygdom (KOL)',
  DI50: 'Hjertesvigt',
  DE11: 'Type 2-diabetes',
  DO14: 'Præeklampsi',
  DK50: 'Crohns sygdom',
  DK51: 'Colitis ulcerosa',
  DL97: 'Sår på underekstremitet, ikke klassificeret andetsteds',
} as const;
export type Diagnosis = keyof typeof DIAGNOSES;

/** The patient group's PlanDefinition (fhir-profiles/groups/) of each diagnosis. */
export const PLANS: Record<Diagnosis, string> = {
  DJ44: 'kol-home-monitoring',
  DI50: 'hjertesvigt-home-monitoring',
  DE11: 'diabetes-home-monitoring',
  DO14: 'pregnancy-home-monitoring',
  DK50: 'ibd-home-monitoring',
  DK51: 'ibd-home-monitoring',
  DL97: 'wound-home-monitoring',
};

/** A measurement regime: code, UCUM unit and thresholds (RAL red, GAL yellow; low/high bounds). */
export interface Measurement {
  code: string;
  display: string;
  unit: string;
  thresholds: Array<{ type: 'RAL' | 'GAL'; low?: number; high?: number }>;
}

/** The COPD plan's measurement times (Mon/Wed/Fri 08:00, a 4-hour window), without bounds; the plan template says the same. */
export const MON_WED_FRI_0800_4H: TimingRepeat = { frequency: 1, period: 1, periodUnit: 'wk', dayOfWeek: ['mon', 'wed', 'fri'], timeOfDay: ['08:00:00'], duration: 4, durationUnit: 'h' };

export const MEASUREMENTS = {
  spo2: { code: 'NPU03011', display: 'Iltmætning (SpO2)', unit: '%', thresholds: [{ type: 'RAL', low: 85 }, { type: 'GAL', low: 88 }] },
  pulse: { code: 'NPU21692', display: 'Puls', unit: '/min', thresholds: [{ type: 'RAL', low: 50, high: 130 }, { type: 'GAL', low: 60, high: 110 }] },
  weight: { code: 'NPU03804', display: 'Vægt', unit: 'kg', thresholds: [] },
  glucose: { code: 'NPU22089', display: 'Blodsukker', unit: 'mmol/L', thresholds: [{ type: 'RAL', low: 2.9, high: 20 }, { type: 'GAL', low: 3.8, high: 15 }] },
  urineProtein: { code: 'NPU04206', display: 'Protein i urin (stiks)', unit: '{grade}', thresholds: [{ type: 'RAL', high: 2 }, { type: 'GAL', high: 1 }] },
} satisfies Record<string, Measurement>;

export function regionOrganization(id: string, code: string, name: string): Organization {
  return { resourceType: 'Organization', id, meta: profile('kolibri-organization'), identifier: [{ system: SYSTEMS.region, value: code }], name };
}

/** A municipality, partOf its region's Organization. */
export function municipalityOrganization(id: string, code: string, name: string, regionOrgId: string): Organization {
  return {
    resourceType: 'Organization',
    id,
    meta: profile('kolibri-organization'),
    identifier: [{ system: SYSTEMS.municipality, value: code }],
    name,
    partOf: { reference: `Organization/${regionOrgId}` },
  };
}

export function careTeam(id: string, name: string, organizationId: string): CareTeam {
  return { resourceType: 'CareTeam', id, meta: profile('kolibri-careteam'), status: 'active', name, managingOrganization: [{ reference: `Organization/${organizationId}` }] };
}

export function patient(id: string, cpr: string, family: string, given: string, gender: 'male' | 'female', birthDate: string): Patient {
  return { resourceType: 'Patient', id, meta: profile('kolibri-patient'), identifier: [{ system: SYSTEMS.cpr, value: cpr }], name: [{ family, given: [given] }], gender, birthDate };
}

export function condition(id: string, patientId: string, diagnosis: Diagnosis): Condition {
  return {
    resourceType: 'Condition',
    id,
    meta: profile('kolibri-condition'),
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    code: { coding: [{ system: SYSTEMS.sks, code: diagnosis, display: DIAGNOSES[diagnosis] }] },
    subject: { reference: `Patient/${patientId}` },
  };
}

export interface EpisodeParts {
  id: string;
  patientId: string;
  conditionId: string;
  organizationId: string;
  careTeamId: string;
  start: string;
  end?: string;
  status?: EpisodeOfCare['status'];
}

export function episodeOfCare(p: EpisodeParts): EpisodeOfCare {
  return {
    resourceType: 'EpisodeOfCare',
    id: p.id,
    meta: profile('kolibri-episodeofcare'),
    status: p.status ?? 'active',
    diagnosis: [{ condition: { reference: `Condition/${p.conditionId}` } }],
    patient: { reference: `Patient/${p.patientId}` },
    managingOrganization: { reference: `Organization/${p.organizationId}` },
    period: { start: p.start, ...(p.end ? { end: p.end } : {}) },
    team: [{ reference: `CareTeam/${p.careTeamId}` }],
  };
}

const episodeExtension = (episodeId: string) => ({ url: EPISODE_EXTENSION, valueReference: { reference: `EpisodeOfCare/${episodeId}` } });

export function carePlan(id: string, patientId: string, episodeId: string, diagnosis: Diagnosis, start: string, serviceRequestIds: string[]): CarePlan {
  return {
    resourceType: 'CarePlan',
    id,
    meta: profile('kolibri-careplan'),
    extension: [episodeExtension(episodeId)],
    instantiatesCanonical: [`${BASE}/PlanDefinition/${PLANS[diagnosis]}|1.0`],
    status: 'active',
    intent: 'plan',
    subject: { reference: `Patient/${patientId}` },
    period: { start },
    activity: serviceRequestIds.map((sr) => ({ reference: { reference: `ServiceRequest/${sr}` } })),
  };
}

export function serviceRequest(id: string, patientId: string, episodeId: string, m: Measurement, repeat: TimingRepeat): ServiceRequest {
  const quantity = (value: number) => ({ value, unit: m.unit, system: SYSTEMS.ucum, code: m.unit });
  const thresholds = m.thresholds.map((t) => ({
    url: `${BASE}/StructureDefinition/ext-thresholds`,
    extension: [
      { url: 'type', valueCoding: { system: SYSTEMS.thresholdType, code: t.type } },
      ...(t.low !== undefined ? [{ url: 'low', valueQuantity: quantity(t.low) }] : []),
      ...(t.high !== undefined ? [{ url: 'high', valueQuantity: quantity(t.high) }] : []),
    ],
  }));
  return {
    resourceType: 'ServiceRequest',
    id,
    meta: profile('kolibri-servicerequest'),
    extension: [episodeExtension(episodeId), ...thresholds],
    status: 'active',
    intent: 'order',
    code: { coding: [{ system: SYSTEMS.npu, code: m.code, display: m.display }] },
    subject: { reference: `Patient/${patientId}` },
    occurrenceTiming: { repeat: repeat as Timing['repeat'] },
  };
}

export function observation(id: string, patientId: string, episodeId: string, serviceRequestId: string, m: Measurement, value: number, effective: string): Observation {
  return {
    resourceType: 'Observation',
    id,
    meta: profile('kolibri-observation'),
    extension: [episodeExtension(episodeId)],
    basedOn: [{ reference: `ServiceRequest/${serviceRequestId}` }],
    status: 'final',
    code: { coding: [{ system: SYSTEMS.npu, code: m.code, display: m.display }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: effective,
    valueQuantity: { value, unit: m.unit, system: SYSTEMS.ucum, code: m.unit },
  };
}

/** The self-management questionnaire's regime (fhir-profiles/templates/activitydefinition-self-management.json): at enrolment and every 3 months, a 14-day window. */
export const SELF_MANAGEMENT_TIMING: TimingRepeat = { frequency: 1, period: 3, periodUnit: 'mo', timeOfDay: ['08:00:00'], duration: 14, durationUnit: 'd' };
export const SELF_MANAGEMENT_CODE = { system: `${BASE}/CodeSystem/self-reported-measure`, code: 'semcd-6', display: 'Self-efficacy for managing chronic disease, 6 items' };

/** The self-management questionnaire's ServiceRequest of an episode, from `start` (YYYY-MM-DD). */
export function selfManagementRequest(id: string, patientId: string, episodeId: string, start: string): ServiceRequest {
  return {
    resourceType: 'ServiceRequest',
    id,
    meta: profile('kolibri-servicerequest'),
    extension: [episodeExtension(episodeId)],
    instantiatesCanonical: [`${BASE}/ActivityDefinition/self-management|1.0`],
    status: 'active',
    intent: 'order',
    code: { coding: [SELF_MANAGEMENT_CODE] },
    subject: { reference: `Patient/${patientId}` },
    occurrenceTiming: { repeat: { ...SELF_MANAGEMENT_TIMING, boundsPeriod: { start } } as Timing['repeat'] },
  };
}

/** A citizen's SEMCD-6 answers (items semcd-1…6, each 1–10; `undefined` = not answered). */
export function selfManagementResponse(
  id: string,
  r: { patientId: string; episodeId: string; serviceRequestId: string; authored: string; answers: Array<number | undefined>; status?: QuestionnaireResponse['status']; questionnaire?: string },
): QuestionnaireResponse {
  return {
    resourceType: 'QuestionnaireResponse',
    id,
    meta: profile('kolibri-questionnaireresponse'),
    extension: [episodeExtension(r.episodeId)],
    basedOn: [{ reference: `ServiceRequest/${r.serviceRequestId}` }],
    questionnaire: r.questionnaire ?? `${SEMCD6_QUESTIONNAIRE}|1.0`,
    status: r.status ?? 'completed',
    subject: { reference: `Patient/${r.patientId}` },
    authored: r.authored,
    source: { reference: `Patient/${r.patientId}` },
    item: r.answers.flatMap((value, i) => (value === undefined ? [] : [{ linkId: `semcd-${i + 1}`, answer: [{ valueInteger: value }] }])),
  };
}

/** A "measurement for assessment" Task for an Observation (what triage makes), open or done. */
export function assessmentTask(id: string, o: { patientId: string; episodeId: string; careTeamId: string; observationId: string; priority: 'asap' | 'urgent' | 'routine'; authoredOn: string; done: boolean }): Task {
  return {
    resourceType: 'Task',
    id,
    meta: profile('kolibri-task'),
    extension: [episodeExtension(o.episodeId)],
    status: o.done ? 'completed' : 'requested',
    intent: 'order',
    priority: o.priority,
    code: { coding: [{ system: TASK_CATEGORY_SYSTEM, code: 'measurement-for-assessment', display: 'Measurement for assessment' }] },
    focus: { reference: `Observation/${o.observationId}` },
    for: { reference: `Patient/${o.patientId}` },
    authoredOn: o.authoredOn,
    owner: { reference: `CareTeam/${o.careTeamId}` },
  };
}
