import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { buildApp } from '../../src/app';
import { AuthService } from '../../src/auth/auth-service';
import { authStores } from '../../src/store/auth/auth-stores';
import type { AuthSettings } from '../../src/auth/config';
import { systemClock, type Clock } from '../../src/clock';
import { DEFAULT_DEFINITIONS_CACHE } from '../../src/fhir/definitions/cache';
import { loadDefinitions } from '../../src/fhir/definitions/load';
import type { DefinitionRegistry } from '../../src/fhir/definitions/registry';
import { createServices, type ServiceOptions, type Services } from '../../src/services';
import { readMigrations } from '../../src/store/migrate';
import { createPool } from '../../src/store/pool';
import { storageOn, type Storage } from '../../src/store/storage';
import { DEVELOPMENT_CONTEXT } from '../../src/auth/context';
import { forRequest, type InteractionDeps } from '../../src/interactions/types';
import { alternateInject, TWO_INSTANCES } from './two-instances';
import type { BinaryLimits } from '../../src/http/binary-body';
import { telemedicineModule } from '../../src/telemedicine/module';
import { futModule } from '../../src/fut/module';
import { futReportingModule } from '../../src/fut/reporting/module';
import { futRecordsModule } from '../../src/fut/records/module';
import { futStandardModule } from '../../src/fut/standard/module';

export const TEST_BASE_URL = 'http://kolibri.test/fhir';
const ROOT = join(__dirname, '..', '..');

let registry: DefinitionRegistry | undefined;

/**
 * The R4 + fhir-profiles/ definitions, loaded once per test file through the same derived-file
 * cache the server uses (≈0.3 s instead of ≈1 s per file; test/unit/fhir/definitions/cache.test.ts
 * checks a cached load equals a fresh one).
 */
export function testRegistry(): DefinitionRegistry {
  return (registry ??= loadDefinitions({ profileDirs: [join(ROOT, 'fhir-profiles')], cacheDir: DEFAULT_DEFINITIONS_CACHE }));
}

export function testDatabaseUrl(): string {
  const url = process.env.KOLIBRI_TEST_DATABASE_URL;
  if (!url) throw new Error('KOLIBRI_TEST_DATABASE_URL is not set: run integration tests through jest (global-setup)');
  return url;
}

export interface TestApp {
  app: FastifyInstance;
  /** For tests' own SQL; the server's parts take `storage`. */
  pool: Pool;
  storage: Storage;
  services: Services;
  auth: AuthService;
  close(): Promise<void>;
}

/** Auth settings of test apps (override per test through createTestApp's `authSettings`). */
export const TEST_AUTH_SETTINGS: AuthSettings = {
  accessTokenTtlSeconds: 300,
  signingAlg: 'ES384',
  signingKeyRotationDays: 0,
  adminToken: undefined,
  rateLimitPerMinute: 0,
  externalIssuer: undefined,
};

/**
 * A real app on the real test database, driven with app.inject(). Authentication is off (every
 * /fhir request runs as the development context) unless `auth: 'on'`.
 */
export async function createTestApp(
  options: {
    clock?: Clock;
    updateCreate?: boolean;
    conditionalDeleteMultiple?: boolean;
    maxBundleEntries?: number;
    auth?: 'on' | 'off';
    authSettings?: Partial<AuthSettings>;
    /** BASE_URL (default TEST_BASE_URL): a listening test server's own, so links and fullUrls lead back to it. */
    baseUrl?: string;
    unknownProfiles?: 'warning' | 'error';
    /** Raw Binary uploads (default DEFAULT_BINARY_LIMITS). */
    binary?: BinaryLimits;
    /** Another (migrated) database than the shared test database. */
    databaseUrl?: string;
    /** KOLIBRI_SUBSCRIPTION_ENDPOINTS (a test's own listener). */
    subscriptionEndpoints?: string[];
  } & Partial<
    Pick<ServiceOptions, 'indexWriter'>
  > = {},
): Promise<TestApp> {
  const one = await oneTestApp(options);
  if (!TWO_INSTANCES) return one;
  const other = await oneTestApp(options);
  // as in production (main.ts), each instance hears the definitions the other stores
  const listeners = await Promise.all([one.services.definitions.listen(), other.services.definitions.listen()]);
  const close = async () => {
    await Promise.all(listeners.map((l) => l.stop()));
    await Promise.all([one.close(), other.close()]);
  };
  return { ...one, app: alternateInject(one.app, other.app), close };
}

async function oneTestApp(options: Parameters<typeof createTestApp>[0] = {}): Promise<TestApp> {
  const pool = createPool({ connectionString: options.databaseUrl ?? testDatabaseUrl(), max: TWO_INSTANCES ? 20 : 40 });
  const storage = storageOn(pool);
  const services = createServices({
    storage,
    registry: testRegistry(),
    migrations: readMigrations(join(ROOT, 'migrations')),
    config: {
      baseUrl: options.baseUrl ?? TEST_BASE_URL,
      updateCreate: options.updateCreate ?? true,
      conditionalDeleteMultiple: options.conditionalDeleteMultiple,
      maxBundleEntries: options.maxBundleEntries,
      unknownProfiles: options.unknownProfiles,
      subscriptionEndpoints: options.subscriptionEndpoints,
      binary: options.binary,
    },
    softwareVersion: 'test',
    clock: options.clock,
    indexWriter: options.indexWriter,
    // as main.ts composes it (without the scheduler job: tests run it themselves)
    modules: [telemedicineModule(), futModule(), futReportingModule({ jobs: storage.jobs }), futRecordsModule(), futStandardModule()],
  });
  const clock = options.clock ?? systemClock;
  const auth = testAuthService(pool, services, clock, options.authSettings, options.baseUrl);
  const app = buildApp({ services, logger: false, maxBodyBytes: 1024 * 1024, auth: { mode: options.auth ?? 'off', service: auth, clock }, binary: options.binary });
  await app.ready();
  return {
    app,
    pool,
    storage,
    services,
    auth,
    close: async () => {
      await app.close();
      await pool.end();
    },
  };
}

/** An AuthService on the test database with test settings (no rotation, no rate limit). */
export function testAuthService(pool: Pool, services: Services, clock: Clock = systemClock, settings: Partial<AuthSettings> = {}, baseUrl = TEST_BASE_URL): AuthService {
  return new AuthService({
    settings: { ...TEST_AUTH_SETTINGS, ...settings },
    baseUrl,
    clock,
    ...services.authData,
    stores: authStores(pool),
  });
}

/** A clock that stands still until moved, for deterministic Last-Modified and ETag. */
export class FixedClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** Interaction deps as a KOLIBRI_AUTH=off request would get them, for tests calling interactions directly. */
export function developmentDeps(services: Services): InteractionDeps {
  return forRequest(services.interactions, DEVELOPMENT_CONTEXT);
}
