import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnWatched, untilReady, type WatchedProcess } from './server-process';

/**
 * Kolibri as `npm start` runs it (`node --import tsx src/main.ts`), for the process-level crash
 * tests: auth off on loopback, its own data folder and ports, its output kept for assertions.
 */
const ROOT = join(__dirname, '..', '..', '..');

export interface KolibriProcess extends WatchedProcess {
  port: number;
}

/** A temp data folder the `postgres` user can enter (initdb runs as that user when we are root). */
export function makeDataDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

export function spawnKolibri(env: Record<string, string>, port: number): KolibriProcess {
  const base: Record<string, string> = { ...(process.env as Record<string, string>) };
  delete base.DATABASE_URL;
  const watched = spawnWatched(process.execPath, ['--import', 'tsx', 'src/main.ts'], ROOT, {
    ...base,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    KOLIBRI_AUTH: 'off',
    KOLIBRI_SCHEDULER_INTERVAL_SECONDS: '0',
    KOLIBRI_SHUTDOWN_TIMEOUT_SECONDS: '5',
    ...env,
  });
  return { ...watched, port };
}

/**
 * Start Kolibri and wait until /readyz answers 200 (or fail with its output). A start on a fresh
 * folder (initdb, tsx, migrations, templates) takes 10 to 13 s alone on a 2-core machine and up
 * to 30 s beside another jest worker: 60 s by default.
 */
export async function startKolibri(env: Record<string, string>, port: number, deadlineMs = 60_000): Promise<KolibriProcess> {
  const k = spawnKolibri(env, port);
  if (await untilReady(k, `http://127.0.0.1:${port}/readyz`, deadlineMs, 100)) return k;
  k.child.kill('SIGKILL');
  throw new Error(`Kolibri on ${port} was not ready within ${deadlineMs} ms:\n${k.output()}`);
}

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the writers saw: the ids of every 201, and every other answer. */
export interface WriteLog {
  acknowledged: string[];
  /** status → count; 0 = no HTTP answer (connection refused or reset). */
  statuses: Map<number, number>;
  /** Non-201 answers that broke the rules (a 503 without Retry-After or OperationOutcome, any 5xx but 503). */
  violations: string[];
}

/**
 * `clients` concurrent writers POSTing Observations to `port()` in a loop until stop() (or
 * `maxPerClient` writes each), recording every acknowledged id.
 */
export function startWriters(port: () => number, clients: number, tag: string, maxPerClient = 5000): { log: WriteLog; stop(): Promise<void> } {
  const log: WriteLog = { acknowledged: [], statuses: new Map(), violations: [] };
  let stopped = false;
  const count = (status: number) => log.statuses.set(status, (log.statuses.get(status) ?? 0) + 1);
  const writer = async (w: number) => {
    for (let i = 0; !stopped && i < maxPerClient; i++) {
      let res: Response;
      try {
        res = await fetch(`http://127.0.0.1:${port()}/fhir/Observation`, {
          method: 'POST',
          headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' },
          body: JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: tag }, valueQuantity: { value: w * 100000 + i, unit: '%' } }),
          signal: AbortSignal.timeout(15_000),
        });
      } catch {
        count(0);
        await sleep(50);
        continue;
      }
      const body = await res.text();
      count(res.status);
      const id = /Observation\/([^/]+)/.exec(res.headers.get('location') ?? '')?.[1];
      if (res.status === 201 && id) {
        log.acknowledged.push(id);
        continue;
      }
      checkRefusal(res, body, log.violations, 201);
      await sleep(50);
    }
  };
  const running = Promise.all(Array.from({ length: clients }, (_v, w) => writer(w)));
  return {
    log,
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

/** Every answer but `ok` must be a 503 with Retry-After and an OperationOutcome. */
function checkRefusal(res: Response, body: string, violations: string[], ok: number): void {
  if (res.status === 503) {
    if (!res.headers.get('retry-after')) violations.push(`503 without Retry-After: ${res.url}`);
    if (!body.includes('"OperationOutcome"')) violations.push(`503 without OperationOutcome: ${body.slice(0, 200)}`);
  } else if (res.status !== ok) {
    violations.push(`${res.status} for ${res.url}: ${body.slice(0, 300)}`);
  }
}

/** Readers GETting `paths` (relative to /fhir) in a loop until stop(); statuses as for writers (200 is the good answer). */
export function startReaders(port: number, paths: () => string[], clients: number): { statuses: Map<number, number>; violations: string[]; stop(): Promise<void> } {
  const statuses = new Map<number, number>();
  const violations: string[] = [];
  let stopped = false;
  const reader = async (r: number) => {
    for (let i = 0; !stopped && i < 20_000; i++) {
      const all = paths();
      const path = all[(r + i) % all.length];
      try {
        const res = await fetch(`http://127.0.0.1:${port}/fhir/${path}`, { signal: AbortSignal.timeout(15_000) });
        const body = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        checkRefusal(res, body, violations, 200);
      } catch {
        statuses.set(0, (statuses.get(0) ?? 0) + 1);
      }
      await sleep(50);
    }
  };
  const running = Promise.all(Array.from({ length: clients }, (_v, r) => reader(r)));
  return {
    statuses,
    violations,
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

/** Wait until `predicate` holds, polling; false after `timeoutMs`. */
export async function waitUntil(predicate: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await sleep(50);
  }
  return false;
}

/** The acknowledged ids that do not read back 200 from Kolibri on `port`. */
export async function missingIds(port: number, ids: string[]): Promise<string[]> {
  const missing: string[] = [];
  for (let i = 0; i < ids.length; i += 20) {
    await Promise.all(
      ids.slice(i, i + 20).map(async (id) => {
        const res = await fetch(`http://127.0.0.1:${port}/fhir/Observation/${id}`);
        await res.arrayBuffer();
        if (res.status !== 200) missing.push(`${id}: ${res.status}`);
      }),
    );
  }
  return missing;
}

/** The pid in `<dataDir>/pg/postmaster.pid`: the embedded postmaster of a Kolibri data folder. */
export const postmasterPid = (dataDir: string): number => Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
