import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { Clock } from '../clock';
import type { Client } from './client-registration';
import type { ClientKeySets } from './client-keys';
import type { JtiStore } from '../store/auth/jti-store';
import { OAuthError } from './oauth-error';

/** https://www.rfc-editor.org/rfc/rfc7523#section-2.2 */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** SMART asks for RS384 and ES384; RS256/ES256 are accepted too. Never `none` or HMAC. */
export const ASSERTION_ALGORITHMS = ['RS384', 'ES384', 'RS256', 'ES256'];

/** An assertion may expire at most this far ahead (SMART Backend Services: 5 minutes). */
const MAX_LIFETIME_S = 300;
/** Tolerated clock difference between client and server. */
const SKEW_S = 30;

export interface AssertionDeps {
  findClient(clientId: string): Promise<Client | undefined>;
  keySets: ClientKeySets;
  jtis: JtiStore;
  /** The token endpoint's URL: the assertion's required `aud`. */
  tokenUrl: string;
  clock: Clock;
}

/**
 * Authenticate a client by its signed assertion (private_key_jwt), per
 * https://hl7.org/fhir/smart-app-launch/client-confidential-asymmetric.html#authenticating-to-the-token-endpoint :
 * `iss` = `sub` = client_id of an active client, `aud` = the token URL, `exp` in the future and
 * at most 5 minutes ahead, a `jti` not seen before, signed by one of the client's keys named by
 * `kid` with an allowed algorithm. Every failure is `invalid_client` (401).
 */
export async function authenticateClient(
  deps: AssertionDeps,
  assertion: string,
): Promise<{ client: Client; claims: JWTPayload }> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  let unverified: JWTPayload;
  try {
    header = decodeProtectedHeader(assertion);
    unverified = decodeJwt(assertion);
  } catch {
    throw new OAuthError('invalid_client', 'client_assertion is not a signed JWT');
  }
  if (typeof header.alg !== 'string' || !ASSERTION_ALGORITHMS.includes(header.alg)) {
    throw new OAuthError('invalid_client', `client_assertion alg must be one of ${ASSERTION_ALGORITHMS.join(', ')}`);
  }
  if (typeof header.kid !== 'string' || !header.kid) throw new OAuthError('invalid_client', 'client_assertion header needs a kid');
  const clientId = unverified.iss;
  if (typeof clientId !== 'string' || !clientId) throw new OAuthError('invalid_client', 'client_assertion needs iss (the client_id)');
  if (unverified.sub !== clientId) throw new OAuthError('invalid_client', 'client_assertion sub must equal iss (the client_id)');

  const client = await deps.findClient(clientId);
  if (!client) throw new OAuthError('invalid_client', 'unknown client');
  if (client.status !== 'active') throw new OAuthError('invalid_client', 'the client is revoked');
  // A jku header must point at the registered key set, never at keys of the client's choosing.
  if (header.jku !== undefined && header.jku !== client.jwksUri) {
    throw new OAuthError('invalid_client', 'client_assertion jku does not match the registered jwks_uri');
  }

  const now = deps.clock.now();
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(assertion, deps.keySets.resolver(client), {
      algorithms: ASSERTION_ALGORITHMS,
      issuer: clientId,
      subject: clientId,
      audience: deps.tokenUrl,
      requiredClaims: ['exp', 'jti'],
      currentDate: now,
      clockTolerance: SKEW_S,
    }));
  } catch (err) {
    throw new OAuthError('invalid_client', describe(err));
  }
  const nowS = Math.floor(now.getTime() / 1000);
  const exp = claims.exp as number;
  if (exp > nowS + MAX_LIFETIME_S + SKEW_S) throw new OAuthError('invalid_client', 'client_assertion exp is more than 5 minutes ahead');
  if (typeof claims.jti !== 'string' || !claims.jti || claims.jti.length > 256) {
    throw new OAuthError('invalid_client', 'client_assertion needs a jti of at most 256 characters');
  }
  if (!(await deps.jtis.consume(clientId, claims.jti, (exp + SKEW_S) * 1000, now.getTime()))) {
    throw new OAuthError('invalid_client', 'client_assertion jti was already used');
  }
  return { client, claims };
}

/** A safe description of a verification failure (names the check, never the token). */
function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'client_assertion has expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `client_assertion ${err.claim} check failed (${err.reason})`;
  if (err instanceof errors.JWKSNoMatchingKey) return 'no registered key matches the client_assertion kid and alg';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'client_assertion signature does not verify';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'client_assertion alg is not allowed';
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return "the client's jwks_uri could not be read";
  if (err instanceof errors.JOSEError) return `client_assertion is invalid (${err.code})`;
  return "the client's keys could not be read";
}
