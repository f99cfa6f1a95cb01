import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { buildApp } from '../../src/app';
import type { Clock } from '../../src/clock';
import { loadDefinitions } from '../../src/fhir/definitions/load';
import type { DefinitionRegistry } from '../../src/fhir/definitions/registry';
import { createServices, type ServiceOptions, type Services } from '../../src/services';
import { readMigrations } from '../../src/store/migrate';
import { createPool } from '../../src/store/pool';

export const TEST_BASE_URL = 'http://kolibri.test/fhir';
const ROOT = join(__dirname, '..', '..');

let registry: DefinitionRegistry | undefined;

/** The R4 + fhir-profiles/ definitions, loaded once per test file (≈0.7 s). */
export function testRegistry(): DefinitionRegistry {
  return (registry ??= loadDefinitions({ profileDirs: [join(ROOT, 'fhir-profiles')] }));
}

export function testDatabaseUrl(): string {
  const url = process.env.KOLIBRI_TEST_DATABASE_URL;
  if (!url) throw new Error('KOLIBRI_TEST_DATABASE_URL is not set: run integration tests through jest (global-setup)');
  return url;
}

export interface TestApp {
  app: FastifyInstance;
  pool: Pool;
  services: Services;
  close(): Promise<void>;
}

/** A real app on the real test database, driven with app.inject(). */
export async function createTestApp(
  options: { clock?: Clock; updateCreate?: boolean } & Partial<Pick<ServiceOptions, 'onCommit' | 'indexWriter'>> = {},
): Promise<TestApp> {
  const pool = createPool({ connectionString: testDatabaseUrl(), max: 40 });
  const services = createServices({
    pool,
    registry: testRegistry(),
    migrations: readMigrations(join(ROOT, 'migrations')),
    config: { baseUrl: TEST_BASE_URL, updateCreate: options.updateCreate ?? true },
    softwareVersion: 'test',
    clock: options.clock,
    indexWriter: options.indexWriter,
    onCommit: options.onCommit,
  });
  const app = buildApp({ services, logger: false, maxBodyBytes: 1024 * 1024 });
  await app.ready();
  return {
    app,
    pool,
    services,
    close: async () => {
      await app.close();
      await pool.end();
    },
  };
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
