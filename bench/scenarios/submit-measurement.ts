// Kolibri operation: README "Telemedicine workflow", src/telemedicine/submit-measurement.ts
import type { Bundle, Resource, ServiceRequest } from '@medplum/fhirtypes';
import { Client } from 'pg';
import * as fhir from '../../src/telemedicine/seed/resources';
import { rawInsertTransaction, type InsertTemplate } from '../calibrate';
import { captureIndexRows, retarget, standInId } from '../index-template';
import { measureHttp } from '../load';
import type { Scenario, ScenarioContext } from './scenario';

const PLAN = 'https://kolibri.dk/fhir/PlanDefinition/kol-home-monitoring';

interface Enrolment {
  /** ServiceRequest ids of the COPD plan's regimes by NPU code. */
  spo2: string;
  pulse: string;
  /** The resources one submission writes, as the raw calibration inserts them. */
  written: InsertTemplate[];
}

let enrolment: Enrolment | undefined;

/** A citizen app's submission: SpO2 95 % and pulse 72 /min (both green), one Bundle. */
function submission(context: ScenarioContext, e: Pick<Enrolment, 'spo2' | 'pulse'>): Bundle {
  const at = new Date().toISOString();
  const item = (srId: string, m: fhir.Measurement, value: number) => ({ ...fhir.observation('x', context.patientId, context.episodeId, srId, m, value, at), id: undefined });
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [{ resource: item(e.spo2, fhir.MEASUREMENTS.spo2, 95) }, { resource: item(e.pulse, fhir.MEASUREMENTS.pulse, 72) }],
  };
}

async function call(context: ScenarioContext, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Bundle> {
  const res = await fetch(`${context.serverUrl}/fhir${path}`, {
    method,
    headers: { ...context.headers, accept: 'application/fhir+json', ...(body ? { 'content-type': 'application/fhir+json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`submit-measurement: ${method} ${path.split('?')[0]} answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as Bundle;
}

const resources = (bundle: Bundle) => (bundle.entry ?? []).map((e) => e.resource as Resource);

/**
 * Enrol the bench patient in the COPD plan template (loaded at server start-up) with
 * `$apply?persist=true`, then submit once: it checks the whole path works before anything is
 * measured, and the four resources it wrote (two Observations, the ClinicalImpression, the Task)
 * are what the calibration inserts, with their stored JSON and index rows.
 */
async function enrol(context: ScenarioContext): Promise<Enrolment> {
  const plan = resources(await call(context, 'GET', `/PlanDefinition?url=${encodeURIComponent(PLAN)}`))[0];
  if (!plan) throw new Error(`submit-measurement: no PlanDefinition ${PLAN} (the server loads the templates at start-up)`);
  const start = new Date().toISOString().slice(0, 10);
  const applied = await call(context, 'POST', `/PlanDefinition/${plan.id}/$apply?subject=Patient/${context.patientId}&episodeOfCare=EpisodeOfCare/${context.episodeId}&start=${start}&persist=true`);
  const regime = (code: string) => resources(applied).find((r) => r.resourceType === 'ServiceRequest' && (r as ServiceRequest).code?.coding?.[0]?.code === code)?.id;
  const spo2 = regime(fhir.MEASUREMENTS.spo2.code);
  const pulse = regime(fhir.MEASUREMENTS.pulse.code);
  if (!spo2 || !pulse) throw new Error('submit-measurement: $apply of the COPD plan made no SpO2 or pulse ServiceRequest');
  const written = resources(await call(context, 'POST', `/Patient/${context.patientId}/$submit-measurement`, submission(context, { spo2, pulse })));
  const standIn = { from: context.patientId, to: standInId(context.patientId) };
  return { spo2, pulse, written: await Promise.all(written.map((r) => insertTemplate(context.databaseUrl, r, standIn))) };
}

/**
 * The stored JSON (new id and lastUpdated put in) and index rows of a resource the server wrote,
 * about a stand-in patient (see retarget): the calibration's rows add nothing to the bench
 * patient's data, which vitals-search reads.
 */
async function insertTemplate(url: string, r: Resource, patient: { from: string; to: string }): Promise<InsertTemplate> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ content: string }>('SELECT content FROM resource WHERE resource_type = $1 AND id = $2', [r.resourceType, r.id]);
    const stored = rows[0].content.split(patient.from).join(patient.to);
    const lastUpdated = r.meta?.lastUpdated as string;
    return {
      resourceType: r.resourceType,
      content: (id, now) => stored.split(r.id as string).join(id).split(lastUpdated).join(now),
      index: retarget(await captureIndexRows(url, r.resourceType, r.id as string), patient.from, patient.to),
    };
  } finally {
    await client.end();
  }
}

/**
 * POST /fhir/Patient/{id}/$submit-measurement of SpO2 + pulse with the bench client's token:
 * the patient, episode, care team and both ServiceRequests read and checked, each Observation
 * validated (kolibri-observation) and triaged against its thresholds, and the two Observations,
 * a ClinicalImpression and a Task written in one transaction with their index rows, plus the
 * audit record. Compared with raw PostgreSQL inserting the same four resources (current and
 * history rows and the same index rows, captured from a submission the server stored) in one
 * transaction.
 */
export const submitMeasurementScenario: Scenario = {
  name: 'submit-measurement',
  description: 'POST /fhir/Patient/{id}/$submit-measurement of SpO2 + pulse (triage, ClinicalImpression, Task)',
  concurrency: [1, 4],
  baseline: {
    key: 'insert-submission',
    workload: () => {
      if (!enrolment) throw new Error('submit-measurement: calibration before prepare');
      const rows = enrolment.written.reduce((n, t) => n + (t.index?.rowCount ?? 0), 0);
      return rawInsertTransaction(`raw-${enrolment.written.length}-inserts+${rows}-index-rows`, enrolment.written);
    },
  },
  async prepare(context) {
    enrolment = await enrol(context);
  },
  async measure(context, concurrency) {
    if (!enrolment) throw new Error('submit-measurement: measured before prepare');
    return measureHttp(
      'submit-measurement',
      {
        method: 'POST',
        url: `${context.serverUrl}/fhir/Patient/${context.patientId}/$submit-measurement`,
        headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
        body: JSON.stringify(submission(context, enrolment)),
        expectStatus: 200,
      },
      concurrency,
      context.timing,
    );
  },
};
