/**
 * `npm run bench -- [scenario…] [--duration <s>] [--warmup <s>]`
 *
 * Starts its own database (DATABASE_URL, else a throw-away embedded PostgreSQL), calibrates the
 * raw PostgreSQL rate of work comparable to each scenario, starts Kolibri listening on a
 * loopback port in a child process, measures each scenario with keep-alive HTTP load, prints a
 * table and writes JSON to bench/results/<timestamp>.json.
 */
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measureRaw, type Timing } from './calibrate';
import { openBenchDatabase, type BenchDatabase } from './database';
import { formatTable, p50Ratio, throughputRatio, writeResults, type Measurement, type ReportRow } from './report';
import { createScenario } from './scenarios/create';
import { transactionScenario } from './scenarios/transaction';
import { formatSearchTable, loadCohort, measureQueries, writeCost } from './search';
import { formatValidateTable, runValidateBench } from './validate';
import type { Scenario } from './scenarios/scenario';
import { startBenchServer, type BenchServer } from './server';

/** Every scenario, by name, in the order a full run measures them. */
const SCENARIOS: Scenario[] = [createScenario, transactionScenario];

const USAGE = `usage: npm run bench -- [scenario…] [--duration <s>] [--warmup <s>]

scenarios: ${SCENARIOS.map((s) => `${s.name} (${s.description})`).join('; ')}; validate (in process: validation time of a Kolibri Observation and a 50-item QuestionnaireResponse); search (loads --patients × --per-patient Observations, then p50/p95 of the vitals, alarm and CPR-lookup queries over --queries requests each)
  --duration <s>  measured seconds per cell (default 5)
  --warmup <s>    discarded warm-up seconds before each cell (default 2)
environment: DATABASE_URL (else an embedded PostgreSQL in a temp dir), DATABASE_POOL_SIZE, LOG_LEVEL`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      duration: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '2' },
      patients: { type: 'string', default: '1000' },
      'per-patient': { type: 'string', default: '100' },
      queries: { type: 'string', default: '200' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // In-process scenarios need no database or server.
  if (positionals.includes('validate')) {
    const figures = runValidateBench();
    process.stdout.write(`\n${formatValidateTable(figures)}\n\n`);
    const file = writeResults(join(__dirname, 'results'), { startedAt: new Date().toISOString(), machine: machine(), validate: figures }, new Date());
    process.stdout.write(`results: ${file}\n`);
    if (positionals.length === 1) return figures.some((f) => f.errors > 0) ? 1 : 0;
  }
  if (positionals.includes('search')) {
    const code = await runSearchBench({
      patients: count(values.patients, '--patients'),
      perPatient: count(values['per-patient'], '--per-patient'),
      queries: count(values.queries, '--queries'),
    });
    if (positionals.every((p) => p === 'search' || p === 'validate')) return code;
  }
  const timing: Timing = { durationMs: seconds(values.duration, '--duration', 0.5) * 1000, warmupMs: seconds(values.warmup, '--warmup', 0) * 1000 };
  const unknown = positionals.filter((name) => name !== 'validate' && name !== 'search' && !SCENARIOS.some((s) => s.name === name));
  if (unknown.length) throw new UsageError(`unknown scenario ${unknown.join(', ')}`);
  const scenarios = positionals.length ? SCENARIOS.filter((s) => positionals.includes(s.name)) : SCENARIOS;
  if (scenarios.length === 0) return 0;

  const started = new Date();
  const log = (message: string) => process.stderr.write(`bench: ${message}\n`);
  let db: BenchDatabase | undefined;
  let server: BenchServer | undefined;
  const cleanUp = async () => {
    await server?.stop();
    await db?.close();
  };
  const interrupted = () => void cleanUp().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    db = await openBenchDatabase(process.env, log);

    // Calibration first, with no server running: the machine's raw rate for each baseline.
    const baselines = new Map<string, Measurement>();
    for (const scenario of scenarios) {
      for (const concurrency of scenario.concurrency) {
        const key = `${scenario.baseline.key}@${concurrency}`;
        if (baselines.has(key)) continue;
        const workload = scenario.baseline.workload();
        log(`calibrating ${workload.name} at ${concurrency} connection(s)`);
        baselines.set(key, await measureRaw(db.url, workload, concurrency, timing));
      }
    }

    server = await startBenchServer(db.url, process.env);
    log(`server listening at ${server.baseUrl} (pid ${server.pid}, pool ${server.poolSize}, started in ${server.startupMs} ms)`);
    const rows: ReportRow[] = [];
    for (const scenario of scenarios) {
      for (const concurrency of scenario.concurrency) {
        log(`measuring ${scenario.name} at concurrency ${concurrency}`);
        const measurement = await scenario.measure({ serverUrl: server.baseUrl, timing }, concurrency);
        rows.push({ measurement, baseline: baselines.get(`${scenario.baseline.key}@${concurrency}`) });
      }
    }
    const serverInfo = { poolSize: server.poolSize, logLevel: server.logLevel, startupMs: server.startupMs };
    await server.stop();
    server = undefined;

    const table = formatTable([...[...baselines.values()].map((measurement) => ({ measurement })), ...rows]);
    process.stdout.write(`\n${table}\n\n`);
    const file = writeResults(
      join(__dirname, 'results'),
      {
        startedAt: started.toISOString(),
        timing,
        machine: machine(),
        database: { embedded: db.embedded, version: db.serverVersion },
        server: serverInfo,
        calibration: [...baselines.values()],
        scenarios: rows.map((row) => ({
          ...row.measurement,
          baseline: row.baseline?.name,
          ratioToRaw: { throughput: throughputRatio(row), p50: p50Ratio(row) },
        })),
      },
      started,
    );
    process.stdout.write(`results: ${file}\n`);
    return rows.some((r) => r.measurement.errors > 0) ? 1 : 0;
  } finally {
    await cleanUp();
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
  }
}

