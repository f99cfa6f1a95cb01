import { decodeJwt, type JSONWebKeySet } from 'jose';
import type { Clock } from '../clock';
import type { AccessPolicy } from './access-policy';
import { InvalidTokenError, verifyAccessToken, type AccessTokenDeps } from './access-token';
import { AdminCredential } from './admin-credential';
import { ClientKeySets } from './client-keys';
import type { AuthStores } from '../store/auth/auth-stores';
import type { ClientStore } from '../store/auth/client-store';
import { DEFAULT_REFRESH_TTL_S, type AuthSettings } from './config';
import { listContextOptions, type CareContexts, type ContextOptionsDeps } from './context-options';
import { CONTEXT_CLAIMS, type AuthContext, type ContextField } from './context';
import { ExternalIssuer } from './external-issuer';
import { VerifiedTokenCache } from './token-cache';
import { KeyRing } from './key-ring';
import { RateLimiter } from './rate-limiter';
import { formatScopes } from './scopes';
import { authUrls, smartConfiguration, type AuthUrls } from './smart-configuration';
import { issueToken, type GrantSummary, type TokenResponse, type TokenEndpointDeps } from './token-endpoint';
import type { ResourceLookup } from './token-context';

export interface AuthServiceOptions {
  /** The authorization server's tables (store/auth/auth-stores.ts). */
  stores: AuthStores;
  settings: AuthSettings;
  /** Public FHIR base URL (token `aud`; the OAuth URLs derive from it). */
  baseUrl: string;
  clock: Clock;
  /** Reads context resources (CareTeam, EpisodeOfCare, …) when a client asserts a context. */
  lookup: ResourceLookup;
  /** Which of the patients a policy reaches (the composed access model's; services.interactions.accessDeps). */
  reachablePatients: (policy: AccessPolicy, ids: readonly string[]) => Promise<Set<string>>;
  /** The care relationships listed as contexts (the composed access model's); none without. */
  careContexts?: CareContexts;
}

/** How long the guard trusts a client's status before re-reading it (revocation delay). */
const STATUS_TTL_MS = 10_000;

/**
 * The authorization server and the token checks of the resource server, composed from their
 * parts: client registry, server keys, replay store, rate limiter, external issuer.
 */
export class AuthService {
  readonly urls: AuthUrls;
  readonly clients: ClientStore;
  readonly keys: KeyRing;
  readonly rateLimiter: RateLimiter;
  readonly admin: AdminCredential | undefined;
  private readonly external: ExternalIssuer | undefined;
  private readonly tokenDeps: TokenEndpointDeps;
  private readonly contextOptions: ContextOptionsDeps;
  private readonly statuses = new Map<string, { active: boolean | undefined; at: number }>();
  /** Our own access tokens, verified once per token (see VerifiedTokenCache for why that is safe). */
  private readonly verified = new VerifiedTokenCache();

  constructor(private readonly options: AuthServiceOptions) {
    const { stores, settings, clock } = options;
    this.urls = authUrls(options.baseUrl);
    this.clients = stores.clients;
    this.keys = new KeyRing(stores.keys, {
      alg: settings.signingAlg,
      rotationDays: settings.signingKeyRotationDays,
      tokenTtlSeconds: settings.accessTokenTtlSeconds,
      clock,
    });
    this.rateLimiter = new RateLimiter(stores.rateWindows, settings.rateLimitPerMinute);
    this.admin = settings.adminToken ? new AdminCredential(settings.adminToken) : undefined;
    this.external = settings.externalIssuer ? new ExternalIssuer(settings.externalIssuer, clock) : undefined;
    const accessToken: AccessTokenDeps = {
      keys: this.keys,
      clock,
      issuer: this.urls.issuer,
      audience: this.urls.audience,
      ttlSeconds: settings.accessTokenTtlSeconds,
    };
    this.tokenDeps = {
      accessToken,
      lookup: options.lookup,
      careTeamReaches: async (careTeamId, patientId) =>
        (await options.reachablePatients({ kind: 'care-team', careTeamId, organizationId: '' }, [patientId])).has(patientId),
      assertion: {
        findClient: (id) => this.clients.get(id),
        keySets: new ClientKeySets(),
        jtis: stores.jtis,
        tokenUrl: this.urls.tokenUrl,
        clock,
      },
      refresh: { store: stores.refreshTokens, ttlSeconds: settings.refreshTokenTtlSeconds ?? DEFAULT_REFRESH_TTL_S },
    };
    this.contextOptions = {
      lookup: options.lookup,
      care: options.careContexts,
      baseUrl: this.urls.audience,
    };
  }

