/**
 * `npm run bench -- [scenario…] [--duration <s>] [--warmup <s>]` (also `kolibri bench`)
 *
 * Without scenarios: every default scenario module in bench/scenarios/ (vitals-search, create,
 * read, submit-measurement, transaction, and any other module there; absent expected ones are
 * noted). Starts its own database (DATABASE_URL, else a throw-away embedded PostgreSQL) and
 * server (auth on, a registered bench client with a real token), prepares each scenario's data,
 * calibrates raw PostgreSQL for each scenario's baseline, measures each scenario with
 * keep-alive HTTP load, reports peak RSS and start-up time, prints a table with the targets and
 * writes JSON to bench/results/<timestamp>.json.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Timing } from './calibrate';
import { machine } from './machine';
import { writeResults } from './report';
import { findScenarios } from './scenarios-found';
import { runSearchBench } from './scenarios/search';
import { runSuite } from './suite';
import { formatValidateTable, runValidateBench } from './validate';

const { scenarios: SCENARIOS, notes: NOTES } = findScenarios();

const USAGE = `usage: npm run bench -- [scenario…] [--duration <s>] [--warmup <s>]
       kolibri bench [scenario…] [options]

With no scenario, runs every default scenario (about ${Math.ceil((SCENARIOS.filter((s) => !s.optIn).reduce((n, s) => n + s.concurrency.length * 2, 0) * 7 + 20) / 60)} min with the default timing).
scenarios: ${SCENARIOS.map((s) => `${s.name} (${s.description}${s.optIn ? '; only when named' : ''})`).join('; ')}; validate (in process: validation time of a Kolibri Observation and a 50-item QuestionnaireResponse); search (loads --patients × --per-patient Observations, then p50/p95 of the vitals, alarm and CPR-lookup queries over --queries requests each)
  --duration <s>  measured seconds per cell (default 5)
  --warmup <s>    discarded warm-up seconds before each cell (default 2)
  --export-resources <n>  Observations the export scenario writes and exports (default 20000; also KOLIBRI_BENCH_EXPORT_RESOURCES)
environment: DATABASE_URL (else an embedded PostgreSQL in a temp dir), DATABASE_POOL_SIZE, LOG_LEVEL,
  KOLIBRI_RATE_LIMIT_PER_MINUTE (default 0 = off for the bench server), KOLIBRI_BENCH_TSX=1 (run the server
  through tsx as npm start does, not compiled), KOLIBRI_BENCH_PROFILE=<dir> (V8 CPU profile of the server),
  KOLIBRI_BENCH_TRACE_GC=1 (V8's garbage-collection lines)`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      duration: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '2' },
      patients: { type: 'string', default: '1000' },
      'per-patient': { type: 'string', default: '100' },
      queries: { type: 'string', default: '200' },
      'export-resources': { type: 'string' },
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
  // The cohort mode: the three search queries over a generated cohort (101k resources by default).
  if (positionals.includes('search') && !SCENARIOS.some((s) => s.name === 'search')) {
    const code = await runSearchBench(
      {
        patients: count(values.patients, '--patients'),
        perPatient: count(values['per-patient'], '--per-patient'),
        queries: count(values.queries, '--queries'),
      },
      (message) => process.stderr.write(`bench: ${message}\n`),
    );
    if (positionals.every((p) => p === 'search' || p === 'validate')) return code;
  }
  // read by the export scenario (bench/scenarios/export.ts) when it prepares and measures
  if (values['export-resources'] !== undefined) process.env.KOLIBRI_BENCH_EXPORT_RESOURCES = String(count(values['export-resources'], '--export-resources'));
  const timing: Timing = { durationMs: seconds(values.duration, '--duration', 0.5) * 1000, warmupMs: seconds(values.warmup, '--warmup', 0) * 1000 };
  const unknown = positionals.filter((name) => name !== 'validate' && name !== 'search' && !SCENARIOS.some((s) => named(s.name, name)));
  if (unknown.length) throw new UsageError(`unknown scenario ${unknown.join(', ')}`);
  const scenarios = positionals.length ? SCENARIOS.filter((s) => positionals.some((p) => named(s.name, p))) : SCENARIOS.filter((s) => !s.optIn);
  if (scenarios.length === 0) return 0;

  return runSuite(scenarios, NOTES, timing);
}

class UsageError extends Error {}

/** A scenario is named by its name or its family's (`depth` runs depth-100, depth-1000 and depth-3000). */
function named(scenario: string, asked: string): boolean {
  return scenario === asked || (scenario.startsWith(`${asked}-`) && /^\d+$/.test(scenario.slice(asked.length + 1)));
}

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
