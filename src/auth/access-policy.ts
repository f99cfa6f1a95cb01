import type { AuthContext } from './context';
import { referenceId } from './context';

/**
 * Which data a caller reaches (../shared/DOMAIN.md, "Access model"), as data: the store turns it
 * into SQL, interactions into 404/403. Scopes (what interactions on which types) are checked
 * separately; this is about which patients' data.
 */
export type AccessPolicy =
  /** KOLIBRI_AUTH=off on loopback: everything. */
  | { kind: 'unrestricted' }
  /** Staff: patients with an EpisodeOfCare managed by the organization or cared for by one of its teams. */
  | { kind: 'organization'; organizationId: string }
  /** Clinician: patients with an EpisodeOfCare whose team includes this care team. */
  | { kind: 'care-team'; careTeamId: string }
  /** Citizen: their own Patient compartment only. */
  | { kind: 'patient'; patientId: string }
  /** A token without the context its kind needs reaches no patient data. */
  | { kind: 'none' };

/**
 * Definitional and directory resources every authenticated client may read (writing them still
 * needs the scope): questionnaires, plan templates, terminology, profiles, organizations and
 * care teams.
 */
export const SHARED_TYPES: ReadonlySet<string> = new Set([
  'Questionnaire',
  'PlanDefinition',
  'ActivityDefinition',
  'ValueSet',
  'CodeSystem',
  'ConceptMap',
  'StructureDefinition',
  'SearchParameter',
  'OperationDefinition',
  'CapabilityStatement',
  'CompartmentDefinition',
  'NamingSystem',
  'Organization',
  'CareTeam',
]);

export function accessPolicy(auth: AuthContext): AccessPolicy {
  switch (auth.kind) {
    case 'development':
      return { kind: 'unrestricted' };
    case 'citizen':
      return auth.patient ? { kind: 'patient', patientId: referenceId(auth.patient) } : { kind: 'none' };
    case 'clinician':
      return auth.careTeam ? { kind: 'care-team', careTeamId: referenceId(auth.careTeam) } : { kind: 'none' };
    case 'system':
      return auth.organization ? { kind: 'organization', organizationId: referenceId(auth.organization) } : { kind: 'none' };
    default:
      return { kind: 'none' };
  }
}

/**
 * Resources in no patient's compartment and not shared (e.g. Practitioner, Location, a Device
 * not assigned to a patient) are organisational data: staff see them, citizens do not.
 */
export function seesUnassigned(policy: AccessPolicy): boolean {
  return policy.kind === 'unrestricted' || policy.kind === 'organization' || policy.kind === 'care-team';
}
