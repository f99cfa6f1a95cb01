import { readFileSync } from 'node:fs';
import { CLIENT_KINDS, isClientKind, type ClientKind, type ContextField } from './context';

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
}

/** A regional identity provider whose access tokens Kolibri accepts next to its own. */
export interface ExternalIssuerConfig {
  issuer: string;
  audience: string;
  jwksUrl: string;
  claims: ClaimMapping;
  /** Kind for tokens without a kind claim. */
  defaultKind: ClientKind;
}

/** Settings of the authorization server and resource-server guard. */
export interface AuthSettings {
  /** Lifetime of issued access tokens. */
  accessTokenTtlSeconds: number;
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

export const DEFAULT_CLAIMS: ClaimMapping = {
  clientId: 'client_id',
  kind: 'client_kind',
  organization: 'organization',
  scope: 'scope',
  careTeam: 'care_team',
  episodeOfCare: 'episode_of_care',
  patient: 'patient',
  practitioner: 'practitioner',
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
  if (env.KOLIBRI_EXTERNAL_CLAIMS) {
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
  return { issuer, audience: env.KOLIBRI_EXTERNAL_AUDIENCE || baseUrl, jwksUrl, claims, defaultKind: defaultKind as ClientKind };
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
