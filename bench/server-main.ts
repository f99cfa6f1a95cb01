/**
 * The benchmarked server, in its own process so the load generator never shares its event
 * loop: config from the environment (as in src/main.ts), buildApp with auth as bench/server.ts sets it (on), listen on the
 * loopback port the parent chose, report readiness over IPC. Logs go to /dev/null at the
 * configured level, so logging costs what it costs in production without flooding the report.
 *
 * IPC requests from the parent (bench/server.ts):
 * - `{ seed: BenchGrant }` registers the bench client (public key only, as `kolibri clients add`
 *   does) and writes an Organization, a Patient, a CareTeam of that organization, a COPD
 *   Condition and an active EpisodeOfCare managed by the organization with that team, so the
 *   access model lets the client reach the patient's data and $submit-measurement has a team;
 * - `{ rss: true }` answers the process's peak resident set size.
 */
import pino from 'pino';
import type { Resource } from '@medplum/fhirtypes';
import { AuthService } from '../src/auth/auth-service';
import { systemClock } from '../src/clock';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { loadDefinitions } from '../src/fhir/definitions/load';
import { boundHeapGrowth } from '../src/heap-growth';
import { loggerOptions } from '../src/http/logger';
import { createServices, type Services } from '../src/services';
import { readMigrations } from '../src/store/migrate';
import { createPool } from '../src/store/pool';
import { storageOn } from '../src/store/storage';
import * as fhir from '../src/telemedicine/seed/resources';
import { telemedicineModule } from '../src/telemedicine/module';
import { loadTargets } from '../src/telemedicine/reports/targets';
import { migrationsDir, softwareVersion } from '../src/version';
import type { BenchGrant, BenchSeed } from './auth';

export interface ServerReady {
  port: number;
  poolSize: number;
  logLevel: string;
  /** From the first line of main() to listening: config, pool, definitions, app (what main.ts logs as `ms`). */
  startupMs: number;
}

async function main(): Promise<void> {
  const started = performance.now();
  const config = loadConfig(process.env);
  if (!config.databaseUrl) throw new Error('the benchmark server needs DATABASE_URL');
  // as main.ts: the old generation's growth bounded (KOLIBRI_HEAP_GROWING_PERCENT)
  boundHeapGrowth(config.heapGrowingPercent);
  const log = pino(loggerOptions(config.logLevel) as pino.LoggerOptions, pino.destination('/dev/null'));
  const pool = createPool({ connectionString: config.databaseUrl, max: config.poolSize });
  // as main.ts composes it, without the scheduler job
  const module = telemedicineModule({ targets: loadTargets(config.reportTargetsFile) });
  const services = createServices({
    storage: storageOn(pool),
    registry: loadDefinitions({ profileDirs: config.profileDirs, igPackages: config.igPackages, cacheDir: config.definitionsCacheDir }),
    migrations: readMigrations(migrationsDir),
    config,
    softwareVersion,
    modules: [module],
  });
  // as main.ts: the plan templates (PlanDefinitions for $apply) are there before it listens
  await module.loadTemplates?.(services.interactions, config.profileDirs);
  const auth = new AuthService({ settings: config.authSettings, baseUrl: config.baseUrl, clock: systemClock, ...services.authData });
  const app = buildApp({ services, logger: log, maxBodyBytes: config.maxBodyBytes, auth: { mode: config.auth, service: auth, clock: systemClock } });
  await app.listen({ port: config.port, host: '127.0.0.1' });
  services.auditDrainer.start(1000);
  // as main.ts: the job runner (Bulk Data export runs on it)
  services.bulkExport.runner.start();
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  const ready: ServerReady = {
    port: address.port,
    poolSize: config.poolSize,
    logLevel: config.logLevel,
    startupMs: Math.round(performance.now() - started),
  };
  process.send?.({ ready });
  process.on('message', (message: { seed?: BenchGrant; rss?: boolean }) => {
    if (message.rss) process.send?.({ rss: process.resourceUsage().maxRSS * 1024 });
    if (message.seed) {
      seed(services, auth, message.seed).then(
        (seeded) => process.send?.({ seeded }),
        (err: Error) => process.send?.({ error: err.message }),
      );
    }
  });
  // The parent disconnects (or dies): stop as main.ts does.
  process.once('disconnect', () => {
    void app
      .close()
      .then(() => services.bulkExport.runner.stop())
      .then(() => services.auditDrainer.stop())
      .then(() => pool.end())
      .finally(() => process.exit(0));
  });
}

async function seed(services: Services, auth: AuthService, grant: BenchGrant): Promise<BenchSeed> {
  await auth.clients.add({ clientId: grant.clientId, kind: 'system', organization: grant.organization, scopes: ['system/*.cruds'], jwks: { keys: [grant.publicJwk] } });
  const organizationId = grant.organization.split('/')[1];
  return services.store.transaction(async (tx) => {
    await tx.update({ resourceType: 'Organization', id: organizationId, name: 'Kolibri benchmark kommune', active: true } as Resource, { allowCreate: true });
    const patient = await tx.create({ resourceType: 'Patient', name: [{ family: 'Benchmark', given: ['Borger'] }], gender: 'female', birthDate: '1950-01-01' } as Resource);
    // a COPD enrolment as the seed's builders write it: $submit-measurement needs the episode's care team
    const ids = { team: `${organizationId}-team`, condition: `${organizationId}-copd`, episode: `${organizationId}-episode` };
    await tx.update(fhir.careTeam(ids.team, 'KOL-teamet (benchmark)', organizationId), { allowCreate: true });
    await tx.update(fhir.condition(ids.condition, patient.id, 'DJ44'), { allowCreate: true });
    await tx.update(
      fhir.episodeOfCare({ id: ids.episode, patientId: patient.id, conditionId: ids.condition, organizationId, careTeamId: ids.team, start: '2026-01-01' }),
      { allowCreate: true },
    );
    return { patientId: patient.id, episodeId: ids.episode };
  });
}

main().catch((err: Error) => {
  process.send?.({ error: err.message });
  process.stderr.write(`benchmark server failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
