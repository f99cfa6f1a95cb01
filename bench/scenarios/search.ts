/**
 * `npm run bench -- search [--patients N] [--per-patient M] [--queries K]`
 *
 * Loads N patients × M home-measurement Observations (default 1,000 × 100 = 100k; the issue's
 * full size is `--patients 10000` = 1M, several minutes of loading here) straight through the
 * store in batched transactions (index rows included), then measures over HTTP, one request at
 * a time, p50/p95 of the three queries vendor apps live on, and the write cost of indexing.
 */
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { systemClock } from '../src/clock';
import { loadDefinitions } from '../src/fhir/definitions/load';
import { createPool } from '../src/store/pool';
import { ResourceStore } from '../src/store/resources';
import { createIndexWriter } from '../src/store/search-index';
import { percentile } from './report';

const NPU = 'urn:oid:1.2.208.176.2.1';
const CPR = 'urn:oid:1.2.208.176.1.2';
const MEASUREMENTS = [
  { code: 'NPU03011', unit: '%', low: 82, high: 99 },
  { code: 'NPU21692', unit: '/min', low: 48, high: 135 },
  { code: 'NPU03804', unit: 'kg', low: 55, high: 120 },
];

export interface SearchBenchOptions {
  patients: number;
  perPatient: number;
  queries: number;
}

export interface QueryFigure {
  name: string;
  targetP95Ms: number;
  p50Ms: number;
  p95Ms: number;
  meanResults: number;
}

/** A valid CPR number (DDMMYY + 4 digits) for patient i. */
function cpr(i: number): string {
  const day = String((i % 28) + 1).padStart(2, '0');
  const month = String((Math.floor(i / 28) % 12) + 1).padStart(2, '0');
  return `${day}${month}${String(40 + (i % 50)).padStart(2, '0')}${String(i % 10000).padStart(4, '0')}`;
}

/** Load the cohort; returns the patients' ids and CPR numbers. */
export async function loadCohort(databaseUrl: string, o: SearchBenchOptions, log: (m: string) => void): Promise<Array<{ id: string; cpr: string }>> {
  const registry = loadDefinitions({ profileDirs: [join(__dirname, '..', 'fhir-profiles')] });
  const pool = createPool({ connectionString: databaseUrl, max: 4 });
  const store = new ResourceStore({ pool, clock: systemClock, indexWriter: createIndexWriter(registry) });
  const patients: Array<{ id: string; cpr: string }> = [];
  const started = Date.now();
  const now = Date.now();
  try {
    for (let i = 0; i < o.patients; i++) {
      const number = cpr(i);
      await store.transaction(async (tx) => {
        const p = await tx.create({ resourceType: 'Patient', identifier: [{ system: CPR, value: number }], name: [{ family: `Bench${i}` }], gender: i % 2 ? 'male' : 'female' } as Resource);
        patients.push({ id: p.id, cpr: number });
        for (let j = 0; j < o.perPatient; j++) {
          const m = MEASUREMENTS[j % MEASUREMENTS.length];
          await tx.create({
            resourceType: 'Observation',
            status: 'final',
            code: { coding: [{ system: NPU, code: m.code }] },
            subject: { reference: `Patient/${p.id}` },
            effectiveDateTime: new Date(now - (j * 86_400_000 * 180) / o.perPatient).toISOString(),
            valueQuantity: { value: Math.round((m.low + Math.random() * (m.high - m.low)) * 10) / 10, unit: m.unit, system: 'http://unitsofmeasure.org', code: m.unit },
          } as Resource);
        }
      });
      if ((i + 1) % Math.max(1, Math.floor(o.patients / 20)) === 0) {
        const done = (i + 1) * (o.perPatient + 1);
        log(`loaded ${i + 1}/${o.patients} patients (${done} resources, ${Math.round(done / ((Date.now() - started) / 1000))}/s)`);
      }
    }
    // As autovacuum's autoanalyze would after a bulk load: the planner needs the new statistics.
    log('ANALYZE');
    await pool.query('ANALYZE');
  } finally {
    await pool.end();
  }
  return patients;
}

/** Index rows and bytes per Observation, from the tables' sizes. */
export async function writeCost(databaseUrl: string): Promise<{ indexRowsPerObservation: number; indexBytesPerObservation: number; resourceBytesPerObservation: number }> {
  const pool = createPool({ connectionString: databaseUrl, max: 1 });
  try {
    const { rows } = await pool.query(`
      SELECT (SELECT count(*) FROM resource WHERE resource_type = 'Observation') AS observations,
             (SELECT count(*) FROM search_string) + (SELECT count(*) FROM search_token) + (SELECT count(*) FROM search_reference)
               + (SELECT count(*) FROM search_date) + (SELECT count(*) FROM search_number) + (SELECT count(*) FROM search_quantity)
               + (SELECT count(*) FROM search_uri) + (SELECT count(*) FROM resource_compartment) AS index_rows,
             pg_total_relation_size('search_string') + pg_total_relation_size('search_token') + pg_total_relation_size('search_reference')
               + pg_total_relation_size('search_date') + pg_total_relation_size('search_number') + pg_total_relation_size('search_quantity')
               + pg_total_relation_size('search_uri') + pg_total_relation_size('resource_compartment') AS index_bytes,
             pg_total_relation_size('resource') + pg_total_relation_size('resource_version') AS resource_bytes,
             (SELECT count(*) FROM resource) AS resources`);
    const r = rows[0];
    const resources = Number(r.resources);
    return {
      indexRowsPerObservation: Math.round((Number(r.index_rows) / resources) * 10) / 10,
      indexBytesPerObservation: Math.round(Number(r.index_bytes) / resources),
      resourceBytesPerObservation: Math.round(Number(r.resource_bytes) / resources),
    };
  } finally {
    await pool.end();
  }
}

/** p50/p95 of the three queries over HTTP, sequentially, after a warm-up. */
export async function measureQueries(serverUrl: string, patients: Array<{ id: string; cpr: string }>, queries: number): Promise<QueryFigure[]> {
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

