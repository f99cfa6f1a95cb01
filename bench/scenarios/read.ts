// https://hl7.org/fhir/R4/http.html#read
import { rawRead } from '../calibrate';
import { measureHttp } from '../load';
import { spo2For, storedJson } from './create';
import type { Scenario, ScenarioContext } from './scenario';

/** Create the Observation the scenario reads, with the bench client's token; its id. */
async function createOne(context: ScenarioContext): Promise<string> {
  const res = await fetch(`${context.serverUrl}/fhir/Observation`, {
    method: 'POST',
    headers: { ...context.headers, 'content-type': 'application/fhir+json', prefer: 'return=minimal' },
    body: JSON.stringify(spo2For(context.patientId)),
  });
  if (res.status !== 201) throw new Error(`read: creating the Observation to read answered ${res.status}: ${await res.text()}`);
  const location = res.headers.get('location') ?? '';
  const id = /Observation\/([^/]+)/.exec(location)?.[1];
  if (!id) throw new Error(`read: no id in Location '${location}'`);
  return id;
}

/**
 * GET /fhir/Observation/{id} with the bench client's token: authentication, the access check of
 * the patient compartment, the current row by primary key, the audit record, 200 with the JSON.
 * Compared with the raw primary-key SELECT of the same row shape.
 */
export const readScenario: Scenario = {
  name: 'read',
  description: 'GET /fhir/Observation/{id} of a home SpO2 measurement',
  concurrency: [1, 8, 16],
  baseline: { key: 'read-observation', workload: () => rawRead(storedJson, 'Observation') },
  async measure(context, concurrency) {
    const id = await createOne(context);
    return measureHttp(
      'read',
      { method: 'GET', url: `${context.serverUrl}/fhir/Observation/${id}`, headers: { accept: 'application/fhir+json' }, expectStatus: 200 },
      concurrency,
      context.timing,
    );
  },
};
