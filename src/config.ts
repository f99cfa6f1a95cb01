import { join } from 'node:path';
import { DEFAULT_DEFINITIONS_CACHE } from './fhir/definitions/cache';
import { loadAuthConfig, type AuthSettings } from './auth/config';
import { parseEnforcedProfiles, type EnforcedProfiles } from './fhir/validation/enforced-profiles';
import { parseCorsOrigins } from './http/cors';
import type { UnknownProfiles } from './fhir/validation/validator';
import { DEFAULT_BINARY_LIMITS, type BinaryLimits } from './http/binary-body';
import { parseServerSettings, type ServerSettings } from './store/embedded-settings';

/**
 * Configuration from the environment, parsed and checked once at start-up. The result is frozen
 * and passed down as a dependency; nothing else reads process.env.
 */
export interface Config {
  port: number;
  host: string;
  /** PostgreSQL URL; undefined → an embedded PostgreSQL under dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Public base URL of the FHIR endpoint, e.g. https://kolibri.example.dk/fhir. */
  baseUrl: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  maxBodyBytes: number;
  /** PUT to an id that does not exist creates the resource (https://hl7.org/fhir/R4/http.html#upsert). */
  updateCreate: boolean;
  /** Folders with the project's conformance resources. */
  profileDirs: string[];
  /** KOLIBRI_IG_PACKAGES: FHIR NPM packages (implementation guides, `.tgz` or folders) loaded at start-up. */
  igPackages: string[];
  /** KOLIBRI_DEFINITIONS_CACHE: folder for the prepared definitions between starts; undefined = none. */
  definitionsCacheDir: string | undefined;
  /** Database pool size. */
  poolSize: number;
  /** DATABASE_PREPARED_STATEMENTS: query shapes each connection keeps prepared; 0 = none (for poolers in transaction mode). */
  preparedStatements: number;
  /** KOLIBRI_EMBEDDED_PG_MEMORY_MB: memory the embedded PostgreSQL is sized for; undefined = the machine's (or container's). */
  embeddedPostgresMemoryMb: number | undefined;
  /** KOLIBRI_EMBEDDED_PG_SETTINGS: server settings of the embedded PostgreSQL that win over the sized ones. */
  embeddedPostgresSettings: ServerSettings;
  /** KOLIBRI_EMBEDDED_PG_PORT: port of the embedded PostgreSQL (only when databaseUrl is unset); undefined = a free one, remembered in dataDir. */
  embeddedPostgresPort: number | undefined;
  /** Apply pending migrations at start-up. */
  migrateOnStart: boolean;
  /** KOLIBRI_ENFORCE_PROFILES: profiles every resource of a type must conform to (fhir/validation/enforced-profiles.ts). */
  enforcedProfiles: EnforcedProfiles;
  /** KOLIBRI_UNKNOWN_PROFILES: an unknown meta.profile URL is a `warning` (not checked; default) or an `error`. */
  unknownProfiles: UnknownProfiles;
  /** Most entries a transaction or batch Bundle may have (more → 413); bytes are capped by maxBodyBytes. */
  maxBundleEntries: number;
  /** Conditional delete may delete several matches (https://hl7.org/fhir/R4/http.html#cdelete). */
  conditionalDeleteMultiple: boolean;
  /** KOLIBRI_AUTH: 'off' gives every request full development access (loopback HOST only). */
  auth: 'on' | 'off';
  /** KOLIBRI_SCHEDULER_INTERVAL_SECONDS: how often the missing-measurement scheduler runs; 0 = off. */
  schedulerIntervalSeconds: number;
  /** KOLIBRI_SCHEDULER_LOOKBACK_HOURS: closed slots older than this are no longer decided (downtime cover). */
  schedulerLookbackHours: number;
  /** KOLIBRI_SUBSCRIPTION_ENDPOINTS: URL prefixes rest-hook endpoints must start with; unset: https to public addresses. */
  subscriptionEndpoints: string[] | undefined;
  /** KOLIBRI_CHANGE_LOG_RETENTION_HOURS: change-log rows every consumer has read are kept this long. */
  changeLogRetentionHours: number;
  /** KOLIBRI_REPORT_TARGETS: JSON file with the target populations of $rollout-report. */
  reportTargetsFile: string;
  /** KOLIBRI_SHUTDOWN_TIMEOUT_SECONDS: how long SIGTERM waits for in-flight requests (and again for jobs). */
  shutdownTimeoutSeconds: number;
  /** KOLIBRI_HEAP_GROWING_PERCENT: how far V8 lets the old generation grow past its live size before it collects (see src/heap-growth.ts); 0 = V8's own rule. */
  heapGrowingPercent: number;
  /** KOLIBRI_METRICS_TOKEN: bearer token for /metrics from non-loopback addresses; unset = loopback only. */
  metricsToken: string | undefined;
  /** KOLIBRI_CORS_ORIGINS: origins browser apps may call from (comma-separated); `*` = any (the default). */
  corsOrigins: readonly string[];
  /** KOLIBRI_BINARY_MAX_BYTES and KOLIBRI_BINARY_CONTENT_TYPES: raw Binary uploads (http/binary-body.ts). */
  binary: BinaryLimits;
  /** KOLIBRI_EXPORT_DIR: where Bulk Data export files are written; default `<dataDir>/exports`. */
  exportDir: string;
  /** KOLIBRI_EXPORT_TTL_HOURS: how long an export job and its files are kept. */
  exportTtlHours: number;
  /** KOLIBRI_EXPORT_MAX_FILE_MB: an export file is closed (and the next begun) at this size. */
  exportMaxFileBytes: number;
  /** Token lifetime, signing keys, admin credential, rate limit, external issuer (src/auth/config.ts). */
  authSettings: AuthSettings;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Read a Config from an environment (process.env in main, a literal in tests). */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
      return fallback;
    }
    return n;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.toLowerCase();
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false, got '${env[name]}'`);
    return fallback;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    problems.push(`${name} must be one of ${allowed.join(', ')}, got '${raw}'`);
    return fallback;
  };

  const port = int('PORT', 8080, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push(`DATABASE_URL must start with postgres:// or postgresql://`);
  }
  const logLevel = (env.LOG_LEVEL || 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  const maxBodyBytes = int('MAX_BODY_BYTES', 5 * 1024 * 1024, 1024, 1024 * 1024 * 1024);
  const displayHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  const baseUrl = (env.BASE_URL || `http://${displayHost}:${port}/fhir`).replace(/\/+$/, '');
  try {
    const u = new URL(baseUrl);
    if (!['http:', 'https:'].includes(u.protocol)) problems.push(`BASE_URL must be an http(s) URL, got '${baseUrl}'`);
  } catch {
    problems.push(`BASE_URL must be an absolute URL, got '${baseUrl}'`);
  }
  const config: Config = {
    port,
    host,
    databaseUrl,
    dataDir: env.KOLIBRI_DATA_DIR || './.kolibri',
    baseUrl,
    logLevel,
    maxBodyBytes,
    updateCreate: bool('KOLIBRI_UPDATE_CREATE', true),
    profileDirs: (env.KOLIBRI_PROFILE_DIRS || 'fhir-profiles').split(',').map((s) => s.trim()).filter(Boolean),
    igPackages: (env.KOLIBRI_IG_PACKAGES || '').split(',').map((s) => s.trim()).filter(Boolean),
    definitionsCacheDir: env.KOLIBRI_DEFINITIONS_CACHE === 'off' ? undefined : env.KOLIBRI_DEFINITIONS_CACHE || DEFAULT_DEFINITIONS_CACHE,
    poolSize: int('DATABASE_POOL_SIZE', 20, 1, 500),
    preparedStatements: int('DATABASE_PREPARED_STATEMENTS', 200, 0, 10000),
    embeddedPostgresMemoryMb: env.KOLIBRI_EMBEDDED_PG_MEMORY_MB ? int('KOLIBRI_EMBEDDED_PG_MEMORY_MB', 0, 256, 16 * 1024 * 1024) : undefined,
    embeddedPostgresSettings: parseServerSettings(env.KOLIBRI_EMBEDDED_PG_SETTINGS, problems),
    embeddedPostgresPort: env.KOLIBRI_EMBEDDED_PG_PORT ? int('KOLIBRI_EMBEDDED_PG_PORT', 0, 1, 65535) : undefined,
    migrateOnStart: bool('KOLIBRI_MIGRATE', true),
    enforcedProfiles: parseEnforcedProfiles(env.KOLIBRI_ENFORCE_PROFILES, problems),
    unknownProfiles: oneOf('KOLIBRI_UNKNOWN_PROFILES', ['warning', 'error'] as const, 'warning'),
    maxBundleEntries: int('KOLIBRI_MAX_BUNDLE_ENTRIES', 10000, 1, 1000000),
    conditionalDeleteMultiple: bool('KOLIBRI_CONDITIONAL_DELETE_MULTIPLE', false),
    schedulerIntervalSeconds: int('KOLIBRI_SCHEDULER_INTERVAL_SECONDS', 60, 0, 86400),
    schedulerLookbackHours: int('KOLIBRI_SCHEDULER_LOOKBACK_HOURS', 48, 1, 24 * 92),
    subscriptionEndpoints: env.KOLIBRI_SUBSCRIPTION_ENDPOINTS ? env.KOLIBRI_SUBSCRIPTION_ENDPOINTS.split(',').map((p) => p.trim()).filter(Boolean) : undefined,
    changeLogRetentionHours: int('KOLIBRI_CHANGE_LOG_RETENTION_HOURS', 24, 0, 24 * 92),
    reportTargetsFile: env.KOLIBRI_REPORT_TARGETS || 'config/targets.json',
    shutdownTimeoutSeconds: int('KOLIBRI_SHUTDOWN_TIMEOUT_SECONDS', 25, 1, 3600),
    heapGrowingPercent: int('KOLIBRI_HEAP_GROWING_PERCENT', 20, 0, 300),
    metricsToken: env.KOLIBRI_METRICS_TOKEN || undefined,
    exportDir: env.KOLIBRI_EXPORT_DIR || join(env.KOLIBRI_DATA_DIR || './.kolibri', 'exports'),
    exportTtlHours: int('KOLIBRI_EXPORT_TTL_HOURS', 24, 1, 24 * 30),
    exportMaxFileBytes: int('KOLIBRI_EXPORT_MAX_FILE_MB', 100, 1, 10240) * 1024 * 1024,
    corsOrigins: parseCorsOrigins(env.KOLIBRI_CORS_ORIGINS, problems),
    binary: {
      maxBytes: int('KOLIBRI_BINARY_MAX_BYTES', DEFAULT_BINARY_LIMITS.maxBytes, 1, 1024 * 1024 * 1024),
      contentTypes: mediaTypeList(env.KOLIBRI_BINARY_CONTENT_TYPES, problems),
    },
    ...loadAuthConfig(env, { host, baseUrl }, problems),
  };
  if (config.metricsToken !== undefined && config.metricsToken.length < 32) problems.push('KOLIBRI_METRICS_TOKEN must be at least 32 characters');
  if (problems.length) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** A comma-separated list of media types (`image/jpeg,application/pdf`); unset = the default allow-list. */
function mediaTypeList(raw: string | undefined, problems: string[]): readonly string[] {
  if (raw === undefined || raw.trim() === '') return DEFAULT_BINARY_LIMITS.contentTypes;
  const types = raw.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
  const fhir = types.filter((t) => !/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(t) || /json|xml|x-www-form-urlencoded/.test(t));
  if (fhir.length) problems.push(`KOLIBRI_BINARY_CONTENT_TYPES must list media types other than JSON, XML and forms (type/subtype), got '${fhir.join(', ')}'`);
  return types;
}
