import type { JSONWebKeySet } from 'jose';
import { CLIENT_KINDS, isClientKind, isReferenceTo, type ClientKind } from './context';
import { parseScopes, type ScopeContext } from './scopes';

/** A registered OAuth client (SMART Backend Services, private_key_jwt). */
export interface Client {
  clientId: string;
  name?: string;
  kind: ClientKind;
  /** 'Organization/<id>' — the municipality or region the client acts for. */
  organization: string;
  /**
   * 'Patient/<id>' whose app a citizen client is: every token of the client is for this patient
   * (required for citizen clients, absent for the other kinds).
   */
  patient?: string;
  /** Scopes the client may be granted (requested ∩ these). */
  scopes: string[];
  /** Inline public keys, or … */
  jwks?: JSONWebKeySet;
  /** … a URL the public keys are fetched from (cached). */
  jwksUri?: string;
  status: 'active' | 'revoked';
  createdAt: string;
  revokedAt?: string;
}

export type NewClient = Pick<Client, 'clientId' | 'name' | 'kind' | 'organization' | 'patient' | 'scopes' | 'jwks' | 'jwksUri'>;

/** Which scope contexts each kind of client may hold. */
const CONTEXTS: Record<ClientKind, ScopeContext[]> = {
  system: ['system'],
  operator: ['system'],
  clinician: ['user', 'patient'],
  citizen: ['patient'],
};

const CLIENT_ID = /^[A-Za-z0-9._~-]{1,128}$/;
const ORGANIZATION = /^Organization\/[A-Za-z0-9.-]{1,64}$/;
const ASYMMETRIC_KTY = ['RSA', 'EC'];

/**
 * Check a registration (from the admin API or the CLI) and return it normalized, or the list
 * of problems. Keys must be public asymmetric keys: a symmetric (`oct`) or private key is refused.
 */
export function checkRegistration(input: unknown): { client?: NewClient; problems: string[] } {
  const problems: string[] = [];
  const o = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const clientId = o.clientId;
  if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) problems.push('clientId: 1–128 characters of A-Z a-z 0-9 . _ ~ -');
  const kind = o.kind as ClientKind;
  if (!isClientKind(kind)) problems.push(`kind: one of ${CLIENT_KINDS.join(', ')}`);
  const organization = o.organization;
  if (typeof organization !== 'string' || !ORGANIZATION.test(organization)) problems.push('organization: a reference Organization/<id>');
  // A citizen app acts for one patient, fixed here; never one its assertion names.
  const patient = o.patient;
  if (kind === 'citizen' && !isReferenceTo(patient, 'Patient')) problems.push('patient: a reference Patient/<id>, required for a citizen client (the patient whose app it is)');
  if (kind !== 'citizen' && isClientKind(kind) && patient !== undefined) problems.push(`patient: only a citizen client is bound to a patient, not a ${kind} client`);
  const scopeText = Array.isArray(o.scopes) ? o.scopes.join(' ') : o.scopes;
  const parsed = parseScopes(typeof scopeText === 'string' ? scopeText : '');
  if (parsed.invalid.length) problems.push(`scopes: malformed ${parsed.invalid.join(', ')}`);
  if (parsed.other.length) problems.push(`scopes: only clinical scopes can be registered, not ${parsed.other.join(', ')}`);
  if (!parsed.scopes.length && !parsed.invalid.length) problems.push('scopes: at least one, e.g. system/Observation.rs');
  const wrong = isClientKind(kind) ? parsed.scopes.filter((s) => !CONTEXTS[kind].includes(s.context)) : [];
  if (wrong.length) problems.push(`scopes: a ${kind} client may only hold ${CONTEXTS[kind].map((c) => `${c}/`).join(' or ')} scopes`);
  const { jwks, jwksUri } = o;
  if ((jwks === undefined) === (jwksUri === undefined)) problems.push('give exactly one of jwks (inline JWKS) or jwksUri');
  if (jwksUri !== undefined && (typeof jwksUri !== 'string' || !isHttpUrl(jwksUri))) problems.push('jwksUri: an http(s) URL');
  if (jwks !== undefined) problems.push(...checkJwks(jwks));
  const name = o.name;
  if (name !== undefined && (typeof name !== 'string' || name.length > 200)) problems.push('name: a string of at most 200 characters');
  if (problems.length) return { problems };
  return {
    problems,
    client: {
      clientId: clientId as string,
      ...(name ? { name: name as string } : {}),
      kind,
      organization: organization as string,
      ...(kind === 'citizen' ? { patient: patient as string } : {}),
      scopes: parsed.scopes.length ? (scopeText as string).split(' ').filter(Boolean) : [],
      ...(jwks !== undefined ? { jwks: jwks as JSONWebKeySet } : { jwksUri: jwksUri as string }),
    },
  };
}

function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

function checkJwks(jwks: unknown): string[] {
  const keys = (jwks as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0) return ['jwks: a JWK Set {"keys": [...]} with at least one key'];
  const problems: string[] = [];
  keys.forEach((k: Record<string, unknown>, i) => {
    if (typeof k !== 'object' || k === null) return problems.push(`jwks.keys[${i}]: not an object`);
    if (!ASYMMETRIC_KTY.includes(k.kty as string)) problems.push(`jwks.keys[${i}]: kty must be RSA or EC (no symmetric keys)`);
    if ('d' in k) problems.push(`jwks.keys[${i}]: a private key; register the public key only`);
    if (typeof k.kid !== 'string' || !k.kid) problems.push(`jwks.keys[${i}]: kid is required (assertions name their key)`);
  });
  return problems;
}
