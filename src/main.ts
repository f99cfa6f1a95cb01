import pino from 'pino';
import { buildApp } from './app';
import { AuthService } from './auth/auth-service';
import { systemClock } from './clock';
import { ConfigError, loadConfig } from './config';
import { loadDefinitions } from './fhir/definitions/load';
import { loggerOptions } from './http/logger';
import { createServices } from './services';
import { telemedicineModule } from './telemedicine/module';
import { futModule } from './fut/module';
import { futReportingModule } from './fut/reporting/module';
import { futRecordsModule } from './fut/records/module';
import { futStandardModule } from './fut/standard/module';
import { seedBuiltinDefinitions } from './conformance/builtin-seed';
import { queueReindexIfParametersChanged, reindexJobKind } from './conformance/index-fingerprint';
import { loadTargets } from './telemedicine/reports/targets';
import type { KolibriModule } from './modules/module';
import { openDatabase, type Database } from './store/database';
import { migrate, readMigrations, reindexAdvice } from './store/migrate';
import { migrationsDir, softwareVersion } from './version';
import { Lifecycle, shutdown } from './lifecycle';
import { boundHeapGrowth } from './heap-growth';
import { KolibriMetrics } from './metrics/registry';
import { JobRunner } from './jobs/runner';
import { PeriodicQueue } from './jobs/periodic';
import { SUBSCRIPTION_DELIVERY, SubscriptionWorker } from './subscriptions/worker';

