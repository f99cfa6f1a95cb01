// Every read, search and write of patient data becomes one AuditEvent per patient
// (src/audit/drainer.ts): a resource with its index rows, written in the background.
import { Client } from 'pg';
import { rawRead } from '../calibrate';
import { cpuMark, cpuPerOp, type CpuMark } from '../cpu';
import { summarize } from '../report';
import { storedJson } from './create';
import type { Scenario } from './scenario';

/** Records per second the outbox is filled for: about one measured window of draining. */
const ASSUMED_RATE = 4000;
const POLL_MS = 25;
const TIMEOUT_MS = 120_000;

/**
 * The server's audit drainer emptying an outbox of read records: AuditEvents written per second
 * with nothing else running. Each audited read by id turns into one such AuditEvent, so this
 * rate bounds how many reads per second the server can sustain on this machine, whatever the
 * HTTP path costs; the bench lists it at 16 clients, next to read at 16 and the same raw-read
 * calibration, so its "ops/s ÷ raw" column is the highest read ratio the audit trail allows.
 * Latencies are the intervals between the drainer's commits (one transaction per batch).
 */
export const auditDrainScenario: Scenario = {
  name: 'audit-drain',
  description: "AuditEvents per second the server's drainer writes from an outbox of read records",
  concurrency: [16],
  baseline: { key: 'read-observation', workload: () => rawRead(storedJson, 'Observation') },
  async measure(context) {
    const records = Math.max(1000, Math.round((ASSUMED_RATE * context.timing.durationMs) / 1000));
    const db = new Client({ connectionString: context.databaseUrl });
    await db.connect();
    try {
      // the rows a read by id of the bench patient's Observation leaves (src/audit/record.ts)
      const { rows } = await db.query(
        `INSERT INTO audit_outbox (recorded, request_id, client_id, client_kind, interaction, action, status, method, path, patients)
         SELECT now(), 'bench-audit-' || g, 'kolibri-bench-audit', 'system', 'read', 'R', 200, 'GET', '/fhir/Observation/bench', ARRAY[$1::text]
           FROM generate_series(1, $2::int) g
         RETURNING id`,
        [context.patientId, records],
      );
      const ids = rows.map((r: { id: string }) => BigInt(r.id));
      const first = ids.reduce((a, b) => (b < a ? b : a));
      const last = ids.reduce((a, b) => (b > a ? b : a));
      return await watchDrain(db, first, last, records);
    } finally {
      await db.end();
    }
  },
};

/** Poll the outbox until the records `first`..`last` are gone; time from the first commit to the last. */
async function watchDrain(db: Client, first: bigint, last: bigint, records: number) {
  const commits: number[] = [];
  let cpuStart: CpuMark | undefined;
  let drained = 0;
  let remaining = records;
  const t0 = Date.now();
  while (remaining > 0) {
    if (Date.now() - t0 > TIMEOUT_MS) throw new Error(`audit-drain: ${remaining} of ${records} records still in the outbox after ${TIMEOUT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, POLL_MS));
    // one drainer claims in id order, so what is left is a suffix of the range (min(id) reads one index entry)
    const { rows } = await db.query('SELECT min(id) AS low FROM audit_outbox WHERE id BETWEEN $1 AND $2', [first.toString(), last.toString()]);
    const now = rows[0].low === null ? 0 : Number(last - BigInt(rows[0].low) + 1n);
    if (now < remaining) {
      commits.push(performance.now());
      cpuStart ??= cpuMark();
      if (commits.length > 1) drained += remaining - now;
      remaining = now;
    }
  }
  // the first commit starts the clock (the drainer wakes on its own interval): what it drained is not counted
  const seconds = commits.length > 1 ? (commits[commits.length - 1] - commits[0]) / 1000 : 0;
  const intervals = commits.slice(1).map((t, i) => t - commits[i]);
  const measurement = summarize({ name: 'audit-drain', kind: 'server', concurrency: 16, errors: 0 }, intervals, seconds || 1);
  const cpu = cpuStart && cpuPerOp(cpuStart, cpuMark(), drained);
  return { ...measurement, operations: drained, opsPerSecond: seconds ? Math.round((drained / seconds) * 10) / 10 : 0, ...(cpu ? { cpu } : {}) };
}
