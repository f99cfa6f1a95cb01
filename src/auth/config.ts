import { readFileSync } from 'node:fs';
import { CLIENT_KINDS, isClientKind, type ClientKind, type ContextField } from './context';
import { parseScopes } from './scopes';

/** Which token claim carries each AuthContext field, for an external issuer's tokens. */
export interface ClaimMapping {
  clientId: string;
  kind: string;
  organization: string;
  scope: string;
  careTeam: string;
  episodeOfCare: string;
  patient: string;
  practitioner: string;
  /** Roles (a list of names), each granting the scopes `ExternalIssuerConfig.roles` maps it to. */
  roles: string;
}

/** A regional identity provider whose access tokens Kolibri accepts next to its own. */
export interface ExternalIssuerConfig {
  issuer: string;
  audience: string;
  jwksUrl: string;
  claims: ClaimMapping;
  /** Kind for tokens without a kind claim. */
  defaultKind: ClientKind;
  /** Role name → SMART scopes it grants (FUT's `realm_access.roles`); roles not listed grant nothing. */
  roles?: Readonly<Record<string, readonly string[]>>;
}

/** Settings of the authorization server and resource-server guard. */
export interface AuthSettings {
  /** Lifetime of issued access tokens. */
  accessTokenTtlSeconds: number;
  /** Lifetime of a refresh-token family (clinician and citizen clients); rotation does not extend it. Default 8 hours. */
  refreshTokenTtlSeconds?: number;
  /** Algorithm of the server's signing keys. */
  signingAlg: 'ES384' | 'RS384';
  /** Rotate the signing key when it is this many days old; 0 = only on request (CLI/admin). */
  signingKeyRotationDays: number;
  /** Operator credential for /admin; undefined → admin API disabled (404). */
  adminToken: string | undefined;
  /** Requests per client per minute on /fhir; 0 = unlimited. */
  rateLimitPerMinute: number;
  externalIssuer: ExternalIssuerConfig | undefined;
}

/** A working day: a clinician's context choices last a shift, then the app authenticates afresh. */
export const DEFAULT_REFRESH_TTL_S = 8 * 3600;

/**
 * `KOLIBRI_EXTERNAL_CLAIMS=fut`: the claims of the Danish national infrastructure's (FUT)
 * Keycloak tokens — `azp`, `user_type`, `context.{organization_id,care_team_id,patient_id,episode_of_care_id}`
 * (absolute URLs) and `realm_access.roles`.
 */
export const FUT_CLAIMS: ClaimMapping = {
  clientId: 'azp',
  kind: 'user_type',
  organization: 'context.organization_id',
  scope: 'scope',
  careTeam: 'context.care_team_id',
  episodeOfCare: 'context.episode_of_care_id',
  patient: 'context.patient_id',
  practitioner: 'practitioner',
  roles: 'realm_access.roles',
};

export const DEFAULT_CLAIMS: ClaimMapping = {
  clientId: 'client_id',
  kind: 'client_kind',
  organization: 'organization',
  scope: 'scope',
  careTeam: 'care_team',
  episodeOfCare: 'episode_of_care',
  patient: 'patient',
  practitioner: 'practitioner',
  roles: 'realm_access.roles',
} satisfies Record<keyof ClaimMapping, string> & Record<ContextField, string>;

/** 127.0.0.0/8, ::1 and localhost: the only hosts KOLIBRI_AUTH=off may bind to. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Read KOLIBRI_AUTH and the auth variables; problems are appended to `problems` (reported with
 * all other configuration problems at once).
 */
export function loadAuthConfig(
  env: Record<string, string | undefined>,
  server: { host: string; baseUrl: string },
  problems: string[],
): { auth: 'on' | 'off'; authSettings: AuthSettings } {
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    problems.push(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
    return fallback;
  };
  const auth = (env.KOLIBRI_AUTH || 'on').toLowerCase();
  if (auth !== 'on' && auth !== 'off') problems.push(`KOLIBRI_AUTH must be 'on' or 'off', got '${env.KOLIBRI_AUTH}'`);
  if (auth === 'off' && !isLoopback(server.host)) {
    problems.push(`KOLIBRI_AUTH=off is for local development only and needs a loopback HOST (127.0.0.1, ::1, localhost), got '${server.host}'`);
  }
  const signingAlg = env.KOLIBRI_SIGNING_ALG || 'ES384';
  if (signingAlg !== 'ES384' && signingAlg !== 'RS384') problems.push(`KOLIBRI_SIGNING_ALG must be ES384 or RS384, got '${signingAlg}'`);
  const adminToken = secretFrom(env, 'KOLIBRI_ADMIN_TOKEN', problems);
  if (adminToken !== undefined && adminToken.length < 32) problems.push('KOLIBRI_ADMIN_TOKEN must be at least 32 characters');
  return {
    auth: auth === 'off' ? 'off' : 'on',
    authSettings: {
      accessTokenTtlSeconds: int('KOLIBRI_ACCESS_TOKEN_TTL', 300, 30, 3600),
      refreshTokenTtlSeconds: int('KOLIBRI_REFRESH_TOKEN_TTL', DEFAULT_REFRESH_TTL_S, 60, 30 * 86_400),
      signingAlg: signingAlg === 'RS384' ? 'RS384' : 'ES384',
      signingKeyRotationDays: int('KOLIBRI_SIGNING_KEY_ROTATION_DAYS', 30, 0, 3650),
      adminToken,
      rateLimitPerMinute: int('KOLIBRI_RATE_LIMIT_PER_MINUTE', 1200, 0, 1_000_000),
      externalIssuer: loadExternalIssuer(env, server.baseUrl, problems),
    },
  };
}

