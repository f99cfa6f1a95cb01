import autocannon from 'autocannon';
import type { Timing } from './calibrate';
import { cpuMark, cpuPerOp } from './cpu';
import { summarize, type Measurement } from './report';

export interface HttpRequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Absolute URL. */
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** The status every response must have to count as a success. */
  expectStatus: number;
}

let runHeaders: Record<string, string> = {};

/**
 * Headers every request of the run carries (the bench client's Authorization), set once by
 * run.ts after the token request, so every scenario's load is authenticated like a vendor app's.
 */
export function setRunHeaders(headers: Record<string, string>): void {
  runHeaders = { ...headers };
}

/**
 * Keep-alive HTTP load with autocannon: `connections` clients, each sending its next request as
 * soon as the last is answered (no pipelining). A warm-up run is discarded; latencies of the
 * measured run are collected per response so percentiles match the calibration's.
 */
export async function measureHttp(
  name: string,
  request: HttpRequestSpec,
  connections: number,
  timing: Timing,
): Promise<Measurement> {
  const options: autocannon.Options = {
    url: request.url,
    method: request.method,
    headers: { ...runHeaders, ...request.headers },
    body: request.body,
    connections,
    pipelining: 1,
    timeout: 30,
  };
  if (timing.warmupMs > 0) await autocannon({ ...options, duration: timing.warmupMs / 1000 });

  const latencies: number[] = [];
  let failures = 0;
  const statuses = new Map<number, number>();
  const before = cpuMark();
  const instance = autocannon({ ...options, duration: timing.durationMs / 1000 });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode === request.expectStatus) latencies.push(responseTime);
    else {
      failures++;
      statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
    }
  });
  const result = await instance;
  if (statuses.size) process.stderr.write(`${name}: unexpected statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`);
  const measurement = summarize({ name, kind: 'server', concurrency: connections, errors: failures + result.errors }, latencies, result.duration);
  return { ...measurement, cpu: cpuPerOp(before, cpuMark(), measurement.operations) };
}
