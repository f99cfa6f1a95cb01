import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CpuPerOp } from './cpu';

/** One measured cell: a workload at one concurrency, warm-up excluded. */
export interface Measurement {
  /** Scenario or calibration name, e.g. `create` or `raw-insert`. */
  name: string;
  kind: 'calibration' | 'server';
  concurrency: number;
  /** Successful operations in the measured window. */
  operations: number;
  /** Failed operations (non-2xx, connection errors, database errors). */
  errors: number;
  seconds: number;
  opsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** CPU per operation over the measured window (bench/cpu.ts), where it was taken. */
  cpu?: CpuPerOp;
}

/** A server measurement next to the raw-database calibration it is compared with. */
export interface ReportRow {
  measurement: Measurement;
  baseline?: Measurement;
}

/** Summarize per-operation latencies (ms) measured over `seconds`. */
export function summarize(
  head: Pick<Measurement, 'name' | 'kind' | 'concurrency' | 'errors'>,
  latenciesMs: number[],
  seconds: number,
): Measurement {
  const sorted = Float64Array.from(latenciesMs).sort();
  return {
    ...head,
    operations: sorted.length,
    seconds: round(seconds, 3),
    opsPerSecond: round(sorted.length / seconds, 1),
    latencyMs: {
      p50: round(percentile(sorted, 50), 3),
      p95: round(percentile(sorted, 95), 3),
      p99: round(percentile(sorted, 99), 3),
      max: round(sorted.length ? sorted[sorted.length - 1] : NaN, 3),
    },
  };
}

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Throughput relative to the calibration (1.0 = as fast as raw PostgreSQL). */
export function throughputRatio(row: ReportRow): number | undefined {
  return row.baseline ? round(row.measurement.opsPerSecond / row.baseline.opsPerSecond, 2) : undefined;
}

/** Median latency relative to the calibration (1.0 = no overhead over raw PostgreSQL). */
export function p50Ratio(row: ReportRow): number | undefined {
  return row.baseline ? round(row.measurement.latencyMs.p50 / row.baseline.latencyMs.p50, 2) : undefined;
}

/** A fixed-width text table, calibrations and server scenarios alike. */
export function formatTable(rows: ReportRow[]): string {
  const header = ['scenario', 'concurrency', 'ops/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'ops/s ÷ raw', 'p50 ÷ raw', 'CPU ms/op', 'server CPU ms/op'];
  const body = rows.map((row) => {
    const m = row.measurement;
    const ratio = throughputRatio(row);
    const p50 = p50Ratio(row);
    return [
      m.name,
      String(m.concurrency),
      m.opsPerSecond.toFixed(0),
      m.latencyMs.p50.toFixed(2),
      m.latencyMs.p95.toFixed(2),
      m.latencyMs.p99.toFixed(2),
      String(m.errors),
      ratio === undefined ? '' : ratio.toFixed(2),
      p50 === undefined ? '' : p50.toFixed(2),
      m.cpu ? m.cpu.machineMsPerOp.toFixed(2) : '',
      m.cpu?.serverMsPerOp === undefined ? '' : m.cpu.serverMsPerOp.toFixed(2),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** Write one run's results as `<dir>/<timestamp>.json`; returns the file. */
export function writeResults(dir: string, data: unknown, at: Date): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${at.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
