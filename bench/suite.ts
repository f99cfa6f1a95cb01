import { join } from 'node:path';
import { Client } from 'pg';
import { measureRaw, type Timing } from './calibrate';
import { openBenchDatabase, type BenchDatabase } from './database';
import { createBenchClient } from './auth';
import { setMeasuredServer } from './cpu';
import { captureIndexRows, retarget, standInId } from './index-template';
import { setRunHeaders } from './load';
import { machine } from './machine';
import { Progress } from './progress';
import { formatTable, p50Ratio, throughputRatio, writeResults, type Measurement, type ReportRow } from './report';
import { spo2For } from './scenarios/create';
import type { CalibrationContext, Scenario, ScenarioContext } from './scenarios/scenario';
import { startBenchServer, type BenchServer } from './server';
import { checkTargets, formatTargets } from './targets';

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

/**
 * The measured run: database, server (auth on, its start-up timed), the bench client's token
 * and seeded patient, calibration of each scenario's raw baseline with the server idle, each
 * scenario at each concurrency, peak RSS; a table, the targets and a JSON file.
 */
export async function runSuite(scenarios: Scenario[], notes: string[], timing: Timing): Promise<number> {
  const started = new Date();
  let db: BenchDatabase | undefined;
  let server: BenchServer | undefined;
  const cleanUp = async () => {
    await server?.stop();
    await db?.close();
  };
  const interrupted = () => void cleanUp().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    db = await openBenchDatabase(process.env, log);
    server = await startBenchServer(db.url, process.env);
    log(`server listening at ${server.baseUrl} (pid ${server.pid}, pool ${server.poolSize}, start-up ${server.startupMs} ms in process, ${server.spawnToReadyMs} ms from spawn; ${server.runtime === 'compiled' ? 'compiled JavaScript' : 'TypeScript through tsx'})`);

    // A vendor app: registered key, seeded organization data, a token from /auth/token.
    const client = await createBenchClient();
    const seeded = await server.seed(client.grant);
    const token = await client.token(`${server.baseUrl}/auth/token`, 'system/*.cruds');
    const headers = { authorization: `Bearer ${token}` };
    setRunHeaders(headers);
    setMeasuredServer(server.pid);
    const context: ScenarioContext = { serverUrl: server.baseUrl, timing, headers, patientId: seeded.patientId, episodeId: seeded.episodeId, databaseUrl: db.url, serverPid: server.pid };
    // the calibration's index rows name a stand-in patient: raw inserts must not add to the bench patient's data
    const captured = await observationIndex(context, db.url);
    const calibration: CalibrationContext = { observationIndex: retarget(captured, seeded.patientId, standInId(seeded.patientId)), patientId: seeded.patientId };
    log(`bench client ${client.grant.clientId} (${client.grant.organization}); Observation index rows: ${calibration.observationIndex?.rowCount ?? 0}`);
    // Each scenario's data (searched Observations, an enrolment) before calibration, which may read it.
    for (const scenario of scenarios.filter((s) => s.prepare)) {
      const t0 = Date.now();
      await scenario.prepare?.(context);
      log(`prepared ${scenario.name} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    await analyze(db.url);

    const cells = new Set(scenarios.flatMap((s) => s.concurrency.map((c) => `${s.baseline.key}@${c}`))).size + scenarios.reduce((n, s) => n + s.concurrency.length, 0);
    const progress = new Progress(cells, (timing.durationMs + timing.warmupMs) / 1000);
    // Calibration first, with the server idle: the machine's raw rate for each baseline.
    const baselines = new Map<string, Measurement>();
    for (const scenario of scenarios) {
      for (const concurrency of scenario.concurrency) {
        const key = `${scenario.baseline.key}@${concurrency}`;
        if (baselines.has(key)) continue;
        const workload = scenario.baseline.workload(calibration);
        progress.step(`calibrating ${workload.name} at ${concurrency}`);
        baselines.set(key, await measureRaw(db.url, workload, concurrency, timing));
      }
    }
    // the calibration inserted thousands of rows into tables that were nearly empty
    await analyze(db.url);
    const rows: ReportRow[] = [];
    for (const scenario of scenarios) {
      for (const concurrency of scenario.concurrency) {
        // the audit records of earlier cells turned into AuditEvents first, not on this cell's time
        const waited = await settle(db.url);
        if (waited > 5000) notes.push(`${(waited / 1000).toFixed(0)} s spent draining earlier cells' audit records before ${scenario.name} at ${concurrency}`);
        progress.step(`${scenario.name} at ${concurrency}`);
        const measurement = await scenario.measure(context, concurrency);
        rows.push({ measurement, baseline: baselines.get(`${scenario.baseline.key}@${concurrency}`) });
      }
    }
    progress.finish();
    const peakRssBytes = await server.peakRss();
    const serverInfo = { poolSize: server.poolSize, logLevel: server.logLevel, startupMs: server.startupMs, spawnToReadyMs: server.spawnToReadyMs, runtime: server.runtime, peakRssBytes, auth: 'on' };
    await server.stop();
    server = undefined;

    const targets = checkTargets({ calibration: [...baselines.values()], scenarios: rows.map((r) => r.measurement), peakRssBytes, startupMs: serverInfo.startupMs });
    const table = formatTable([...[...baselines.values()].map((measurement) => ({ measurement })), ...rows]);
    const facts = `server: peak RSS ${(peakRssBytes / 2 ** 20).toFixed(0)} MB; start-up ${serverInfo.startupMs} ms in process (${serverInfo.spawnToReadyMs} ms from spawn), ${serverInfo.runtime === 'compiled' ? 'compiled JavaScript' : 'TypeScript through tsx'}`;
    process.stdout.write(`\n${table}\n\n${facts}\n\n${formatTargets(targets)}\n${notes.length ? `\n${notes.map((n) => `note: ${n}`).join('\n')}\n` : ''}\n`);
    const file = writeResults(
      join(__dirname, 'results'),
      {
        startedAt: started.toISOString(),
        timing,
        machine: machine(),
        database: { embedded: db.embedded, version: db.serverVersion },
        server: serverInfo,
        calibration: [...baselines.values()],
        scenarios: rows.map((row) => ({ ...row.measurement, baseline: row.baseline?.name, ratioToRaw: { throughput: throughputRatio(row), p50: p50Ratio(row) } })),
        targets,
        notes,
      },
      started,
    );
    process.stdout.write(`results: ${file}\n`);
    return rows.some((r) => r.measurement.errors > 0) ? 1 : 0;
  } finally {
    await cleanUp();
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
  }
}

