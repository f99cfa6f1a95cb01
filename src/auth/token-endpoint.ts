import { signAccessToken, type AccessTokenDeps } from './access-token';
import { authenticateClient, JWT_BEARER_ASSERTION, type AssertionDeps } from './client-assertion';
import { OAuthError } from './oauth-error';
import { formatScopes, grantScopes, parseScopes } from './scopes';
import { resolveContext, type CareTeamReach, type ResourceLookup } from './token-context';

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
}

export interface TokenEndpointDeps {
  assertion: AssertionDeps;
  accessToken: AccessTokenDeps;
  lookup: ResourceLookup;
  /** Whether a care team reaches a patient (a clinician's `patient` claim must be one of its patients). */
  careTeamReaches?: CareTeamReach;
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
 * The granted scope is the requested scope narrowed by the client's allowed scopes.
 */
export async function issueToken(
  deps: TokenEndpointDeps,
  form: Record<string, string | undefined>,
): Promise<{ response: TokenResponse; summary: GrantSummary }> {
  const grantType = form.grant_type;
  if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required');
  if (grantType !== 'client_credentials') throw new OAuthError('unsupported_grant_type', 'only grant_type=client_credentials is supported');
  if (!form.client_assertion_type || !form.client_assertion) {
    throw new OAuthError('invalid_request', 'client_assertion_type and client_assertion are required (private_key_jwt)');
  }
  if (form.client_assertion_type !== JWT_BEARER_ASSERTION) {
    throw new OAuthError('invalid_client', `client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
  }
  if (!form.scope) throw new OAuthError('invalid_request', 'scope is required');
  const requested = parseScopes(form.scope);
  if (requested.invalid.length) throw new OAuthError('invalid_scope', `malformed scope: ${requested.invalid.join(' ')}`);

  const { client, claims } = await authenticateClient(deps.assertion, form.client_assertion);
  if (form.client_id !== undefined && form.client_id !== client.clientId) {
    throw new OAuthError('invalid_client', 'client_id does not match the client_assertion');
  }
  const granted = grantScopes(requested.scopes, parseScopes(client.scopes.join(' ')).scopes);
  if (!granted.length) throw new OAuthError('invalid_scope', 'none of the requested scopes is allowed for this client');
  const context = await resolveContext(client, claims, deps.lookup, deps.careTeamReaches);

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
    },
    summary: { clientId: client.clientId, scope, tokenId: issued.jti },
  };
}
