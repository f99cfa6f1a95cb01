/**
 * The benchmarked server, in its own process so the load generator never shares its event
 * loop: config from the environment (as in src/main.ts), buildApp, listen on a loopback port,
 * report the port to the parent over IPC. Logs go to /dev/null at the configured level, so
 * logging costs what it costs in production without flooding the report.
 */
import pino from 'pino';
import { AuthService } from '../src/auth/auth-service';
import { lookupFrom } from '../src/auth/token-context';
import { systemClock } from '../src/clock';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { loadDefinitions } from '../src/fhir/definitions/load';
import { loggerOptions } from '../src/http/logger';
import { createServices } from '../src/services';
import { readMigrations } from '../src/store/migrate';
import { createPool } from '../src/store/pool';
import { migrationsDir, softwareVersion } from '../src/version';

export interface ServerReady {
  port: number;
  poolSize: number;
  logLevel: string;
  startupMs: number;
}

async function main(): Promise<void> {
  const started = performance.now();
  const config = loadConfig(process.env);
  if (!config.databaseUrl) throw new Error('the benchmark server needs DATABASE_URL');
  const log = pino(loggerOptions(config.logLevel) as pino.LoggerOptions, pino.destination('/dev/null'));
  const pool = createPool({ connectionString: config.databaseUrl, max: config.poolSize });
  const services = createServices({
    pool,
    registry: loadDefinitions({ profileDirs: config.profileDirs }),
    migrations: readMigrations(migrationsDir),
    config,
    softwareVersion,
  });
  const auth = new AuthService({ pool, settings: config.authSettings, baseUrl: config.baseUrl, clock: systemClock, lookup: lookupFrom(services.store) });
  // Loopback only. The performance issue moves the benchmark to auth on with real tokens.
  const app = buildApp({ services, logger: log, maxBodyBytes: config.maxBodyBytes, auth: { mode: 'off', service: auth, clock: systemClock } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  const ready: ServerReady = {
    port: address.port,
    poolSize: config.poolSize,
    logLevel: config.logLevel,
    startupMs: Math.round(performance.now() - started),
  };
  process.send?.({ ready });
  // The parent disconnects (or dies): stop.
  process.once('disconnect', () => {
    void app
      .close()
      .then(() => pool.end())
      .finally(() => process.exit(0));
  });
}

main().catch((err: Error) => {
  process.send?.({ error: err.message });
  process.stderr.write(`benchmark server failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
