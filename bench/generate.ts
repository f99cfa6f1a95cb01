/**
 * The search benchmark's cohort: N patients (CPR identifiers) × M home-measurement
 * Observations (SpO2, pulse, weight over the last 180 days), written straight through the
 * store in transactions of several patients, by two writers at once.
 *
 * The first tenth of the patients is written without index rows, the rest with them, so one
 * run gives create throughput without and with indexing; the first tenth is then indexed with
 * src/store/reindex.ts. A loaded cohort is remembered in the database (table
 * bench_search_cohort): a later run on the same DATABASE_URL with the same size reuses it.
 */
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import type { Pool } from 'pg';
import { systemClock } from '../src/clock';
import { loadDefinitions } from '../src/fhir/definitions/load';
import { noIndex, type IndexWriter } from '../src/store/index-writer';
import { createPool } from '../src/store/pool';
import { reindex } from '../src/store/reindex';
import { ResourceStore } from '../src/store/resources';
import { createIndexWriter } from '../src/store/search-index';

export const NPU = 'urn:oid:1.2.208.176.2.1';
export const CPR = 'urn:oid:1.2.208.176.1.2';
const MEASUREMENTS = [
  { code: 'NPU03011', unit: '%', low: 82, high: 99 },
  { code: 'NPU21692', unit: '/min', low: 48, high: 135 },
  { code: 'NPU03804', unit: 'kg', low: 55, high: 120 },
];
const PATIENTS_PER_TRANSACTION = 10;
const WRITERS = 2;

export interface CohortSize {
  patients: number;
  perPatient: number;
}

export interface CohortPatient {
  id: string;
  cpr: string;
}

export interface LoadFigures {
  /** true when an earlier run's cohort was reused (the rates are then that run's) */
  reused: boolean;
  seconds: number;
  /** resources/s written without index rows (first tenth of the patients) */
  withoutIndexPerSecond: number;
  /** resources/s written with index rows (the rest) */
  withIndexPerSecond: number;
  /** resources/s of indexing the first tenth afterwards (reindex) */
  reindexPerSecond: number;
}

/** A valid-looking CPR number (DDMMYY + 4 digits), unique per patient index below 10⁸. */
function cpr(i: number): string {
  const day = String((i % 28) + 1).padStart(2, '0');
  const month = String((Math.floor(i / 28) % 12) + 1).padStart(2, '0');
  return `${day}${month}${String(40 + (i % 50)).padStart(2, '0')}${String(i % 10000).padStart(4, '0')}`;
}

function observation(patientId: string, j: number, perPatient: number, now: number): Resource {
  const m = MEASUREMENTS[j % MEASUREMENTS.length];
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: NPU, code: m.code }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: new Date(now - (j * 86_400_000 * 180) / perPatient).toISOString(),
    valueQuantity: { value: Math.round((m.low + Math.random() * (m.high - m.low)) * 10) / 10, unit: m.unit, system: 'http://unitsofmeasure.org', code: m.unit },
  } as Resource;
}

