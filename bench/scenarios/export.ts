// https://hl7.org/fhir/uv/bulkdata/export.html
import type { Client } from 'pg';
import type { RawWorkload } from '../calibrate';
import { percentile, type Measurement } from '../report';
import { spo2For } from './create';
import type { Scenario, ScenarioContext } from './scenario';

/** Observations written for the export (KOLIBRI_BENCH_EXPORT_RESOURCES overrides). */
const RESOURCES = Number(process.env.KOLIBRI_BENCH_EXPORT_RESOURCES ?? 20000);
const BUNDLE = 100;
const BATCH = 1000;

/** Write RESOURCES SpO2 Observations of the seeded patient, in transaction Bundles of 100 (larger ones raise the server's peak RSS by themselves). */
async function prepare(context: ScenarioContext): Promise<void> {
  for (let written = 0; written < RESOURCES; written += BUNDLE) {
    const n = Math.min(BUNDLE, RESOURCES - written);
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: Array.from({ length: n }, () => ({ resource: spo2For(context.patientId), request: { method: 'POST', url: 'Observation' } })),
    };
    const res = await fetch(`${context.serverUrl}/fhir`, {
      method: 'POST',
      headers: { ...context.headers, 'content-type': 'application/fhir+json', prefer: 'return=minimal' },
      body: JSON.stringify(bundle),
    });
    if (res.status !== 200) throw new Error(`export: writing Observations answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    await res.arrayBuffer();
  }
}

/** One whole export of the client's Observations: kick-off, polling, every file downloaded; resources exported. */
async function exportOnce(context: ScenarioContext): Promise<number> {
  const kick = await fetch(`${context.serverUrl}/fhir/$export?_type=Observation`, { headers: { ...context.headers, prefer: 'respond-async' } });
  await kick.arrayBuffer();
  if (kick.status !== 202) throw new Error(`export: kick-off answered ${kick.status}`);
  const status = new URL(kick.headers.get('content-location') ?? '').pathname;
  for (;;) {
    const res = await fetch(`${context.serverUrl}${status}`, { headers: context.headers });
    if (res.status === 202) {
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    if (res.status !== 200) throw new Error(`export: status answered ${res.status}: ${await res.text()}`);
    const manifest = (await res.json()) as { output: Array<{ url: string; count: number }> };
    let lines = 0;
    for (const o of manifest.output) {
      const file = await fetch(`${context.serverUrl}${new URL(o.url).pathname}`, { headers: context.headers });
      if (file.status !== 200 || !file.body) throw new Error(`export: file answered ${file.status}`);
      // counted as it streams, never held whole
      for await (const chunk of file.body as unknown as AsyncIterable<Uint8Array>) for (const byte of chunk) if (byte === 10) lines++;
    }
    await fetch(`${context.serverUrl}${status}`, { method: 'DELETE', headers: context.headers }).then((r) => r.arrayBuffer());
    return lines;
  }
}

/**
 * The raw read an export is made of: keyset batches of 1,000 Observation rows in id order on the
 * primary key, without the access filter, one batch per operation (so its rate is in batches/s,
 * the server's in resources/s: multiply by 1,000 to compare).
 */
function rawExportBatches(): RawWorkload {
  const after = new WeakMap<Client, string>();
  return {
    name: 'raw-export-batch',
    async run(client) {
      const { rows } = await client.query({
        name: 'kolibri-bench-export-batch',
        text: `SELECT id, content FROM resource WHERE resource_type = 'Observation' AND NOT deleted AND id > $1 ORDER BY id LIMIT ${BATCH}`,
        values: [after.get(client) ?? ''],
      });
      after.set(client, rows.length === BATCH ? rows[rows.length - 1].id : '');
    },
  };
}

/**
 * Bulk Data export of the bench client's Observations (RESOURCES of them, written in `prepare`):
 * whole exports, one after another, for the measured window. Reported as resources per second;
 * the run's peak RSS shows what streaming keeps flat.
 */
export const exportScenario: Scenario = {
  name: 'export',
  description: `GET /fhir/$export?_type=Observation of ${RESOURCES} Observations, polled and downloaded; ops = resources exported`,
  concurrency: [1],
  optIn: true,
  baseline: { key: 'export-batch', workload: rawExportBatches },
  prepare,
  async measure(context) {
    await exportOnce(context); // warm-up
    const started = performance.now();
    const durations: number[] = [];
    let resources = 0;
    let errors = 0;
    do {
      const t0 = performance.now();
      try {
        resources += await exportOnce(context);
        durations.push(performance.now() - t0);
      } catch {
        errors++;
      }
    } while (performance.now() - started < context.timing.durationMs && errors < 3);
    const seconds = (performance.now() - started) / 1000;
    const sorted = Float64Array.from(durations).sort();
    const round = (x: number) => Math.round(x * 1000) / 1000;
    const measurement: Measurement = {
      name: 'export',
      kind: 'server',
      concurrency: 1,
      operations: resources,
      errors,
      seconds: round(seconds),
      opsPerSecond: Math.round((resources / seconds) * 10) / 10,
      latencyMs: { p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), p99: round(percentile(sorted, 99)), max: round(sorted[sorted.length - 1] ?? NaN) },
    };
    return measurement;
  },
};
