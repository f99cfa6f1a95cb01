// https://hl7.org/fhir/R4/http.html#transaction
import { syntheaBundle } from '../../test/support/synthea-bundle';
import { rawInsert } from '../calibrate';
import { measureHttp } from '../load';
import type { Measurement } from '../report';
import { storedJson } from './create';
import type { Scenario } from './scenario';

/** ~360 entries: a practitioner and 60 encounters' worth of data. */
const template = syntheaBundle(60, 3);
const ENTRIES = template.entry.length - 2;

/**
 * The bundle for the bench client's seeded patient: the bench runs with auth on and the client
 * acts for an organization, which reaches only patients with one of its episodes. So the
 * bundle's own Patient entry goes and every reference to it points at the seeded patient; its
 * Organization entry goes too (Organizations are registered by the operator, README "Access
 * control") and references name an already registered one, as Synthea's own hospital bundles do.
 */
function bundleFor(patientId: string): string {
  const entry = (type: string) => template.entry.find((e) => (e.resource as { resourceType: string }).resourceType === type) as { fullUrl: string };
  const [patient, organization] = [entry('Patient'), entry('Organization')];
  const bundle = { ...template, entry: template.entry.filter((e) => e !== patient && e !== organization) };
  return JSON.stringify(bundle).split(patient.fullUrl).join(`Patient/${patientId}`).split(organization.fullUrl).join('Organization/synthea-region');
}

/**
 * POST /fhir of a Synthea-style patient transaction bundle (urn:uuid references rewritten,
 * every entry validated, one database transaction). Reported in resources/s (bundles/s ×
 * entries) next to the raw single-row insert rate, so the ratio reads as in `create`.
 */
export const transactionScenario: Scenario = {
  name: 'transaction',
  description: `POST /fhir of a ${ENTRIES}-entry Synthea-style transaction bundle, in resources/s`,
  concurrency: [1, 4],
  // shares create's key (one calibration per key and concurrency, built by whichever scenario
  // comes first), so it builds the same workload: raw insert with the Observation's index rows
  baseline: { key: 'insert-observation', workload: (c) => rawInsert(storedJson, 'Observation', c.observationIndex) },
  measure: async (context, concurrency) => {
    const m = await measureHttp(
      `transaction (${ENTRIES} entries)`,
      {
        method: 'POST',
        url: `${context.serverUrl}/fhir`,
        headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', prefer: 'return=minimal' },
        body: bundleFor(context.patientId),
        expectStatus: 200,
      },
      concurrency,
      context.timing,
    );
    return perResource(m);
  },
};

/** Bundles → resources: throughput × entries; latencies stay per bundle. */
function perResource(m: Measurement): Measurement {
  return { ...m, operations: m.operations * ENTRIES, opsPerSecond: Math.round(m.opsPerSecond * ENTRIES * 10) / 10 };
}
