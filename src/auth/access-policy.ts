import type { AuthContext } from './context';
import { referenceId } from './context';

/**
 * Which data a caller reaches (README, "Access control and audit"), as data: the store turns it
 * into SQL, interactions into 404/403. Scopes (what interactions on which types) are checked
 * separately; this is about which patients' data, and which organization's records.
 */
export type AccessPolicy =
  /** KOLIBRI_AUTH=off on loopback: everything. */
  | { kind: 'unrestricted' }
  /** System client: the Patients it registered, and those the care model grants the organization (telemedicine: its episodes and teams). */
  | { kind: 'organization'; organizationId: string }
  /** Clinician: the patients the care model grants this care team (telemedicine: episodes whose team includes it). */
  | { kind: 'care-team'; careTeamId: string; organizationId: string }
  /** Citizen: their own Patient compartment only. */
  | { kind: 'patient'; patientId: string }
  /** The national operator's tools: definitional resources and the directory, no patient. */
  | { kind: 'operator'; organizationId: string }
  /** A token without the context its kind needs reaches no patient data. */
  | { kind: 'none' };

/**
 * Definitional resources: readable by every client, written only by the operator kind (they
 * change the behaviour for every tenant: a threshold in an ActivityDefinition triages every
 * municipality's citizens).
 */
export const DEFINITIONAL_TYPES: ReadonlySet<string> = new Set([
  'Questionnaire',
  'PlanDefinition',
  'ActivityDefinition',
  'ValueSet',
  'CodeSystem',
  'ConceptMap',
  'StructureDefinition',
  'StructureMap',
  'SearchParameter',
  'OperationDefinition',
  'CapabilityStatement',
  'CompartmentDefinition',
  'ImplementationGuide',
  'NamingSystem',
  'Library',
  'Measure',
  'ObservationDefinition',
  'SpecimenDefinition',
  'TerminologyCapabilities',
  'GraphDefinition',
  'MessageDefinition',
  'EventDefinition',
]);

/**
 * The directory: readable by every client so that care can be shared across organizations
 * (who is in a care team, which organization manages it). Each record still belongs to one
 * organization, which alone may change it. A CareTeam about one patient (in the patient's
 * compartment) is that patient's data instead.
 */
export const DIRECTORY_TYPES: ReadonlySet<string> = new Set(['Organization', 'CareTeam', 'Practitioner', 'PractitionerRole']);

/** Types every client may read unless they are in a patient's compartment. */
export function isShared(type: string): boolean {
  return DEFINITIONAL_TYPES.has(type) || DIRECTORY_TYPES.has(type);
}

/**
 * What a citizen's app may write, and only in the citizen's own compartment. A module's write
 * hooks may narrow a type further (an Appointment: only the citizen's own participant's answer).
 */
export const CITIZEN_WRITABLE: ReadonlySet<string> = new Set([
  'Appointment',
  'Observation',
  'QuestionnaireResponse',
  'Media',
  'Binary',
  'Communication',
  'DocumentReference',
  'Provenance',
  'Device',
]);

/** Written only by the server itself (the audit trail); read-only over the API. */
export const SERVER_WRITTEN_TYPES: ReadonlySet<string> = new Set(['AuditEvent']);

/**
 * Resources in no patient compartment whose access follows the patients of what they point at
 * (R4's Patient CompartmentDefinition leaves them out): a Binary with the image of a wound
 * (securityContext → the Media), a Provenance of an Observation, a citizen's own Device.
 * FHIRPath-free on purpose: the paths are top-level reference elements.
 */
export const INHERITED_ACCESS: Readonly<Record<string, readonly string[]>> = {
  Binary: ['securityContext'],
  Provenance: ['target'],
  Device: ['patient'],
};

export function accessPolicy(auth: AuthContext): AccessPolicy {
  const organizationId = auth.organization ? referenceId(auth.organization) : undefined;
  switch (auth.kind) {
    case 'development':
      return { kind: 'unrestricted' };
    case 'citizen':
      return auth.patient ? { kind: 'patient', patientId: referenceId(auth.patient) } : { kind: 'none' };
    case 'clinician':
      return auth.careTeam && organizationId ? { kind: 'care-team', careTeamId: referenceId(auth.careTeam), organizationId } : { kind: 'none' };
    case 'system':
      return organizationId ? { kind: 'organization', organizationId } : { kind: 'none' };
    case 'operator':
      return organizationId ? { kind: 'operator', organizationId } : { kind: 'none' };
    default:
      return { kind: 'none' };
  }
}

/** The organization whose records (owner) the policy's caller sees and writes; undefined for citizens. */
export function ownOrganization(policy: AccessPolicy): string | undefined {
  return policy.kind === 'organization' || policy.kind === 'care-team' || policy.kind === 'operator' ? policy.organizationId : undefined;
}

/** Staff (system and clinician clients) see their organization's records outside patient compartments. */
export function isStaff(policy: AccessPolicy): boolean {
  return policy.kind === 'organization' || policy.kind === 'care-team';
}