function loadExternalIssuer(env: Record<string, string | undefined>, baseUrl: string, problems: string[]): ExternalIssuerConfig | undefined {
  const issuer = env.KOLIBRI_EXTERNAL_ISSUER;
  if (!issuer) return undefined;
  const jwksUrl = env.KOLIBRI_EXTERNAL_JWKS_URL ?? '';
  if (!/^https?:\/\//.test(jwksUrl)) problems.push('KOLIBRI_EXTERNAL_JWKS_URL must be an http(s) URL when KOLIBRI_EXTERNAL_ISSUER is set');
  let claims = DEFAULT_CLAIMS;
  if (env.KOLIBRI_EXTERNAL_CLAIMS === 'fut') claims = FUT_CLAIMS;
  else if (env.KOLIBRI_EXTERNAL_CLAIMS) {
    try {
      const given = JSON.parse(env.KOLIBRI_EXTERNAL_CLAIMS) as Record<string, unknown>;
      const unknown = Object.keys(given).filter((k) => !(k in DEFAULT_CLAIMS) || typeof given[k] !== 'string');
      if (unknown.length) problems.push(`KOLIBRI_EXTERNAL_CLAIMS: unknown field or non-string claim name: ${unknown.join(', ')}`);
      claims = { ...DEFAULT_CLAIMS, ...(given as Partial<ClaimMapping>) };
    } catch {
      problems.push('KOLIBRI_EXTERNAL_CLAIMS must be a JSON object, e.g. {"clientId":"azp","organization":"org"}');
    }
  }
  const defaultKind = env.KOLIBRI_EXTERNAL_KIND || 'clinician';
  if (!isClientKind(defaultKind)) problems.push(`KOLIBRI_EXTERNAL_KIND must be one of ${CLIENT_KINDS.join(', ')}, got '${defaultKind}'`);
  const roles = loadRoles(env.KOLIBRI_EXTERNAL_ROLES, problems);
  return {
    issuer,
    audience: env.KOLIBRI_EXTERNAL_AUDIENCE || baseUrl,
    jwksUrl,
    claims,
    defaultKind: defaultKind as ClientKind,
    ...(roles ? { roles } : {}),
  };
}

/** KOLIBRI_EXTERNAL_ROLES: a JSON object, role name → SMART scopes (a space-separated string or a list). */
function loadRoles(raw: string | undefined, problems: string[]): Record<string, string[]> | undefined {
  if (!raw) return undefined;
  let given: unknown;
  try {
    given = JSON.parse(raw);
  } catch {
    given = undefined;
  }
  if (!given || typeof given !== 'object' || Array.isArray(given)) {
    problems.push('KOLIBRI_EXTERNAL_ROLES must be a JSON object, e.g. {"clinician":"user/*.rs user/Task.u"}');
    return undefined;
  }
  const roles: Record<string, string[]> = {};
  for (const [role, value] of Object.entries(given as Record<string, unknown>)) {
    const text = Array.isArray(value) && value.every((v) => typeof v === 'string') ? value.join(' ') : value;
    const parsed = typeof text === 'string' ? parseScopes(text) : undefined;
    if (!parsed || parsed.invalid.length || !parsed.scopes.length) {
      problems.push(`KOLIBRI_EXTERNAL_ROLES: role '${role}' must map to SMART scopes${parsed?.invalid.length ? ` (malformed: ${parsed.invalid.join(' ')})` : ''}`);
      continue;
    }
    roles[role] = (text as string).split(/\s+/).filter(Boolean);
  }
  return roles;
}

/**
 * A secret given as NAME, or as NAME_FILE naming a file that holds it (a Docker secret under
 * /run/secrets/, which stays out of `docker inspect` and the process environment). Surrounding
 * whitespace is dropped; an empty value means unset.
 */
function secretFrom(env: Record<string, string | undefined>, name: string, problems: string[]): string | undefined {
  const file = env[`${name}_FILE`];
  if (!file) return env[name] || undefined;
  if (env[name]) problems.push(`set ${name} or ${name}_FILE, not both`);
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch (err) {
    problems.push(`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return undefined;
  }
}