class UsageError extends Error {}

function count(raw: string | undefined, option: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${option} must be a positive whole number, got '${raw}'`);
  return n;
}

function seconds(raw: string | undefined, option: string, min: number): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`${option} must be a number of seconds ≥ ${min}, got '${raw}'`);
  return n;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(err instanceof UsageError ? `bench: ${err.message}\n\n${USAGE}\n` : `bench: ${err.stack ?? err.message}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);

function machine() {
  return {
    cpu: cpus()[0]?.model,
    cpus: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
  };
}

/** The search scenario: its own database, a generated cohort, the server, three queries. */
async function runSearchBench(o: { patients: number; perPatient: number; queries: number }): Promise<number> {
  const log = (message: string) => process.stderr.write(`bench: ${message}\n`);
  const started = new Date();
  const db = await openBenchDatabase(process.env, log);
  let server: BenchServer | undefined;
  try {
    log(`loading ${o.patients} patients × ${o.perPatient} Observations`);
    const t0 = Date.now();
    const patients = await loadCohort(db.url, o, log);
    const loadSeconds = (Date.now() - t0) / 1000;
    const cost = await writeCost(db.url);
    server = await startBenchServer(db.url, process.env);
    const figures = await measureQueries(server.baseUrl, patients, o.queries);
    const resources = o.patients * (o.perPatient + 1);
    process.stdout.write(`\n${formatSearchTable(figures)}\n\nloaded ${resources} resources in ${loadSeconds.toFixed(1)} s (${Math.round(resources / loadSeconds)}/s, one transaction per patient, index rows included); per resource: ${cost.indexRowsPerObservation} index rows, ${cost.indexBytesPerObservation} index bytes, ${cost.resourceBytesPerObservation} resource+history bytes\n`);
    const file = writeResults(join(__dirname, 'results'), { startedAt: started.toISOString(), machine: machine(), search: { options: o, loadSeconds, writeCost: cost, queries: figures } }, started);
    process.stdout.write(`results: ${file}\n`);
    return 0;
  } finally {
    await server?.stop();
    await db.close();
  }
}
