import type { Measurement } from './report';

/** One of the issue's performance targets, checked against a run's figures. */
export interface TargetCheck {
  target: string;
  value: string;
  met: boolean | undefined;
}

export interface RunFigures {
  calibration: Measurement[];
  scenarios: Measurement[];
  peakRssBytes: number;
  startupMs: number;
}

const find = (list: Measurement[], prefix: string, concurrency: number) =>
  list.find((m) => m.name.startsWith(prefix) && m.concurrency === concurrency);

/**
 * The performance targets (benchmarks, not tests): met, missed, or undefined when not measured.
 * Each ratio is taken within one run, against the same run's raw-PostgreSQL calibration or
 * another scenario of the same server.
 */
export function checkTargets(f: RunFigures): TargetCheck[] {
  const ratio = (server: string, raw: string, c: number, pick: (m: Measurement) => number) => {
    const s = find(f.scenarios, server, c);
    const r = find(f.calibration, raw, c);
    return s && r && pick(r) > 0 ? pick(s) / pick(r) : undefined;
  };
  const create32 = ratio('create', 'raw-insert', 32, (m) => m.opsPerSecond);
  const create1p50 = ratio('create', 'raw-insert', 1, (m) => m.latencyMs.p50);
  const read16 = ratio('read', 'raw-read', 16, (m) => m.opsPerSecond);
  // every audited read becomes an AuditEvent: the drainer's rate over raw reads bounds read16 (bench/scenarios/audit-drain.ts)
  const auditCeiling = ratio('audit-drain', 'raw-read', 16, (m) => m.opsPerSecond);
  // vitals searches per second against reads by id per second, both at 8 clients on the same server (the issue's figure)
  const vitals8 = find(f.scenarios, 'vitals-search', 8)?.opsPerSecond;
  const reads8 = find(f.scenarios, 'read', 8)?.opsPerSecond;
  const vitalsPerRead = vitals8 !== undefined && reads8 ? vitals8 / reads8 : undefined;
  const ingest4 = find(f.scenarios, 'transaction', 4)?.opsPerSecond;
  const fmt = (n: number | undefined, unit = '×') => (n === undefined ? 'not measured' : `${n.toFixed(2)}${unit}`);
  const mb = f.peakRssBytes / 2 ** 20;
  // history depth: the vitals query for a citizen with 3,000 measurements against one with 100
  const depth = (n: number) => f.scenarios.find((m) => m.name === `depth-${n}` && m.concurrency === 1)?.latencyMs.p50;
  const deep = depth(3000);
  const shallow = depth(100);
  const depthRatio = deep !== undefined && shallow ? deep / shallow : undefined;
  return [
    { target: 'create at 32 clients ≥ 0.5 × raw (ops/s)', value: fmt(create32), met: create32 === undefined ? undefined : create32 >= 0.5 },
    { target: 'sequential create p50 ≤ 2.5 × raw', value: fmt(create1p50), met: create1p50 === undefined ? undefined : create1p50 <= 2.5 },
    {
      target: 'read by id at 16 clients ≥ 0.3 × raw (ops/s)',
      value: `${fmt(read16)}${auditCeiling === undefined ? '' : ` (AuditEvents allow ≤ ${fmt(auditCeiling)})`}`,
      met: read16 === undefined ? undefined : read16 >= 0.3,
    },
    { target: 'vitals p50 at 3,000 measurements ≤ 1.3 × at 100', value: fmt(depthRatio), met: depthRatio === undefined ? undefined : depthRatio <= 1.3 },
    { target: 'vitals searches/s ≥ 0.5 × reads by id/s (8 clients)', value: fmt(vitalsPerRead), met: vitalsPerRead === undefined ? undefined : vitalsPerRead >= 0.5 },
    { target: 'transaction ingest at 4 ≥ 3,000 resources/s', value: ingest4 === undefined ? 'not measured' : `${Math.round(ingest4)}/s`, met: ingest4 === undefined ? undefined : ingest4 >= 3000 },
    { target: 'peak RSS under load < 300 MB', value: `${mb.toFixed(0)} MB`, met: mb < 300 },
    { target: 'start-up < 3 s', value: `${(f.startupMs / 1000).toFixed(2)} s`, met: f.startupMs < 3000 },
  ];
}

export function formatTargets(checks: TargetCheck[]): string {
  const width = Math.max(...checks.map((c) => c.target.length));
  const valueWidth = Math.max(12, ...checks.map((c) => c.value.length));
  return checks.map((c) => `${c.target.padEnd(width)}  ${c.value.padStart(valueWidth)}  ${c.met === undefined ? '-' : c.met ? 'met' : 'MISSED'}`).join('\n');
}
