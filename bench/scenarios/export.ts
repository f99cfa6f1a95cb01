// https://hl7.org/fhir/uv/bulkdata/export.html
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import { systemClock } from '../../src/clock';
import { loadDefinitions } from '../../src/fhir/definitions/load';
import { createPool } from '../../src/store/pool';
import { ResourceStore } from '../../src/store/resources';
import { createIndexWriter } from '../../src/store/search-index';
import type { RawWorkload } from '../calibrate';
import { percentile, type Measurement } from '../report';
import { spo2For } from './create';
import type { Scenario, ScenarioContext } from './scenario';

/** Observations written for the export: `--export-resources` (run.ts) or KOLIBRI_BENCH_EXPORT_RESOURCES, default 20,000. */
export function exportResources(): number {
  const n = Number(process.env.KOLIBRI_BENCH_EXPORT_RESOURCES ?? 20000);
  if (!Number.isInteger(n) || n < 1) throw new Error(`KOLIBRI_BENCH_EXPORT_RESOURCES must be a positive integer, got ${process.env.KOLIBRI_BENCH_EXPORT_RESOURCES}`);
  return n;
}
const PER_TRANSACTION = 1000;
const WRITERS = 2;
const BATCH = 1000;

/**
 * Write the SpO2 Observations of the seeded patient straight through the store (with every index
 * row, Patient compartments included, as the server writes them), in this process: the server's
 * peak RSS then shows the export alone, not the writing, and a million rows load in minutes.
 */
async function prepare(context: ScenarioContext): Promise<void> {
  const total = exportResources();
  const pool = createPool({ connectionString: context.databaseUrl, max: WRITERS });
  try {
    const registry = loadDefinitions({ profileDirs: [join(__dirname, '..', '..', 'fhir-profiles')] });
    const store = new ResourceStore({ pool, clock: systemClock, indexWriter: createIndexWriter(registry) });
    const started = Date.now();
    let next = 0;
    let reported = 0;
    const work = async () => {
      while (next < total) {
        const n = Math.min(PER_TRANSACTION, total - next);
        next += n;
        await store.transaction(async (tx) => {
          for (let i = 0; i < n; i++) await tx.create(spo2For(context.patientId));
        });
        if (next - reported >= total / 10) {
          reported = next;
          process.stderr.write(`bench: export: wrote ${next}/${total} Observations (${Math.round(next / ((Date.now() - started) / 1000))}/s)\n`);
        }
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, work));
    await pool.query('ANALYZE');
  } finally {
    await pool.end();
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

/** The resident set size of process `pid` now (Linux /proc), in bytes; undefined elsewhere. */
function rssOf(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Sample the server's RSS every 100 ms until stopped: its value at the start and the peak. */
function sampleRss(pid: number | undefined): () => { startMb: number; peakMb: number } | undefined {
  const start = rssOf(pid);
  let peak = start ?? 0;
  const timer = setInterval(() => (peak = Math.max(peak, rssOf(pid) ?? 0)), 100);
  return () => {
    clearInterval(timer);
    peak = Math.max(peak, rssOf(pid) ?? 0);
    return start === undefined ? undefined : { startMb: Math.round(start / 2 ** 20), peakMb: Math.round(peak / 2 ** 20) };
  };
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
 * Bulk Data export of the bench client's Observations (exportResources() of them, written in `prepare`):
 * whole exports, one after another, for the measured window. Reported as resources per second;
 * the run's peak RSS shows what streaming keeps flat.
 */
export const exportScenario: Scenario = {
  name: 'export',
  description: 'GET /fhir/$export?_type=Observation of --export-resources Observations (default 20,000), polled and downloaded; ops = resources exported; the peak RSS is the export’s (the Observations are written outside the server)',
  concurrency: [1],
  optIn: true,
  baseline: { key: 'export-batch', workload: rawExportBatches },
  prepare,
  async measure(context) {
    const rss = sampleRss(context.serverPid);
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
    const memory = rss();
    if (memory) process.stderr.write(`bench: export of ${exportResources()} Observations: server RSS ${memory.startMb} MB before the first export, peak ${memory.peakMb} MB during the exports (${resources} resources exported in the measured window)\n`);
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