  /** `POST /auth/token`. Throws OAuthError. */
  async token(form: Record<string, string | undefined>): Promise<{ response: TokenResponse; summary: GrantSummary }> {
    const result = await issueToken(this.tokenDeps, form);
    this.statuses.set(result.summary.clientId, { active: true, at: performance.now() });
    return result;
  }

  /**
   * Check a bearer token — ours, or the external issuer's when its `iss` says so — and the
   * client's status. Throws InvalidTokenError.
   */
  async authenticate(token: string): Promise<AuthContext> {
    const cached = this.verified.get(token, this.options.clock.now().getTime());
    if (cached) {
      if ((await this.clientActive(cached.clientId)) !== true) throw new InvalidTokenError('The client is revoked');
      return cached;
    }
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new InvalidTokenError('The access token is not a JWT');
    }
    if (this.external && iss === this.external.issuer) {
      const auth = await this.external.verify(token);
      // a registered client id that was revoked is refused whoever issued the token
      if ((await this.clientActive(auth.clientId)) === false) throw new InvalidTokenError('The client is revoked');
      return auth;
    }
    const { auth, claims } = await verifyAccessToken(this.tokenDeps.accessToken, token);
    if ((await this.clientActive(auth.clientId)) !== true) throw new InvalidTokenError('The client is revoked');
    this.verified.set(token, auth, claims.exp as number);
    return auth;
  }

  /** The contexts the caller of a checked token may choose with the refresh_token grant (see context-options.ts). */
  contexts(auth: AuthContext): Promise<Record<string, unknown>> {
    return listContextOptions(this.contextOptions, auth);
  }

  /** RFC 7662 introspection response for `token` (inactive for anything unusable). */
  async introspect(token: string): Promise<Record<string, unknown>> {
    try {
      const auth = await this.authenticate(token);
      const claims = decodeJwt(token);
      const response: Record<string, unknown> = {
        active: true,
        scope: formatScopes(auth.scopes),
        client_id: auth.clientId,
        client_kind: auth.kind,
        token_type: 'Bearer',
        exp: claims.exp,
        iat: claims.iat,
        sub: claims.sub,
        aud: claims.aud,
        iss: claims.iss,
        jti: claims.jti,
        organization: auth.organization,
      };
      for (const [field, claim] of Object.entries(CONTEXT_CLAIMS) as Array<[ContextField, string]>) response[claim] = auth[field];
      return JSON.parse(JSON.stringify(response)) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof InvalidTokenError) return { active: false };
      throw err;
    }
  }

  /** Revoke a client: no new tokens; its live tokens fail here at once, on other instances within STATUS_TTL_MS. */
  async revoke(clientId: string) {
    const client = await this.clients.revoke(clientId);
    this.statuses.delete(clientId);
    return client;
  }

  jwks(): Promise<JSONWebKeySet> {
    return this.keys.jwks();
  }

  smartConfiguration(): Record<string, unknown> {
    return smartConfiguration(this.urls);
  }

  /** True/false for a registered active/revoked client, undefined when not registered (cached briefly). */
  private async clientActive(clientId: string): Promise<boolean | undefined> {
    const now = performance.now();
    const cached = this.statuses.get(clientId);
    if (cached && now - cached.at < STATUS_TTL_MS) return cached.active;
    const client = await this.clients.get(clientId);
    const active = client ? client.status === 'active' : undefined;
    this.statuses.set(clientId, { active, at: now });
    return active;
  }
}
