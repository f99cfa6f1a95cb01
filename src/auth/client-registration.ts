import type { JSONWebKeySet } from 'jose';
import { isClientKind, isReferenceTo, type ClientKind } from './context';
import { registrationShapeProblems } from './registration-schema';
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

const ASYMMETRIC_KTY = ['RSA', 'EC'];

/**
 * Check a registration (from the admin API or the CLI) and return it normalized, or the list
 * of problems; `shapeProblems` are those of REGISTRATION_SCHEMA, when a route schema found them. Keys must be public asymmetric keys: a symmetric (`oct`) or private key is refused.
 */
export function checkRegistration(input: unknown, shapeProblems = registrationShapeProblems(input)): { client?: NewClient; problems: string[] } {
  // the members' shapes by JSON Schema (registration-schema.ts; a route has checked them), then the rules between them
  const problems = [...shapeProblems];
  const o = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const { clientId, organization, patient, name } = o;
  const kind = o.kind as ClientKind;
  // A citizen app acts for one patient, fixed here; never one its assertion names.
  if (kind === 'citizen' && !isReferenceTo(patient, 'Patient')) problems.push('patient: a reference Patient/<id>, required for a citizen client (the patient whose app it is)');
  if (kind !== 'citizen' && isClientKind(kind) && patient !== undefined) problems.push(`patient: only a citizen client is bound to a patient, not a ${kind} client`);
  const scopeText = Array.isArray(o.scopes) ? o.scopes.join(' ') : o.scopes;
  const parsed = parseScopes(typeof scopeText === 'string' ? scopeText : '');
  if (parsed.invalid.length) problems.push(`scopes: malformed ${parsed.invalid.join(', ')}`);
  if (parsed.other.length) problems.push(`scopes: only clinical scopes can be registered, not ${parsed.other.join(', ')}`);
  if (!parsed.scopes.length && !parsed.invalid.length && !problems.some((p) => p.startsWith('scopes:'))) problems.push('scopes: at least one, e.g. system/Observation.rs');
  const wrong = isClientKind(kind) ? parsed.scopes.filter((s) => !CONTEXTS[kind].includes(s.context)) : [];
  if (wrong.length) problems.push(`scopes: a ${kind} client may only hold ${CONTEXTS[kind].map((c) => `${c}/`).join(' or ')} scopes`);
  const { jwks, jwksUri } = o;
  if ((jwks === undefined) === (jwksUri === undefined)) problems.push('give exactly one of jwks (inline JWKS) or jwksUri');
  if (jwks !== undefined && typeof jwks === 'object') problems.push(...checkJwks(jwks));
  if (problems.length) return { problems: [...new Set(problems)] };
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