/** Start Kolibri: config, database (embedded when DATABASE_URL is unset), migrations, listen. */
export async function main(): Promise<void> {
  const started = Date.now();
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`kolibri: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  boundHeapGrowth(config.heapGrowingPercent);
  const log = pino(loggerOptions(config.logLevel) as pino.LoggerOptions);
  let db: Database;
  try {
    db = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      embeddedPort: config.embeddedPostgresPort,
      poolSize: config.poolSize,
      preparedStatements: config.preparedStatements,
      embeddedMemoryBytes: config.embeddedPostgresMemoryMb === undefined ? undefined : config.embeddedPostgresMemoryMb * 1024 * 1024,
      embeddedSettings: config.embeddedPostgresSettings,
      log: (m) => log.info(m),
      warn: (m) => log.warn(m),
    });
  } catch (err) {
    failStart(err);
  }
  let app: ReturnType<typeof buildApp> | undefined;
  let services: ReturnType<typeof createServices> | undefined;
  // Background jobs register here; SIGTERM stops them after the last request, before the pool.
  const lifecycle = new Lifecycle();
  const metrics = new KolibriMetrics();
  metrics.observePool(db.pool);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, timeoutSeconds: config.shutdownTimeoutSeconds }, 'shutting down');
    await shutdown({
      closeServer: async () => void (await app?.close()),
      forceCloseConnections: () => app?.server.closeAllConnections(),
      lifecycle,
      closeDatabase: () => db.close(),
      timeoutMs: config.shutdownTimeoutSeconds * 1000,
      log,
    });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  try {
    const migrations = readMigrations(migrationsDir);
    if (config.migrateOnStart) {
      const applied = await migrate(db.pool, migrations);
      if (applied.length) log.info({ applied }, 'migrations applied');
      const advice = await reindexAdvice(db.pool, applied);
      if (advice) log.warn(advice);
    }
    // the modules on top of the FHIR engine, which knows them only through src/modules/module.ts
    const modules: KolibriModule[] = [
      telemedicineModule({
        targets: loadTargets(config.reportTargetsFile),
        onTriageOutcome: (outcome) => metrics.triageOutcomes.inc({ outcome }),
        scheduler: {
          intervalSeconds: config.schedulerIntervalSeconds,
          lookbackHours: config.schedulerLookbackHours,
          onRun: (result) => metrics.schedulerRuns.inc({ job: 'missing-measurements', result }),
        },
      }),
      futModule(),
      futReportingModule({ jobs: db.storage.jobs, ttlHours: config.exportTtlHours }),
      futRecordsModule(),
      futStandardModule(),
    ];
    const registry = loadDefinitions({ profileDirs: config.profileDirs, igPackages: config.igPackages, cacheDir: config.definitionsCacheDir });
    services = createServices({
      storage: db.storage,
      registry,
      migrations,
      config,
      softwareVersion,
      onListenerError: (err) => log.error({ err }, 'background work failed'),
      modules,
      jobs: { log },
    });
    // definitions operators created through the API, then every later change, by any instance
    await services.definitions.reload();
    const definitionsListener = await services.definitions.listen();
    lifecycle.add({ name: 'definitions-listener', stop: () => definitionsListener.stop() });
    for (const module of modules) {
      const templates = await module.loadTemplates?.(services.interactions, config.profileDirs);
      if (templates && (templates.created.length || templates.updated.length)) log.info({ module: module.name, created: templates.created.length, updated: templates.updated.length }, 'plan templates and OperationDefinitions loaded');
    }
    const auth = new AuthService({
      settings: config.authSettings,
      baseUrl: config.baseUrl,
      clock: systemClock,
      ...services.authData,
    });
    // A signing key before the first request: a verifier that caches the JWKS must find it there.
    if (config.auth === 'on') await auth.keys.ensureSigningKey();
    if (config.auth === 'off') {
      log.warn({ host: config.host }, 'KOLIBRI_AUTH=off: every request has full access without a token; for local development only');
    }
    app = buildApp({ services, logger: log, maxBodyBytes: config.maxBodyBytes, auth: { mode: config.auth, service: auth, clock: systemClock }, metrics, metricsToken: config.metricsToken, corsOrigins: config.corsOrigins, binary: config.binary });
    await app.listen({ port: config.port, host: config.host });
    // the R4 and Kolibri definitions as read-only stored resources: written in the background at
    // the first start on a database (about 15 s), skipped by fingerprint at every later one
    const seedAbort = new AbortController();
    const seeding = seedBuiltinDefinitions({ storage: db.storage, indexWriter: services.definitions.indexWriter, clock: systemClock, profileDirs: config.profileDirs, igPackages: config.igPackages, signal: seedAbort.signal }).then(
      (r) => r.seeded && log.info({ created: r.created, updated: r.updated, deleted: r.deleted, ms: r.ms }, 'built-in definitions published'),
      (err) =>
        seedAbort.signal.aborted
          ? log.info('publishing the built-in definitions was interrupted by shutdown; the next start does it')
          : log.error({ err: err instanceof Error ? { message: err.message } : err }, 'publishing the built-in definitions failed'),
    );
    // then the search index, if the file SearchParameters changed since it was built: a reindex
    // job, run by an instance loading the same parameters and resumed elsewhere if that one dies
    // (after its 30 s lease, so looking every 5 s is soon enough; the queueing instance starts at once)
    const reindexRunner = new JobRunner({ store: db.storage.jobs, kinds: [reindexJobKind({ storage: db.storage, registry, indexWriter: services.definitions.indexWriter, clock: systemClock, log })], log, pollMs: 5000 });
    reindexRunner.start();
    const indexing = seeding.then(() =>
      queueReindexIfParametersChanged({ storage: db.storage, registry, clock: systemClock }).then(
        (r) => r.action === 'queued' && (log.info({ job: r.job }, 'search index rebuild queued for changed SearchParameters'), reindexRunner.wake()),
        (err) => log.error({ err: err instanceof Error ? { message: err.message } : err }, 'queueing the search-index rebuild failed'),
      ),
    );
    // shutdown does not wait for a first-start seeding or a reindex: they stop, the next start
    // seeds, and the reindex job is given back for another instance to resume after its last batch
    lifecycle.add({ name: 'builtin-definitions', stop: async () => void (seedAbort.abort(), await indexing, await reindexRunner.stop()) });
    const drainer = services.auditDrainer;
    drainer.start(1000);
    // stopped last: after the last request, every audit record becomes an AuditEvent
    lifecycle.add({ name: 'audit-drainer', stop: () => drainer.stop() });
    // the modules' periodic work (missing measurements): each period queued once across instances, run by one
    const periodicKinds = modules.flatMap((m) => m.periodicJobs?.({ storage: db.storage, store: services!.store, clock: systemClock, log }) ?? []);
    if (periodicKinds.length) {
      const jobStore = db.storage.jobs;
      const periodicRunner = new JobRunner({ store: jobStore, kinds: periodicKinds, log });
      const queue = new PeriodicQueue({ store: jobStore, kinds: periodicKinds, clock: systemClock, onQueued: () => periodicRunner.wake(), onError: (err) => log.error({ err }, 'queueing periodic jobs failed') });
      periodicRunner.start();
      queue.start();
      // a run in progress is given back (resumed by the next instance) while the pool is still open
      lifecycle.add({ name: 'periodic-jobs', stop: async () => (await queue.stop(), await periodicRunner.stop()) });
    }
    // background jobs of every instance (Bulk Data export); a job in progress is given back at shutdown
    const runner = services.bulkExport.runner;
    runner.start();
    lifecycle.add({ name: 'job-runner', stop: () => runner.stop() });
    const stopPruning = db.storage.changes.startPruning({ retentionHours: config.changeLogRetentionHours, intervalMs: 60_000, now: () => systemClock.now(), onError: (err) => log.error({ err }, 'pruning the change log failed') });
    lifecycle.add({ name: 'change-log-pruning', stop: stopPruning });
    const subscriptions = new SubscriptionWorker({ ...SUBSCRIPTION_DELIVERY, storage: db.storage, shared: services.interactions, policy: { prefixes: config.subscriptionEndpoints }, onError: (err) => log.error({ err }, 'subscription delivery failed') });
    subscriptions.start(1000);
    metrics.observeSubscriptions(() => db.storage.subscriptions.stats());
    lifecycle.add({ name: 'subscriptions', stop: () => subscriptions.stop() });
    // the modules' change-log consumers (the triage-outcome count), on every instance, one at a time per consumer
    const consumers = services.changeConsumers;
    consumers.start(1000);
    lifecycle.add({ name: 'change-consumers', stop: () => consumers.stop() });
    log.info({ baseUrl: config.baseUrl, ms: Date.now() - started, embeddedDatabase: db.embedded }, 'Kolibri ready');
  } catch (err) {
    await db.close().catch(() => undefined);
    failStart(err);
  }
}

/** Every start-up failure ends the same way: one line on stderr that says why, and exit code 1. */
function failStart(err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`kolibri: start-up failed: ${message.split('\n')[0]}\n`);
  process.exit(1);
}

if (require.main === module) main().catch(failStart);