/** Load the cohort (or reuse a loaded one); returns its patients and the load figures. */
export async function loadCohort(databaseUrl: string, size: CohortSize, log: (m: string) => void): Promise<{ patients: CohortPatient[]; load: LoadFigures }> {
  const pool = createPool({ connectionString: databaseUrl, max: WRITERS + 1 });
  try {
    const cached = await cachedCohort(pool, size);
    if (cached) {
      log(`reusing the cohort loaded on ${cached.loadedAt} (${size.patients} × ${size.perPatient}); drop table bench_search_cohort to reload`);
      return { patients: cached.patients, load: { ...cached.load, reused: true } };
    }
    const registry = loadDefinitions({ profileDirs: [join(__dirname, '..', 'fhir-profiles')] });
    const indexed = createIndexWriter(registry);
    const patients: CohortPatient[] = new Array(size.patients);
    const perPatient = size.perPatient + 1;
    const started = Date.now();
    const plain = Math.max(1, Math.floor(size.patients / 10));
    const { rows: before } = await pool.query<{ rid: string | null }>('SELECT max(rid)::text AS rid FROM resource');
    const t0 = Date.now();
    await writePatients(pool, noIndex, 0, plain, size, patients, log, started);
    const withoutIndexPerSecond = Math.round((plain * perPatient) / ((Date.now() - t0) / 1000));
    const { rows: after } = await pool.query<{ rid: string }>('SELECT max(rid)::text AS rid FROM resource');
    const t1 = Date.now();
    await writePatients(pool, indexed, plain, size.patients, size, patients, log, started);
    const withIndexPerSecond = Math.round(((size.patients - plain) * perPatient) / ((Date.now() - t1) / 1000));
    log(`indexing the first ${plain} patients' resources (written without index rows)`);
    const t2 = Date.now();
    const re = await reindex(pool, indexed, { types: ['Patient', 'Observation'], afterRid: before[0].rid ?? '0', upToRid: after[0].rid });
    const reindexPerSecond = Math.round(re.done / ((Date.now() - t2) / 1000));
    // As autovacuum's autoanalyze would after a bulk load: the planner needs the new statistics.
    log('ANALYZE');
    await pool.query('ANALYZE');
    const load: LoadFigures = { reused: false, seconds: (Date.now() - started) / 1000, withoutIndexPerSecond, withIndexPerSecond, reindexPerSecond };
    await remember(pool, size, patients, load);
    return { patients, load };
  } finally {
    await pool.end();
  }
}

/** Patients [from, to) by WRITERS concurrent writers, PATIENTS_PER_TRANSACTION per transaction. */
async function writePatients(pool: Pool, writer: IndexWriter, from: number, to: number, size: CohortSize, out: CohortPatient[], log: (m: string) => void, started: number): Promise<void> {
  const store = new ResourceStore({ pool, clock: systemClock, indexWriter: writer });
  const now = Date.now();
  const step = Math.max(PATIENTS_PER_TRANSACTION, Math.floor(size.patients / 20));
  let next = from;
  let reported = from;
  const work = async () => {
    while (next < to) {
      const first = next;
      const last = Math.min(to, first + PATIENTS_PER_TRANSACTION);
      next = last;
      await store.transaction(async (tx) => {
        for (let i = first; i < last; i++) {
          const number = cpr(i);
          const p = await tx.create({ resourceType: 'Patient', identifier: [{ system: CPR, value: number }], name: [{ family: `Bench${i}` }], gender: i % 2 ? 'male' : 'female' } as Resource);
          out[i] = { id: p.id, cpr: number };
          for (let j = 0; j < size.perPatient; j++) await tx.create(observation(p.id, j, size.perPatient, now));
        }
      });
      if (next - reported >= step || next === size.patients) {
        reported = next;
        const done = next * (size.perPatient + 1);
        log(`loaded ${next}/${size.patients} patients (${done} resources, ${Math.round(done / ((Date.now() - started) / 1000))}/s overall)`);
      }
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, work));
}

async function cachedCohort(pool: Pool, size: CohortSize): Promise<{ patients: CohortPatient[]; load: LoadFigures; loadedAt: string } | undefined> {
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_search_cohort (patients int, per_patient int, loaded_at timestamptz, load jsonb, ids text[], cprs text[])`);
  const { rows } = await pool.query(`SELECT loaded_at::text, load, ids, cprs FROM bench_search_cohort WHERE patients = $1 AND per_patient = $2`, [size.patients, size.perPatient]);
  if (!rows.length) return undefined;
  const r = rows[0] as { loaded_at: string; load: LoadFigures; ids: string[]; cprs: string[] };
  return { loadedAt: r.loaded_at, load: r.load, patients: r.ids.map((id, i) => ({ id, cpr: r.cprs[i] })) };
}

async function remember(pool: Pool, size: CohortSize, patients: CohortPatient[], load: LoadFigures): Promise<void> {
  await pool.query(`INSERT INTO bench_search_cohort VALUES ($1, $2, now(), $3, $4, $5)`, [size.patients, size.perPatient, JSON.stringify(load), patients.map((p) => p.id), patients.map((p) => p.cpr)]);
}
