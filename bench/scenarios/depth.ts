// https://hl7.org/fhir/R4/search.html#sort
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { measureHttp } from '../load';
import type { Scenario, ScenarioContext } from './scenario';
import { rawVitalsSearch, vitalsBundle, vitalsQuery } from './vitals';

/**
 * History depth: the vitals query (`subject`, SpO2 code, `_sort=-date`, `_count=20`) for three
 * citizens with 100, 1,000 and 3,000 home measurements (SpO2 and pulse, half each; 3,000 is a COPD
 * citizen after about four years of daily measuring). Clinician worklists open this query for
 * every citizen and a history only grows, so its cost must not grow with it: the target is
 * p50 at 3,000 ≤ 1.3 × p50 at 100 (bench/targets.ts). `npm run bench -- depth` runs the three.
 *
 * Each citizen is a Patient the bench client registers (its organization owns it, so the client
 * reaches its data), written through transaction Bundles before calibration; each is compared
 * with the raw index query of bench/scenarios/vitals.ts over the same citizen.
 */
export const DEPTHS = [100, 1000, 3000] as const;
const CHUNK = 500;

/** POST transaction Bundles of at most CHUNK entries each. */
export async function postTransactions(context: ScenarioContext, entries: BundleEntry[], label: string): Promise<void> {
  for (let i = 0; i < entries.length; i += CHUNK) {
    const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: entries.slice(i, i + CHUNK) };
    const res = await fetch(`${context.serverUrl}/fhir`, {
      method: 'POST',
      headers: { ...context.headers, 'content-type': 'application/fhir+json', prefer: 'return=minimal' },
      body: JSON.stringify(bundle),
    });
    if (res.status !== 200) throw new Error(`${label}: a transaction answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  }
}

/** Create a resource as the bench client; its id. */
export async function createAs(context: ScenarioContext, resource: Record<string, unknown>, label: string): Promise<string> {
  const res = await fetch(`${context.serverUrl}/fhir/${resource.resourceType}`, {
    method: 'POST',
    headers: { ...context.headers, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(resource),
  });
  if (res.status !== 201) throw new Error(`${label}: creating a ${resource.resourceType} answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  return ((await res.json()) as { id: string }).id;
}

function depthScenario(observations: number): Scenario {
  const name = `depth-${observations}`;
  let patientId: string | undefined;
  const patient = (): string => {
    if (!patientId) throw new Error(`${name}: not prepared`);
    return patientId;
  };
  return {
    name,
    description: `the vitals query (GET /fhir/Observation?subject&code=NPU03011&_sort=-date&_count=20) for a citizen with ${observations} measurements`,
    concurrency: [1],
    baseline: { key: name, workload: () => rawVitalsSearch(patient(), `raw-vitals-${observations}`, () => undefined) },
    async prepare(context) {
      patientId = await createAs(context, { resourceType: 'Patient', name: [{ family: 'Dybde', given: [String(observations)] }] }, name);
      const perCode = observations / 2;
      const entries: BundleEntry[] = [];
      for (let from = 0; from < perCode; from += CHUNK) entries.push(...(vitalsBundle(patientId, Math.min(CHUNK, perCode - from), from).entry ?? []));
      await postTransactions(context, entries, name);
    },
    async measure(context, concurrency) {
      return measureHttp(name, { method: 'GET', url: `${context.serverUrl}${vitalsQuery(patient())}`, headers: { accept: 'application/fhir+json' }, expectStatus: 200 }, concurrency, context.timing);
    },
  };
}

export const depth100Scenario = depthScenario(DEPTHS[0]);
export const depth1000Scenario = depthScenario(DEPTHS[1]);
export const depth3000Scenario = depthScenario(DEPTHS[2]);
