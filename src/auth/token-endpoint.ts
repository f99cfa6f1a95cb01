import { signAccessToken, type AccessTokenDeps } from './access-token';
import { authenticateClient, JWT_BEARER_ASSERTION, type AssertionDeps } from './client-assertion';
import type { Client } from './client-registration';
import { OAuthError } from './oauth-error';
import { refreshTokenGrant, type RefreshDeps } from './refresh-grant';
import { formatScopes, grantScopes, parseScopes, type Scope } from './scopes';
import { resolveContext, type CareTeamReach, type ResourceLookup, type TokenContext } from './token-context';

/** RFC 6749 §5.1 token response, with SMART's context fields. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  /** SMART: the patient id in context (citizen apps, or a clinician's episode). */
  patient?: string;
  /** SMART v2: other context resources. */
  fhirContext?: Array<{ reference: string }>;
  /** Clinician and citizen clients: a rotating refresh token, for the `refresh_token` grant (context selection). */
  refresh_token?: string;
}

export interface TokenEndpointDeps {
  assertion: AssertionDeps;
  accessToken: AccessTokenDeps;
  lookup: ResourceLookup;
  /** Whether a care team reaches a patient (a clinician's `patient` claim must be one of its patients). */
  careTeamReaches?: CareTeamReach;
  /** Refresh tokens; without them no refresh token is issued and the refresh_token grant is unsupported. */
  refresh?: RefreshDeps;
}

/** What the route logs about a successful grant (no token, no assertion). */
export interface GrantSummary {
  clientId: string;
  scope: string;
  tokenId: string;
}

/**
 * `POST /auth/token` with `grant_type=client_credentials` and a private_key_jwt client
 * assertion: SMART Backend Services
 * (https://hl7.org/fhir/smart-app-launch/backend-services.html#obtaining-an-access-token).
 * The granted scope is the requested scope narrowed by the client's allowed scopes. Clinician
 * and citizen clients also get a refresh token, and `grant_type=refresh_token` (with the
 * national infrastructure's context parameters) chooses the context of a new access token:
 * see refresh-grant.ts.
 */
export async function issueToken(
  deps: TokenEndpointDeps,
  form: Record<string, string | undefined>,
): Promise<{ response: TokenResponse; summary: GrantSummary }> {
  const grantType = form.grant_type;
  if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required');
  if (grantType === 'refresh_token' && deps.refresh) return refreshTokenGrant(deps, deps.refresh, form);
  if (grantType !== 'client_credentials') {
    throw new OAuthError('unsupported_grant_type', `only grant_type=client_credentials${deps.refresh ? ' and refresh_token are' : ' is'} supported`);
  }
  const assertion = assertionOf(form);
  if (!form.scope) throw new OAuthError('invalid_request', 'scope is required');
  const requested = parseScopes(form.scope);
  if (requested.invalid.length) throw new OAuthError('invalid_scope', `malformed scope: ${requested.invalid.join(' ')}`);
  const client = await authenticate(deps, form, assertion);
  const granted = grantScopes(requested.scopes, parseScopes(client.client.scopes.join(' ')).scopes);
  if (!granted.length) throw new OAuthError('invalid_scope', 'none of the requested scopes is allowed for this client');
  const context = await resolveContext(client.client, client.claims, deps.lookup, deps.careTeamReaches);
  const refresh = deps.refresh && REFRESHING_KINDS.has(client.client.kind) ? deps.refresh : undefined;
  const refreshToken = refresh
    ? await refresh.store.issue({
        clientId: client.client.clientId,
        scope: formatScopes(granted),
        ...(context.practitioner ? { practitioner: context.practitioner } : {}),
        expiresAt: deps.accessToken.clock.now().getTime() + refresh.ttlSeconds * 1000,
      })
    : undefined;
  return respond(deps, client.client, granted, context, refreshToken);
}

/** Kinds that get a refresh token: apps acting for a person, who choose their context (a system client's is its organization). */
const REFRESHING_KINDS: ReadonlySet<Client['kind']> = new Set(['clinician', 'citizen']);

/** The private_key_jwt assertion of a token request (every grant needs one). */
export function assertionOf(form: Record<string, string | undefined>): string {
  if (!form.client_assertion_type || !form.client_assertion) {
    throw new OAuthError('invalid_request', 'client_assertion_type and client_assertion are required (private_key_jwt)');
  }
  if (form.client_assertion_type !== JWT_BEARER_ASSERTION) {
    throw new OAuthError('invalid_client', `client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
  }
  return form.client_assertion;
}

/** Authenticate the client by its assertion; a `client_id` given as well must agree. */
export async function authenticate(deps: TokenEndpointDeps, form: Record<string, string | undefined>, assertion: string) {
  const found = await authenticateClient(deps.assertion, assertion);
  if (form.client_id !== undefined && form.client_id !== found.client.clientId) {
    throw new OAuthError('invalid_client', 'client_id does not match the client_assertion');
  }
  return found;
}

/** Sign the access token and build the token response. */
export async function respond(
  deps: TokenEndpointDeps,
  client: Client,
  granted: Scope[],
  context: TokenContext,
  refreshToken: string | undefined,
): Promise<{ response: TokenResponse; summary: GrantSummary }> {
  const issued = await signAccessToken(deps.accessToken, client, granted, context);
  const fhirContext = [context.practitioner, context.careTeam, context.episodeOfCare].filter((r): r is string => !!r);
  const scope = formatScopes(granted);
  return {
    response: {
      access_token: issued.token,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
      scope,
      ...(context.patient ? { patient: context.patient.slice('Patient/'.length) } : {}),
      ...(fhirContext.length ? { fhirContext: fhirContext.map((reference) => ({ reference })) } : {}),
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
    },
    summary: { clientId: client.clientId, scope, tokenId: issued.jti },
  };
}
