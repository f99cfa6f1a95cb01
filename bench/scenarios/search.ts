/**
 * `npm run bench -- search [--patients N] [--per-patient M] [--queries K]`
 *
 * Loads N patients × M home-measurement Observations (default 1,000 × 100 = 101k resources;
 * the issue's full size is `--patients 10000` = 1.01M) through the store (../generate.ts),
 * then measures over HTTP, one request at a time, p50/p95 of the three queries vendor apps
 * live on, and the write cost of indexing (index rows and bytes per resource from the tables'
 * sizes, create throughput without and with index rows). With a persistent DATABASE_URL the
 * loaded cohort is reused by later runs of the same size.
 *
 * Not a Scenario module (bench/scenarios/scenario.ts): it needs its own generated database
 * rather than a throughput cell compared with a raw calibration.
 */
import { join } from 'node:path';
import type { Pool } from 'pg';
import { createPool } from '../../src/store/pool';
import { openBenchDatabase } from '../database';
import { CPR, loadCohort, NPU, type CohortPatient, type CohortSize, type LoadFigures } from '../generate';
import { machine } from '../machine';
import { percentile, writeResults } from '../report';
import { startBenchServer, type BenchServer } from '../server';

export interface SearchBenchOptions extends CohortSize {
  queries: number;
}

export interface QueryFigure {
  name: string;
  targetP95Ms: number;
  p50Ms: number;
  p95Ms: number;
  meanResults: number;
}

export interface WriteCost {
  indexRowsPerResource: number;
  indexBytesPerResource: number;
  resourceBytesPerResource: number;
}

/** The search benchmark: its own database, a generated cohort, the server, three queries. */
export async function runSearchBench(o: SearchBenchOptions, log: (message: string) => void): Promise<number> {
  const started = new Date();
  const db = await openBenchDatabase(process.env, log);
  let server: BenchServer | undefined;
  try {
    log(`loading ${o.patients} patients × ${o.perPatient} Observations`);
    const { patients, load } = await loadCohort(db.url, o, log);
    const cost = await writeCost(db.url);
    server = await startBenchServer(db.url, process.env, { auth: 'off' });
    const figures = await measureQueries(server.baseUrl, patients, o.queries);
    process.stdout.write(`\n${formatSearchTable(figures)}\n\n${formatLoad(o, load, cost)}\n`);
    const file = writeResults(join(__dirname, '..', 'results'), { startedAt: started.toISOString(), machine: machine(), search: { options: o, load, writeCost: cost, queries: figures } }, started);
    process.stdout.write(`results: ${file}\n`);
    return 0;
  } finally {
    await server?.stop();
    await db.close();
  }
}

/** Index rows and bytes per resource, from the tables' sizes (the cohort is ~99% Observations). */
export async function writeCost(databaseUrl: string): Promise<WriteCost> {
  const pool: Pool = createPool({ connectionString: databaseUrl, max: 1 });
  try {
    const tables = ['search_string', 'search_token', 'search_reference', 'search_date', 'search_number', 'search_quantity', 'search_uri', 'resource_compartment'];
    const { rows } = await pool.query(`
      SELECT ${tables.map((t) => `(SELECT count(*) FROM ${t})`).join(' + ')} AS index_rows,
             ${tables.map((t) => `pg_total_relation_size('${t}')`).join(' + ')} AS index_bytes,
             pg_total_relation_size('resource') + pg_total_relation_size('resource_version') AS resource_bytes,
             (SELECT count(*) FROM resource) AS resources`);
    const r = rows[0];
    const resources = Number(r.resources);
    return {
      indexRowsPerResource: Math.round((Number(r.index_rows) / resources) * 10) / 10,
      indexBytesPerResource: Math.round(Number(r.index_bytes) / resources),
      resourceBytesPerResource: Math.round(Number(r.resource_bytes) / resources),
    };
  } finally {
    await pool.end();
  }
}

/** p50/p95 of the three queries over HTTP, sequentially, after a warm-up. */
export async function measureQueries(serverUrl: string, patients: CohortPatient[], queries: number): Promise<QueryFigure[]> {
  const since = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  const pickPatient = () => patients[Math.floor(Math.random() * patients.length)];
  const cases = [
    { name: 'vitals: Observation?subject&code&_sort=-date&_count=20', targetP95Ms: 10, url: () => `/fhir/Observation?subject=Patient/${pickPatient().id}&code=${encodeURIComponent(`${NPU}|NPU03011`)}&_sort=-date&_count=20` },
    { name: 'alarms: Observation?code&value-quantity=lt88&date=ge…&_include=subject', targetP95Ms: 50, url: () => `/fhir/Observation?code=${encodeURIComponent(`${NPU}|NPU03011`)}&value-quantity=lt88&date=ge${since}&_include=Observation:subject` },
    { name: 'lookup: Patient?identifier=CPR', targetP95Ms: 5, url: () => `/fhir/Patient?identifier=${encodeURIComponent(`${CPR}|${pickPatient().cpr}`)}` },
  ];
  const figures: QueryFigure[] = [];
  for (const c of cases) {
    for (let i = 0; i < Math.min(50, queries); i++) await (await fetch(serverUrl + c.url())).arrayBuffer();
    const samples: number[] = [];
    let results = 0;
    for (let i = 0; i < queries; i++) {
      const t0 = performance.now();
      const res = await fetch(serverUrl + c.url());
      const body = (await res.json()) as { entry?: unknown[] };
      samples.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`${c.name}: HTTP ${res.status}`);
      results += body.entry?.length ?? 0;
    }
    samples.sort((a, b) => a - b);
    figures.push({ name: c.name, targetP95Ms: c.targetP95Ms, p50Ms: round(percentile(samples, 50)), p95Ms: round(percentile(samples, 95)), meanResults: round(results / queries) });
  }
  return figures;
}

const round = (n: number) => Math.round(n * 100) / 100;

export function formatSearchTable(figures: QueryFigure[]): string {
  return [
    `${'query'.padEnd(66)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'target'.padStart(8)} ${'results'.padStart(8)}`,
    ...figures.map((f) => `${f.name.padEnd(66)} ${String(f.p50Ms).padStart(8)} ${String(f.p95Ms).padStart(8)} ${`<${f.targetP95Ms}`.padStart(8)} ${String(f.meanResults).padStart(8)}  ${f.p95Ms < f.targetP95Ms ? 'met' : 'MISSED'}`),
  ].join('\n');
}


function formatLoad(o: CohortSize, load: LoadFigures, cost: WriteCost): string {
  const resources = o.patients * (o.perPatient + 1);
  return [
    `${load.reused ? 'reused a cohort loaded earlier' : 'loaded'}: ${resources} resources in ${load.seconds.toFixed(1)} s`,
    `create through the store (2 writers, 10 patients per transaction): ${load.withoutIndexPerSecond}/s without index rows, ${load.withIndexPerSecond}/s with; indexing afterwards ${load.reindexPerSecond}/s`,
    `per resource: ${cost.indexRowsPerResource} index rows, ${cost.indexBytesPerResource} index bytes, ${cost.resourceBytesPerResource} resource+history bytes`,
  ].join('\n');
}
