import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../clock';
import { InvalidTokenError, describeTokenError } from './access-token';
import type { ClaimMapping, ExternalIssuerConfig } from './config';
import { CONTEXT_TYPES, isClientKind, isReferenceTo, type AuthContext, type ClientKind, type ContextField } from './context';
import { FUT_USER_TYPES } from './fut-claims';
import { parseScopes } from './scopes';

/** Asymmetric algorithms an identity provider may sign with; never `none` or HMAC. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

/**
 * Access tokens from a configured external issuer (e.g. a regional identity provider): verified
 * with the issuer's JWKS (fetched and cached), `iss` and `aud` checked, claims mapped onto an
 * AuthContext through the configured claim names. Context claims may be 'Type/id' references,
 * bare ids (the type is implied by the field) or absolute URLs ending in 'Type/id' (the national
 * infrastructure's `context.*` claims, whose URLs name its own servers); an organization too.
 * The kind may be one of ours or FUT's `user_type` (PATIENT, PRACTITIONER, SYSTEM); roles
 * grant the scopes the configured role map gives them, added to the token's own scopes.
 */
export class ExternalIssuer {
  private readonly keys: JWTVerifyGetKey;

  constructor(private readonly config: ExternalIssuerConfig, private readonly clock: Clock) {
    this.keys = createRemoteJWKSet(new URL(config.jwksUrl), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000 });
  }

  get issuer(): string {
    return this.config.issuer;
  }

  async verify(token: string): Promise<AuthContext> {
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, this.keys, {
        algorithms: ALGORITHMS,
        issuer: this.config.issuer,
        audience: this.config.audience,
        requiredClaims: ['exp'],
        currentDate: this.clock.now(),
        clockTolerance: 30,
      }));
    } catch (err) {
      throw new InvalidTokenError(describeTokenError(err));
    }
    return mapClaims(claims, this.config);
  }
}

/** Read a claim by name; a dotted name reaches into nested objects (`ext.organization`). */
function claim(claims: JWTPayload, name: string): unknown {
  return name.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), claims);
}

/** Turn an external token's claims into an AuthContext through the claim mapping. */
export function mapClaims(claims: JWTPayload, config: Pick<ExternalIssuerConfig, 'issuer' | 'claims' | 'defaultKind' | 'roles'>): AuthContext {
  const map: ClaimMapping = config.claims;
  const clientId = claim(claims, map.clientId) ?? claims.azp ?? claims.sub;
  if (typeof clientId !== 'string' || !clientId) throw new InvalidTokenError(`The access token has no client id (${map.clientId})`);
  const kind = kindOf(claim(claims, map.kind)) ?? config.defaultKind;
  const scopeClaim = claim(claims, map.scope);
  const scopeText = [
    Array.isArray(scopeClaim) ? scopeClaim.join(' ') : typeof scopeClaim === 'string' ? scopeClaim : '',
    ...roleScopes(claim(claims, map.roles), config.roles),
  ].join(' ');
  const auth: AuthContext = {
    clientId,
    kind,
    scopes: parseScopes(scopeText).scopes,
    issuer: config.issuer,
    ...(typeof claims.jti === 'string' ? { tokenId: claims.jti } : {}),
  };
  const organization = asReference(claim(claims, map.organization), 'Organization');
  if (organization) auth.organization = organization;
  for (const field of Object.keys(CONTEXT_TYPES) as ContextField[]) {
    const ref = asReference(claim(claims, map[field]), CONTEXT_TYPES[field]);
    if (ref) auth[field] = ref;
  }
  return auth;
}

/** One of our kinds, or FUT's upper-case user type. */
function kindOf(value: unknown): ClientKind | undefined {
  if (isClientKind(value)) return value;
  return typeof value === 'string' && Object.hasOwn(FUT_USER_TYPES, value.toUpperCase()) ? FUT_USER_TYPES[value.toUpperCase()] : undefined;
}

/** The scopes the token's roles are mapped to (unknown roles grant nothing). */
function roleScopes(roles: unknown, map: ExternalIssuerConfig['roles']): string[] {
  if (!map || !Array.isArray(roles)) return [];
  return roles.flatMap((role) => (typeof role === 'string' && Object.hasOwn(map, role) ? map[role] : []));
}

const ABSOLUTE = /^https?:\/\/[^/?#]+(?:\/[^?#]*)?\/([A-Z][A-Za-z]+\/[A-Za-z0-9.-]{1,64})$/;

function asReference(value: unknown, type: string): string | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  if (isReferenceTo(value, type)) return value;
  const absolute = ABSOLUTE.exec(value);
  if (absolute) return isReferenceTo(absolute[1], type) ? absolute[1] : undefined;
  const ref = `${type}/${value}`;
  return isReferenceTo(ref, type) ? ref : undefined;
}
