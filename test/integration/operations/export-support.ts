import type { TestApp } from '../../support/app';
import { JobRunner, type JobKind } from '../../../src/jobs/runner';
import { JobStore } from '../../../src/store/jobs';

/** Runner log for tests: errors fail loudly in the output, the rest is quiet. */
export const testLog = {
  info: () => undefined,
  warn: () => undefined,
  error: (obj: object, msg?: string) => process.stderr.write(`job runner: ${msg} ${JSON.stringify(obj)}\n`),
};

/** A job runner on an app's database, polling fast, with a short lease. */
export function testRunner(t: TestApp, kind: JobKind = t.services.bulkExport.kind, leaseSeconds = 5): JobRunner {
  return new JobRunner({ store: new JobStore(t.pool), kinds: [kind], log: testLog, pollMs: 50, leaseSeconds, sweepMs: 3_600_000 });
}

export interface Reply {
  status: number;
  headers: Record<string, unknown>;
  body: string;
  json(): any;
}

/** One request with a bearer token, through app.inject (a `payload` is sent as application/fhir+json). */
export async function send(t: TestApp, token: string, method: 'GET' | 'DELETE' | 'POST', url: string, headers: Record<string, string> = {}, payload?: object): Promise<Reply> {
  const body = payload === undefined ? {} : { payload: JSON.stringify(payload), headers: { 'content-type': 'application/fhir+json' } };
  const res = await t.app.inject({ method, url, ...body, headers: { authorization: `Bearer ${token}`, ...body.headers, ...headers } });
  return { status: res.statusCode, headers: res.headers as Record<string, unknown>, body: res.body, json: () => JSON.parse(res.body) };
}

/** The path of an absolute URL on the test base (http://kolibri.test/fhir/… → /fhir/…). */
export function pathOf(url: string): string {
  return new URL(url).pathname;
}

/** Kick an export off (Prefer: respond-async) and return its status path; fails unless 202. */
export async function kickOff(t: TestApp, token: string, url: string): Promise<string> {
  const res = await send(t, token, 'GET', url, { prefer: 'respond-async', accept: 'application/fhir+json' });
  if (res.status !== 202) throw new Error(`kick-off ${url} answered ${res.status}: ${res.body}`);
  return pathOf(String(res.headers['content-location']));
}

/** A POST kick-off's Parameters body: each pair as a parameter with a valueString. */
export const exportParameters = (...pairs: Array<[string, string]>) => ({ resourceType: 'Parameters', parameter: pairs.map(([name, valueString]) => ({ name, valueString })) });

export interface Manifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: Array<{ type: string; url: string; count: number }>;
  error: unknown[];
}

/** Poll the status URL until the manifest (200); every earlier answer must be 202 with X-Progress. */
export async function awaitManifest(t: TestApp, token: string, statusPath: string, timeoutMs = 20_000): Promise<Manifest> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await send(t, token, 'GET', statusPath);
    if (res.status === 200) return res.json();
    if (res.status !== 202 || !res.headers['x-progress'] || !res.headers['retry-after']) throw new Error(`status answered ${res.status}: ${res.body}`);
    if (Date.now() > until) throw new Error(`export not done in ${timeoutMs} ms: ${String(res.headers['x-progress'])}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every resource of a manifest's files, by type, downloaded with `token`. */
export async function download(t: TestApp, token: string, manifest: Manifest): Promise<Record<string, Array<{ resourceType: string; id: string } & Record<string, unknown>>>> {
  const out: Record<string, any[]> = {};
  for (const o of manifest.output) {
    const res = await send(t, token, 'GET', pathOf(o.url), { accept: 'application/fhir+ndjson' });
    if (res.status !== 200) throw new Error(`download ${o.url} answered ${res.status}: ${res.body}`);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+ndjson/);
    const lines = res.body.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines).toHaveLength(o.count);
    for (const r of lines) expect(r.resourceType).toBe(o.type);
    (out[o.type] ??= []).push(...lines);
  }
  return out;
}

/** The ids of a downloaded type. */
export const idsOf = (files: Record<string, Array<{ id: string }>>, type: string): string[] => (files[type] ?? []).map((r) => r.id).sort();
