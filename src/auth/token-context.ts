import type { JWTPayload } from 'jose';
import type { Client } from './client-registration';
import { CONTEXT_CLAIMS, CONTEXT_TYPES, isReferenceTo, referenceId, type ContextField } from './context';
import { OAuthError } from './oauth-error';

/** Read the current, not deleted, version of a resource (undefined when absent or deleted). */
export type ResourceLookup = (resourceType: string, id: string) => Promise<Record<string, unknown> | undefined>;

export type TokenContext = Partial<Record<ContextField, string>>;

/** Whether a care team reaches a patient (an episode of the patient has the team in its team). */
export type CareTeamReach = (careTeamId: string, patientId: string) => Promise<boolean>;

/** Which context each kind must, may and must not assert. */
const RULES: Record<Client['kind'], { required: ContextField[]; allowed: ContextField[] }> = {
  system: { required: [], allowed: [] },
  operator: { required: [], allowed: [] },
  clinician: { required: ['practitioner'], allowed: ['practitioner', 'careTeam', 'episodeOfCare', 'patient'] },
  citizen: { required: ['patient'], allowed: ['patient', 'episodeOfCare'] },
};

const refs = (value: unknown): string[] =>
  (Array.isArray(value) ? value : value ? [value] : []).map((r) => (r as { reference?: string })?.reference).filter((r): r is string => !!r);

/**
 * The context a client asserts in its (signed) client assertion — claims `practitioner`,
 * `care_team`, `episode_of_care`, `patient`, each a 'Type/id' reference — checked against the
 * client's kind, its registration (a citizen client's patient is the registered one) and the
 * data: every named resource must exist and not be deleted; the care team must be managed by
 * the client's organization and have the practitioner as a participant; an episode must be the
 * patient's and (for clinicians) have the care team in its team. Failures are `invalid_grant`.
 */
export async function resolveContext(client: Client, claims: JWTPayload, lookup: ResourceLookup, careTeamReaches?: CareTeamReach): Promise<TokenContext> {
  const context: TokenContext = {};
  const rule = RULES[client.kind];
  for (const [field, claim] of Object.entries(CONTEXT_CLAIMS) as Array<[ContextField, string]>) {
    const value = claims[claim];
    if (value === undefined) continue;
    if (!isReferenceTo(value, CONTEXT_TYPES[field])) {
      throw new OAuthError('invalid_request', `${claim} must be a reference ${CONTEXT_TYPES[field]}/<id>`);
    }
    if (!rule.allowed.includes(field)) throw new OAuthError('invalid_grant', `a ${client.kind} client cannot assert ${claim}`);
    context[field] = value;
  }
  if (client.kind === 'citizen') bindPatient(client, context);
  const missing = rule.required.filter((f) => !context[f]);
  if (missing.length) {
    throw new OAuthError('invalid_grant', `a ${client.kind} client must assert ${missing.map((f) => CONTEXT_CLAIMS[f]).join(' and ')}`);
  }
  await checkAgainstData(client, context, lookup, careTeamReaches);
  return context;
}

/**
 * A citizen client acts for the patient it was registered for, whatever its assertion says:
 * the context patient is the registered one, an assertion naming another is refused. (The
 * external issuer binds its citizens through its own identity claim; see external-issuer.ts.)
 */
function bindPatient(client: Client, context: TokenContext): void {
  if (!client.patient) throw new OAuthError('invalid_grant', 'the citizen client is bound to no patient; it must be registered again with its patient');
  if (context.patient !== undefined && context.patient !== client.patient) {
    throw new OAuthError('invalid_grant', 'the client_assertion names a patient the client is not registered for');
  }
  context.patient = client.patient;
}

async function checkAgainstData(client: Client, context: TokenContext, lookup: ResourceLookup, careTeamReaches?: CareTeamReach): Promise<void> {
  const find = (reference: string) => lookup(reference.slice(0, reference.indexOf('/')), referenceId(reference));
  const read = async (reference: string) => {
    const found = await find(reference);
    if (!found) throw new OAuthError('invalid_grant', `${reference} does not exist`);
    return found;
  };
  // Patients and episodes are patient data: one that does not exist and one outside the client's
  // reach are refused alike, so the token endpoint tells nobody which ids exist.
  const outOfReach = (reference: string) => new OAuthError('invalid_grant', `${reference} is not within the client's care relationships`);
  // a clinician reaches patients only through a care team: without one, no patient or episode
  if (client.kind === 'clinician' && !context.careTeam) {
    const named = context.episodeOfCare ?? context.patient;
    if (named) throw outOfReach(named);
  }
  if (context.practitioner) await read(context.practitioner);
  if (context.patient && client.kind === 'clinician') {
    const reached = (await find(context.patient)) && careTeamReaches && context.careTeam && (await careTeamReaches(referenceId(context.careTeam), referenceId(context.patient)));
    if (!reached) throw outOfReach(context.patient);
  } else if (context.patient) await read(context.patient);
  if (context.careTeam) {
    const team = await read(context.careTeam);
    if (['inactive', 'entered-in-error'].includes(team.status as string)) throw new OAuthError('invalid_grant', `${context.careTeam} is not active`);
    if (!refs(team.managingOrganization).includes(client.organization)) {
      throw new OAuthError('invalid_grant', `${context.careTeam} is not managed by the client's organization`);
    }
    const members = Array.isArray(team.participant) ? team.participant.flatMap((p: { member?: unknown }) => refs(p.member)) : [];
    if (context.practitioner && !members.includes(context.practitioner)) {
      throw new OAuthError('invalid_grant', `${context.practitioner} is not a participant of ${context.careTeam}`);
    }
  }
  if (context.episodeOfCare) {
    const episode = await find(context.episodeOfCare);
    if (!episode) throw outOfReach(context.episodeOfCare);
    const patient = refs(episode.patient)[0];
    if (context.patient && patient !== context.patient) throw outOfReach(context.episodeOfCare);
    if (context.careTeam && !refs(episode.team).includes(context.careTeam)) throw outOfReach(context.episodeOfCare);
    if (!context.patient && isReferenceTo(patient, 'Patient')) context.patient = patient;
  }
}

/** A ResourceLookup over anything with the resource store's `read` (current version or tombstone). */
export function lookupFrom(store: {
  read(resourceType: string, id: string): Promise<{ deleted: boolean; json: string | null } | undefined>;
}): ResourceLookup {
  return async (resourceType, id) => {
    const found = await store.read(resourceType, id);
    return found && !found.deleted && found.json ? (JSON.parse(found.json) as Record<string, unknown>) : undefined;
  };
}