/** Store one Observation through the server and read back the index rows it wrote. */
async function observationIndex(context: ScenarioContext, url: string) {
  const res = await fetch(`${context.serverUrl}/fhir/Observation`, {
    method: 'POST',
    headers: { ...context.headers, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(spo2For(context.patientId)),
  });
  if (res.status !== 201) throw new Error(`creating the template Observation answered ${res.status}: ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  return captureIndexRows(url, 'Observation', id);
}

/**
 * Wait (at most two minutes) until the server's audit drainer has turned every audit record into
 * AuditEvents: a cell that audits every request for many patients (the worklist names up to 20
 * per search) would otherwise leave work that the next cell's requests wait behind. A cell's own
 * records are still drained during it, every second, as in production. The milliseconds waited.
 */
async function settle(url: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const t0 = Date.now();
  try {
    while (Date.now() - t0 < 120_000) {
      const { rows } = await client.query('SELECT EXISTS (SELECT 1 FROM audit_outbox) AS pending');
      if (!rows[0].pending) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await client.end();
  }
  return Date.now() - t0;
}

/**
 * Planner statistics for what was just written, as autoanalyze would collect them sooner or
 * later. Without this the tables of a fresh database have none for the first minute or more
 * of a run and autoanalyze then lands in the middle of some cell: the vitals search was
 * planned from the code's rows (estimated 1, really thousands) and took 40 ms or 1.8 s per
 * request depending on the run, instead of a few ms driven from the patient.
 */
async function analyze(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}
