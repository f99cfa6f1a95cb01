import type { ClientKind } from './context';
import type { TokenContext } from './token-context';

/**
 * The shape of the Danish national infrastructure's (FUT) access tokens: a `user_type` of
 * PATIENT, PRACTITIONER or SYSTEM, and a `context` object whose members are absolute URLs of
 * the chosen organization, care team, patient and episode of care. Kolibri's own tokens carry
 * these next to their SMART claims, and the external-issuer mapping reads them.
 */
export const FUT_CONTEXT_MEMBERS = {
  organization_id: 'Organization',
  care_team_id: 'CareTeam',
  patient_id: 'Patient',
  episode_of_care_id: 'EpisodeOfCare',
} as const;

export type FutContextMember = keyof typeof FUT_CONTEXT_MEMBERS;

/** FUT's user types and the client kind each stands for. */
export const FUT_USER_TYPES: Readonly<Record<string, ClientKind>> = Object.freeze({
  PATIENT: 'citizen',
  PRACTITIONER: 'clinician',
  SYSTEM: 'system',
});

/** The user type of a client kind (an operator tool is a SYSTEM user). */
export function futUserType(kind: ClientKind): string {
  return kind === 'citizen' ? 'PATIENT' : kind === 'clinician' ? 'PRACTITIONER' : 'SYSTEM';
}

/** The `context` claim for a token's organization and context: absolute URLs on `baseUrl`. */
export function futContextClaim(baseUrl: string, organization: string | undefined, context: TokenContext): Record<string, string> {
  const refs: Record<FutContextMember, string | undefined> = {
    organization_id: organization,
    care_team_id: context.careTeam,
    patient_id: context.patient,
    episode_of_care_id: context.episodeOfCare,
  };
  const claim: Record<string, string> = {};
  for (const [member, ref] of Object.entries(refs)) if (ref) claim[member] = `${baseUrl}/${ref}`;
  return claim;
}
