import { randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { Clock } from '../clock';
import type { Client } from './client-registration';
import { CONTEXT_CLAIMS, isClientKind, type AuthContext, type ContextField } from './context';
import { futContextClaim, futUserType } from './fut-claims';
import type { KeyRing } from './key-ring';
import { formatScopes, parseScopes, type Scope } from './scopes';
import type { TokenContext } from './token-context';

/** RFC 9068 JWT access token type. */
const TYP = 'at+jwt';
const SKEW_S = 30;

/** A bearer token that cannot be used; `description` is safe to show (never the token). */
export class InvalidTokenError extends Error {
  constructor(readonly description: string) {
    super(description);
    this.name = 'InvalidTokenError';
  }
}

export interface AccessTokenDeps {
  keys: KeyRing;
  clock: Clock;
  /** `iss` of our tokens: the server's root URL. */
  issuer: string;
  /** `aud` of our tokens: the FHIR base URL. */
  audience: string;
  ttlSeconds: number;
}

export interface IssuedToken {
  token: string;
  jti: string;
  expiresIn: number;
}

/**
 * Sign an access token (RFC 9068 shape) with the current server key. Claims: `client_id`,
 * `client_kind`, `organization`, `scope`, and the context (`practitioner`, `care_team`,
 * `episode_of_care`, `patient`) as 'Type/id' references; and the same in the national
 * infrastructure's shape (`user_type`, `context.{organization_id,…}` as absolute URLs).
 */
export async function signAccessToken(deps: AccessTokenDeps, client: Client, scopes: Scope[], context: TokenContext): Promise<IssuedToken> {
  const { kid, alg, key } = await deps.keys.signingKey();
  const now = Math.floor(deps.clock.now().getTime() / 1000);
  const jti = randomUUID();
  const claims: JWTPayload = { client_id: client.clientId, client_kind: client.kind, organization: client.organization, scope: formatScopes(scopes) };
  for (const [field, claim] of Object.entries(CONTEXT_CLAIMS) as Array<[ContextField, string]>) {
    if (context[field]) claims[claim] = context[field];
  }
  claims.user_type = futUserType(client.kind);
  claims.context = futContextClaim(deps.audience, client.organization, context);
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg, kid, typ: TYP })
    .setIssuer(deps.issuer)
    .setSubject(client.clientId)
    .setAudience(deps.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + deps.ttlSeconds)
    .setJti(jti)
    .sign(key);
  return { token, jti, expiresIn: deps.ttlSeconds };
}

/** Verify one of our own access tokens and turn it into an AuthContext. */
export async function verifyAccessToken(deps: AccessTokenDeps, token: string): Promise<{ auth: AuthContext; claims: JWTPayload }> {
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(
      token,
      async (header) => {
        const found = header.kid ? await deps.keys.verificationKey(header.kid) : undefined;
        if (!found || found.alg !== header.alg) throw new errors.JWKSNoMatchingKey();
        return found.key;
      },
      {
        algorithms: ['ES384', 'RS384'],
        issuer: deps.issuer,
        audience: deps.audience,
        typ: TYP,
        requiredClaims: ['exp', 'jti', 'client_id', 'client_kind', 'scope'],
        currentDate: deps.clock.now(),
        clockTolerance: SKEW_S,
      },
    ));
  } catch (err) {
    throw new InvalidTokenError(describeTokenError(err));
  }
  return { auth: contextFromClaims(claims, deps.issuer), claims };
}

/**
 * Map our token's claims onto an AuthContext. The kind decides the access policy, so a kind this
 * server does not know (a token of a newer or older version) is refused, never guessed.
 */
function contextFromClaims(claims: JWTPayload, issuer: string): AuthContext {
  if (!isClientKind(claims.client_kind)) throw new InvalidTokenError("The access token's client_kind claim is not acceptable");
  const auth: AuthContext = {
    clientId: String(claims.client_id),
    kind: claims.client_kind,
    scopes: parseScopes(String(claims.scope)).scopes,
    tokenId: claims.jti,
    issuer,
  };
  if (typeof claims.organization === 'string') auth.organization = claims.organization;
  for (const [field, claim] of Object.entries(CONTEXT_CLAIMS) as Array<[ContextField, string]>) {
    if (typeof claims[claim] === 'string') auth[field] = claims[claim] as string;
  }
  return auth;
}

/** A safe description of why a token was refused. */
export function describeTokenError(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'The access token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `The access token's ${err.claim} claim is not acceptable`;
  if (err instanceof errors.JWKSNoMatchingKey) return 'The access token was not signed by a key this server trusts';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'The access token signature does not verify';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'The access token algorithm is not allowed';
  return 'The access token is not valid';
}
