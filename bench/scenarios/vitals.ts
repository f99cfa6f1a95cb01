// https://hl7.org/fhir/R4/search.html
import type { Bundle, Observation } from '@medplum/fhirtypes';
import type { Client } from 'pg';
import { paramKey } from '../../src/fhir/search/param-key';
import { MEASUREMENTS, SYSTEMS } from '../../src/telemedicine/seed/resources';
import type { RawWorkload } from '../calibrate';
import { measureHttp } from '../load';
import { spo2Observation } from './create';
import type { Scenario, ScenarioContext } from './scenario';

/**
 * The citizen app's and the clinician's "latest SpO2 values" of one patient: the bench patient's
 * home measurements, SpO2 and pulse (NPU, urn:oid:1.2.208.176.2.1) three times a week for about
 * a year and a half, newest first, one page of 20.
 */
const PER_CODE = 250;
const PAGE = 20;
const SPO2 = MEASUREMENTS.spo2;
export const vitalsQuery = (patientId: string) =>
  `/fhir/Observation?subject=Patient/${patientId}&code=${encodeURIComponent(`${SYSTEMS.npu}|${SPO2.code}`)}&_sort=-date&_count=${PAGE}`;

/** Home measurements of `patientId`, every 2–3 days back from 2026-05-01 (SpO2 and pulse, `perCode` each), for one transaction. */
export function vitalsBundle(patientId: string, perCode = PER_CODE, from = 0): Bundle {
  const entries = [SPO2, MEASUREMENTS.pulse].flatMap((m, k) =>
    Array.from({ length: perCode }, (_v, j): Observation => {
      const i = from + j;
      const at = new Date(Date.UTC(2026, 4, 1, 6, 30 + k * 5) - Math.round(i * 2.33) * 86_400_000);
      return {
        ...spo2Observation,
        code: { coding: [{ system: SYSTEMS.npu, code: m.code, display: m.display }] },
        subject: { reference: `Patient/${patientId}` },
        effectiveDateTime: at.toISOString().replace('.000Z', '+00:00'),
        valueQuantity: { value: m === SPO2 ? 90 + (i % 8) : 60 + (i % 30), unit: m.unit, system: SYSTEMS.ucum, code: m.unit },
      };
    }),
  );
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: entries.map((resource) => ({ resource, request: { method: 'POST', url: 'Observation' } })),
  };
}

/** How many of the patient's Observations the vitals query matches (`_summary=count`). */
async function matching(context: ScenarioContext): Promise<number> {
  const res = await fetch(`${context.serverUrl}${vitalsQuery(context.patientId).replace(/&_sort=[^&]*&_count=\d+/, '&_summary=count')}`, { headers: context.headers });
  if (res.status !== 200) throw new Error(`vitals-search: counting answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as Bundle).total ?? 0;
}

/** How many Observations the raw query matched when it was calibrated. */
let calibratedWith: number | undefined;

/**
 * The same page straight from the search index, the way a hand-written client of this schema
 * would ask for it: the patient's subject rows (search_reference, index on param + target),
 * joined by rid with the code rows (search_token) and the one effective-date row each
 * (search_date), newest first, then the 20 (+1, as the server reads one more to know there is
 * a next page) current resources' JSON. What it leaves out is the server's own work: parsing
 * and compiling the search, the access filter of the bench client's organization (an EXISTS
 * over resource_compartment and the organization's episodes per row), the Bundle, the token
 * check and the audit record.
 */
export function rawVitalsSearch(patientId: string, name = 'raw-vitals-search', matched = (n: number) => void (calibratedWith = n)): RawWorkload {
  const from = `FROM search_reference s
      JOIN search_token c ON c.rid = s.rid AND c.param = $2 AND c.value = $3 AND c.system = $4
      JOIN search_date d ON d.rid = s.rid AND d.param = $5
      JOIN resource r ON r.rid = s.rid AND NOT r.deleted
     WHERE s.param = $1 AND s.target_type = 'Patient' AND s.target_id = $6`;
  const text = `SELECT r.id, r.content ${from} ORDER BY d.high DESC, r.rid LIMIT ${PAGE + 1}`;
  const values = [paramKey('Observation', 'subject'), paramKey('Observation', 'code'), SPO2.code, SYSTEMS.npu, paramKey('Observation', 'date'), patientId];
  return {
    name,
    async setup(client: Client) {
      const { rows } = await client.query(`SELECT count(*)::int AS n ${from}`, values);
      matched(rows[0].n as number);
    },
    async run(client: Client) {
      const { rows } = await client.query({ name: 'kolibri-bench-vitals', text, values });
      if (rows.length < PAGE) throw new Error(`raw vitals search found ${rows.length} rows`);
    },
  };
}

/**
 * GET /fhir/Observation?subject=Patient/{id}&code=…|NPU03011&_sort=-date&_count=20 with the
 * bench client's token, over the bench patient's 2 × 250 home measurements (written once through
 * a transaction Bundle before calibration), at 1 and 16 connections; compared with the raw
 * index query above on the same rows.
 *
 * Measured first in a run (bench/scenarios-found.ts): create, read and $submit-measurement add
 * SpO2 Observations for the same patient, thousands in a run, and both sort the whole match, so
 * later the server would search more rows than the calibration did.
 */
export const vitalsSearchScenario: Scenario = {
  name: 'vitals-search',
  description: `GET /fhir/Observation?subject&code=NPU03011&_sort=-date&_count=${PAGE} over ${PER_CODE} SpO2 + ${PER_CODE} pulse values`,
  concurrency: [1, 8, 16],
  baseline: { key: 'vitals-search', workload: (c) => rawVitalsSearch(c.patientId) },
  async prepare(context) {
    const res = await fetch(`${context.serverUrl}/fhir`, {
      method: 'POST',
      headers: { ...context.headers, 'content-type': 'application/fhir+json', prefer: 'return=minimal' },
      body: JSON.stringify(vitalsBundle(context.patientId)),
    });
    if (res.status !== 200) throw new Error(`vitals-search: writing the measurements answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  },
  async measure(context, concurrency) {
    const now = await matching(context);
    if (calibratedWith !== undefined && now !== calibratedWith) {
      process.stderr.write(`vitals-search: the query matches ${now} Observations, the calibration saw ${calibratedWith}; the ratio compares different work\n`);
    }
    return measureHttp(
      'vitals-search',
      { method: 'GET', url: `${context.serverUrl}${vitalsQuery(context.patientId)}`, headers: { accept: 'application/fhir+json' }, expectStatus: 200 },
      concurrency,
      context.timing,
    );
  },
};
