import { authenticate, assertionOf, respond, type GrantSummary, type TokenEndpointDeps, type TokenResponse } from './token-endpoint';
import { readContextParameters } from './context-parameters';
import { OAuthError } from './oauth-error';
import type { RefreshTokenStore } from '../store/auth/refresh-token-store';
import { formatScopes, grantScopes, parseScopes } from './scopes';
import { resolveContext, type TokenContext } from './token-context';

export interface RefreshDeps {
  store: RefreshTokenStore;
  /** Lifetime of a refresh-token family, from the client_credentials grant that started it. */
  ttlSeconds: number;
}

/** One text for every unusable refresh token: unknown, expired, spent, revoked or another client's. */
const BAD_TOKEN = 'the refresh_token is not valid';

/**
 * `grant_type=refresh_token` (RFC 6749 §6) as the Danish national infrastructure uses it to set
 * a user's context: the parameters `organization_id`, `care_team_id`, `patient_id` and
 * `episode_of_care_id` (see context-parameters.ts) name the context of the new access token —
 * exactly these, plus the clinician's practitioner from the first grant and a citizen's own
 * patient. They are checked as the context claims of a client_credentials assertion are
 * (token-context.ts); a context the client may not take and one that does not exist are refused
 * with the same text. The client authenticates as for client_credentials; `scope` may narrow.
 *
 * Rotation: the presented token is spent and the response carries the next one of its family;
 * a spent token presented again revokes the family. A refused request spends nothing.
 */
export async function refreshTokenGrant(
  deps: TokenEndpointDeps,
  refresh: RefreshDeps,
  form: Record<string, string | undefined>,
): Promise<{ response: TokenResponse; summary: GrantSummary }> {
  if (!form.refresh_token) throw new OAuthError('invalid_request', 'refresh_token is required');
  const assertion = assertionOf(form);
  const requested = readContextParameters(form, deps.accessToken.audience);
  const requestedScopes = form.scope === undefined ? undefined : parseScopes(form.scope);
  if (requestedScopes?.invalid.length) throw new OAuthError('invalid_scope', `malformed scope: ${requestedScopes.invalid.join(' ')}`);
  const { client } = await authenticate(deps, form, assertion);

  const grant = await refresh.store.find(form.refresh_token, deps.accessToken.clock.now().getTime());
  if (typeof grant === 'string' || grant.clientId !== client.clientId) throw new OAuthError('invalid_grant', BAD_TOKEN);
  const allowed = grantScopes(parseScopes(grant.scope).scopes, parseScopes(client.scopes.join(' ')).scopes);
  const granted = requestedScopes ? grantScopes(requestedScopes.scopes, allowed) : allowed;
  if (!granted.length) throw new OAuthError('invalid_scope', 'none of the requested scopes was granted with the refresh_token');

  const named = Object.values(requested);
  const refused = new OAuthError('invalid_grant', `the context ${named.join(', ') || '(none)'} is not one this client may take`);
  if (requested.organization_id && requested.organization_id !== client.organization) throw refused;
  const claims = {
    ...(grant.practitioner ? { practitioner: grant.practitioner } : {}),
    ...(requested.care_team_id ? { care_team: requested.care_team_id } : {}),
    ...(requested.patient_id ? { patient: requested.patient_id } : {}),
    ...(requested.episode_of_care_id ? { episode_of_care: requested.episode_of_care_id } : {}),
  };
  let context: TokenContext;
  try {
    context = await resolveContext(client, claims, deps.lookup, deps.careTeamReaches);
  } catch (err) {
    if (err instanceof OAuthError && err.error === 'invalid_grant') throw refused;
    throw err;
  }
  if (!(await refresh.store.spend(form.refresh_token))) throw new OAuthError('invalid_grant', BAD_TOKEN);
  const next = await refresh.store.issue({ ...grant, scope: formatScopes(granted) });
  return respond(deps, client, granted, context, next);
}
