import type { Pool, PoolClient } from 'pg';
import { repeat } from '../repeat';
import { inTransaction } from './pool-transaction';

/** One committed version of a resource, as the change log records it. */
export interface ChangeEntry {
  /** The row's sequence number (unique; not commit order on its own, see readChanges). */
  seq: string;
  /** The writing transaction's id (xid8, as text). */
  txid: string;
  resourceType: string;
  id: string;
  versionId: number;
  operation: 'create' | 'update' | 'delete';
  /** Organization id of the client that created the resource, or null. */
  owner: string | null;
  /** ISO time of the write (the version's lastUpdated). */
  recorded: string;
}

/** What a consumer does with a batch, inside the transaction that advances its cursor. */
export type ChangeHandler = (changes: readonly ChangeEntry[], client: PoolClient) => Promise<void>;

/**
 * Rows after the cursor, only of transactions older than the oldest still in flight: those are
 * all finished, so no row can appear below the bound any more and (txid, seq) order read with a
 * (txid, seq) cursor skips nothing, whatever order the writers committed in. (ORDER BY names
 * the table's columns: a bare `txid` would be the text output column, in text order.)
 */
const READ_AFTER_CURSOR = {
  name: 'kolibri-change-log-read',
  text: `SELECT seq::text, txid::text, resource_type, id, version_id, operation, owner,
           to_char(recorded AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded
      FROM change_log
     WHERE (txid, seq) > ($1::xid8, $2::bigint) AND txid < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY change_log.txid, change_log.seq LIMIT $3`,
};

/**
 * Hand the next batch of changes to `handle` for consumer `consumer` and advance its cursor past
 * them, all in one transaction: if `handle` throws, the cursor stays and the batch comes again
 * (at least once). The cursor row is claimed FOR UPDATE SKIP LOCKED, so of several instances one
 * consumes at a time and the others return 0 at once. Resolves with the number of changes handled.
 */
export async function consumeChanges(pool: Pool, consumer: string, limit: number, handle: ChangeHandler): Promise<number> {
  await pool.query('INSERT INTO change_cursor (consumer) VALUES ($1) ON CONFLICT (consumer) DO NOTHING', [consumer]);
  return inTransaction(pool, async (client) => {
    const cursor = await client.query<{ last_txid: string; last_seq: string }>(
      'SELECT last_txid::text, last_seq::text FROM change_cursor WHERE consumer = $1 FOR UPDATE SKIP LOCKED',
      [consumer],
    );
    const at = cursor.rows[0];
    if (!at) return 0;
    const { rows } = await client.query({ ...READ_AFTER_CURSOR, values: [at.last_txid, at.last_seq, limit] });
    const changes: ChangeEntry[] = rows.map((r) => ({
      seq: r.seq,
      txid: r.txid,
      resourceType: r.resource_type,
      id: r.id,
      versionId: r.version_id,
      operation: r.operation,
      owner: r.owner,
      recorded: r.recorded,
    }));
    if (changes.length) {
      await handle(changes, client);
      const last = changes[changes.length - 1];
      await client.query('UPDATE change_cursor SET last_txid = $2::xid8, last_seq = $3::bigint WHERE consumer = $1', [consumer, last.txid, last.seq]);
    }
    return changes.length;
  });
}

/**
 * Give consumer `consumer` a cursor after every change committed so far, unless it has one: a
 * consumer that should hear only of what is written from its first run on (a counter), not of
 * everything the log retains. Later runs, on any instance, go on from the cursor.
 */
export async function openCursorAtEnd(pool: Pool, consumer: string): Promise<void> {
  await pool.query(
    `INSERT INTO change_cursor (consumer, last_txid, last_seq)
     SELECT $1, COALESCE(l.txid, '0'::xid8), COALESCE(l.seq, 0)
       FROM (SELECT 1) one
       LEFT JOIN LATERAL (SELECT txid, seq FROM change_log WHERE txid < pg_snapshot_xmin(pg_current_snapshot())
                           ORDER BY txid DESC, seq DESC LIMIT 1) l ON true
     ON CONFLICT (consumer) DO NOTHING`,
    [consumer],
  );
}

/**
 * Delete up to `limit` rows that every consumer has read (at or below the lowest cursor; with no
 * consumer, every row) and that were recorded before `before`: the window after it stays for a
 * consumer added later. A consumer that stops reading holds back all rows after its cursor, so
 * a consumer taken out of service must have its change_cursor row deleted.
 */
export async function pruneChanges(pool: Pool | PoolClient, before: Date, limit = 10000): Promise<number> {
  const { rowCount } = await pool.query(
    `DELETE FROM change_log WHERE seq IN (
       SELECT c.seq FROM change_log c
        WHERE c.recorded < $1
          AND NOT EXISTS (SELECT 1 FROM change_cursor k WHERE (c.txid, c.seq) > (k.last_txid, k.last_seq))
        LIMIT $2)`,
    [before, limit],
  );
  return rowCount ?? 0;
}

/**
 * Prune every `intervalMs` what is older than `retentionHours` (pruneChanges), on every instance
 * (a row is deleted once; concurrent deletes wait for each other). Returns the stop function.
 */
export function startChangeLogPruning(pool: Pool, options: { retentionHours: number; intervalMs: number; now: () => Date; onError: (err: unknown) => void }): () => Promise<void> {
  return repeat(() => pruneChanges(pool, new Date(options.now().getTime() - options.retentionHours * 3600_000)), options.intervalMs, options.onError);
}
