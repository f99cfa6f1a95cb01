import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { CREATE_SQL } from '../src/store/resources';
import { summarize, type Measurement } from './report';

/**
 * Calibration: what this machine's PostgreSQL does with the same work and no server in
 * between, measured in the same run, so server figures can be read as a ratio to the hardware.
 */

/** One unit of raw database work, run in a closed loop on its own connection. */
export interface RawWorkload {
  /** Name in the report, e.g. `raw-insert`. */
  name: string;
  /** One operation; throws on failure. Use named (prepared) statements. */
  run(client: Client): Promise<void>;
}

export interface Timing {
  warmupMs: number;
  durationMs: number;
}

/**
 * Run `workload` on `concurrency` connections for the warm-up (discarded), then for the
 * measured window, each connection issuing its next operation as soon as the last completes.
 */
export async function measureRaw(url: string, workload: RawWorkload, concurrency: number, timing: Timing): Promise<Measurement> {
  const clients = await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const client = new Client({ connectionString: url, application_name: 'kolibri-bench-raw', options: '-c timezone=UTC' });
      await client.connect();
      return client;
    }),
  );
  try {
    await closedLoop(clients, workload, timing.warmupMs);
    const { latencies, errors, seconds } = await closedLoop(clients, workload, timing.durationMs);
    return summarize({ name: workload.name, kind: 'calibration', concurrency, errors }, latencies, seconds);
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

async function closedLoop(clients: Client[], workload: RawWorkload, durationMs: number) {
  const latencies: number[] = [];
  let errors = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(durationMs * 1e6));
  await Promise.all(
    clients.map(async (client) => {
      while (process.hrtime.bigint() < deadline) {
        const t0 = process.hrtime.bigint();
        try {
          await workload.run(client);
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        } catch (err) {
          errors++;
          await client.query('ROLLBACK').catch(() => undefined);
          if (errors === 1) process.stderr.write(`raw workload error: ${(err as Error).message}\n`);
        }
      }
    }),
  );
  return { latencies, errors, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/**
 * Insert one resource the way the store's create does: one transaction holding the current
 * row and the history row (ResourceStore's own CREATE_SQL), with JSON of the same size the
 * server stores for the scenario's resource. `content(id, lastUpdated)` yields that JSON.
 */
export function rawInsert(content: (id: string, lastUpdated: string) => string, resourceType: string): RawWorkload {
  const statement = {
    name: 'kolibri-bench-insert',
    text: CREATE_SQL,
  };
  return {
    name: 'raw-insert',
    async run(client) {
      const id = randomUUID();
      const now = new Date().toISOString();
      await client.query('BEGIN');
      await client.query({ ...statement, values: [resourceType, id, now, content(id, now)] });
      await client.query('COMMIT');
    },
  };
}
