import { parseScopes, type Scope } from './scopes';

/**
 * What a registered client is: a backend system of an organization, a clinician app, a citizen
 * app, or an operator tool (the national operator: writes definitional resources such as
 * Questionnaires, plan templates and terminology, and the Organization directory; reaches no
 * patient data).
 */
export type ClientKind = 'system' | 'clinician' | 'citizen' | 'operator';

/** Every client kind, once: registration, the external issuer's kind claim and our own tokens check against it. */
export const CLIENT_KINDS: readonly ClientKind[] = Object.freeze(['system', 'clinician', 'citizen', 'operator']);

/** True when `value` names a client kind. */
export function isClientKind(value: unknown): value is ClientKind {
  return CLIENT_KINDS.includes(value as ClientKind);
}

/**
 * Who is calling and on whose behalf: the result of checking a bearer token, set on every
 * guarded request (`request.auth`) and passed to interactions. The access model (which patients
 * a caller reaches) and AuditEvents are built from these fields.
 *
 * - `system`: a backend service acting within `organization`.
 * - `clinician`: `practitioner` working in `careTeam` (and optionally one `episodeOfCare`/`patient`).
 * - `citizen`: `patient` only.
 * - `operator`: definitional resources and the Organization directory; no patient data.
 * - `development`: KOLIBRI_AUTH=off on loopback; full system access, no organization.
 */
export interface AuthContext {
  clientId: string;
  kind: ClientKind | 'development';
  /** 'Organization/<id>' (municipality or region) the client belongs to. */
  organization?: string;
  /** Granted scopes, parsed. */
  scopes: Scope[];
  /** Context references, each 'Type/<id>'. */
  careTeam?: string;
  episodeOfCare?: string;
  patient?: string;
  practitioner?: string;
  /** `jti` of the access token (for AuditEvent and introspection correlation). */
  tokenId?: string;
  /** Who issued the token: this server, or the configured external issuer's `iss`. */
  issuer?: string;
}

/** The context every request gets when KOLIBRI_AUTH=off: full system access, loopback only. */
export const DEVELOPMENT_CONTEXT: AuthContext = Object.freeze({
  clientId: 'development',
  kind: 'development',
  scopes: parseScopes('system/*.cruds').scopes,
});

/** Context fields and the JWT claims that carry them (access tokens and client assertions). */
export const CONTEXT_CLAIMS = {
  careTeam: 'care_team',
  episodeOfCare: 'episode_of_care',
  patient: 'patient',
  practitioner: 'practitioner',
} as const;

export type ContextField = keyof typeof CONTEXT_CLAIMS;

/** The FHIR resource type each context reference must name. */
export const CONTEXT_TYPES: Record<ContextField, string> = {
  careTeam: 'CareTeam',
  episodeOfCare: 'EpisodeOfCare',
  patient: 'Patient',
  practitioner: 'Practitioner',
};

const REFERENCE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9.-]{1,64})$/;

/** True when `value` is a relative reference 'Type/id' to the given type. */
export function isReferenceTo(value: unknown, type: string): value is string {
  if (typeof value !== 'string') return false;
  const m = REFERENCE.exec(value);
  return m !== null && m[1] === type;
}

/** The id part of a 'Type/id' reference. */
export function referenceId(reference: string): string {
  return reference.slice(reference.indexOf('/') + 1);
}
