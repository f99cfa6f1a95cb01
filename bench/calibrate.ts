import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { CREATE_SQL } from '../src/store/resources';
import { indexInsertClauses, type IndexTemplate } from './index-template';
import { cpuMark, cpuPerOp } from './cpu';
import { summarize, type Measurement } from './report';

/**
 * Calibration: what this machine's PostgreSQL does with the same work and no server in
 * between, measured in the same run, so server figures can be read as a ratio to the hardware.
 */

/** One unit of raw database work, run in a closed loop on its own connection. */
export interface RawWorkload {
  /** Name in the report, e.g. `raw-insert`. */
  name: string;
  /** Once per connection before the warm-up (e.g. insert the row a read workload reads). */
  setup?(client: Client): Promise<void>;
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
      await workload.setup?.(client);
      return client;
    }),
  );
  try {
    await closedLoop(clients, workload, timing.warmupMs);
    const before = cpuMark({ server: false });
    const { latencies, errors, seconds } = await closedLoop(clients, workload, timing.durationMs);
    const measurement = summarize({ name: workload.name, kind: 'calibration', concurrency, errors }, latencies, seconds);
    return { ...measurement, cpu: cpuPerOp(before, cpuMark({ server: false }), measurement.operations) };
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

/** One resource of a raw insert: its type, JSON of the size the server stores, its index rows. */
export interface InsertTemplate {
  resourceType: string;
  /** The stored JSON for a fresh `id` and `lastUpdated`. */
  content: (id: string, lastUpdated: string) => string;
  /** Index rows captured from a resource of this kind the server stored. */
  index?: IndexTemplate;
}

/**
 * Insert one resource the way the store's create does: one transaction holding the current
 * row, the history row (the store's own CREATE_SQL) and, given an `index` template captured
 * from a resource the server stored, the same search-index rows, all in one statement. JSON of
 * the same size the server stores comes from `content(id, lastUpdated)`.
 */
export function rawInsert(content: (id: string, lastUpdated: string) => string, resourceType: string, index?: IndexTemplate): RawWorkload {
  return rawInsertTransaction(index ? `raw-insert+${index.rowCount}-index-rows` : 'raw-insert', [{ resourceType, content, index }]);
}

/**
 * Insert several resources in ONE transaction, each as rawInsert does (current row, history row
 * and its index rows in one prepared statement): what a transaction writing these resources
 * costs PostgreSQL with no server in between.
 */
export function rawInsertTransaction(name: string, items: readonly InsertTemplate[]): RawWorkload {
  const statements = new WeakMap<Client, Array<{ name: string; text: string }>>();
  const prepared = (client: Client) => {
    let list = statements.get(client);
    if (!list) {
      list = items.map((item, i) => insertStatement(client, item.index, i));
      statements.set(client, list);
    }
    return list;
  };
  return {
    name,
    async run(client) {
      const list = prepared(client);
      const now = new Date().toISOString();
      await client.query('BEGIN');
      for (const [i, item] of items.entries()) {
        const id = randomUUID();
        await client.query({ ...list[i], values: [item.resourceType, id, now, item.content(id, now), 'bench', null] });
      }
      await client.query('COMMIT');
    },
  };
}

/** CREATE_SQL with the template's index inserts joined to its WITH list, as a named statement. */
function insertStatement(client: Client, index: IndexTemplate | undefined, n: number): { name: string; text: string } {
  const clauses = index ? indexInsertClauses(index, (s) => client.escapeIdentifier(s)) : [];
  if (!clauses.length) return { name: 'kolibri-bench-insert', text: CREATE_SQL };
  // CREATE_SQL is "WITH r AS (…), v AS (…) SELECT rid FROM r": the index inserts join the WITH list
  const at = CREATE_SQL.lastIndexOf('SELECT rid FROM r');
  return { name: `kolibri-bench-insert-indexed-${n}`, text: `${CREATE_SQL.slice(0, at).trimEnd()},\n  ${clauses.join(',\n  ')}\n  SELECT rid FROM r` };
}

/**
 * Read one resource by primary key with the store's own SELECT, as a prepared statement: each
 * connection first inserts the row it then reads over and over.
 */
export function rawRead(content: (id: string, lastUpdated: string) => string, resourceType: string): RawWorkload {
  const ids = new WeakMap<Client, string>();
  return {
    name: 'raw-read',
    async setup(client) {
      const id = randomUUID();
      const now = new Date().toISOString();
      await client.query(CREATE_SQL, [resourceType, id, now, content(id, now), 'bench', null]);
      ids.set(client, id);
    },
    async run(client) {
      const { rows } = await client.query({
        name: 'kolibri-bench-read',
        text: READ_SQL,
        values: [resourceType, ids.get(client)],
      });
      if (rows.length !== 1) throw new Error('raw read found no row');
    },
  };
}

/** ResourceStore.read's statement. */
const READ_SQL = `SELECT resource_type, id, version_id, last_updated, content,
              CASE WHEN deleted THEN 'DELETE' ELSE 'PUT' END AS method
         FROM resource WHERE resource_type = $1 AND id = $2`;
