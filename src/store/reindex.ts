import type { Resource } from '@medplum/fhirtypes';
import type { Pool } from 'pg';
import type { IndexWriter } from './index-writer';

/**
 * Rebuild search-index rows for every stored resource (e.g. after adding SearchParameters or
 * changing extraction), in batches by rid, while the server keeps serving.
 *
 * Safe against concurrent writes: each batch runs in its own short transaction that first
 * takes `FOR NO KEY UPDATE` row locks on its resource rows. A writer updating one of them
 * either committed before (we read and index its new content) or waits for our commit and then
 * rewrites the rows itself, so the index never ends on stale content. Searches keep working
 * throughout: each resource's rows are replaced atomically by the index writer's one statement.
 */
export interface ReindexOptions {
  /** Only these resource types (default: all). */
  types?: readonly string[];
  /** Resources per transaction (default 500). */
  batchSize?: number;
  /** Only rids above this one (default: from the first). */
  afterRid?: string;
  /** Only rids up to and including this one (default: to the last). */
  upToRid?: string;
  /** Stop between batches (shutdown): throws the signal's reason. */
  signal?: AbortSignal;
  /** Called after every batch. */
  onProgress?: (progress: ReindexProgress) => void;
}

export interface ReindexProgress {
  done: number;
  total: number;
  /** resources per second so far */
  rate: number;
  /** The rid of the last resource rewritten (where a resumed rebuild continues with `afterRid`). */
  lastRid?: string;
}

export async function reindex(pool: Pool, writer: IndexWriter, options: ReindexOptions = {}): Promise<ReindexProgress> {
  const batchSize = options.batchSize ?? 500;
  const types = options.types?.length ? [...options.types] : null;
  const upTo = options.upToRid ?? null;
  const typeFilter = 'AND ($1::text[] IS NULL OR resource_type = ANY($1::text[]))';
  const { rows: counted } = await pool.query(
    `SELECT count(*)::bigint AS n FROM resource WHERE rid > $2::bigint AND ($3::bigint IS NULL OR rid <= $3::bigint) ${typeFilter}`,
    [types, options.afterRid ?? '0', upTo],
  );
  const progress: ReindexProgress = { done: 0, total: Number(counted[0].n), rate: 0 };
  const started = Date.now();
  let after = options.afterRid ?? '0';
  for (;;) {
    options.signal?.throwIfAborted();
    const client = await pool.connect();
    let last: string | undefined;
    try {
      await client.query('BEGIN');
      const { rows } = await client.query(
        `SELECT rid, resource_type, deleted, content, access_patients FROM resource
          WHERE rid > $2::bigint AND ($4::bigint IS NULL OR rid <= $4::bigint) ${typeFilter}
          ORDER BY rid LIMIT $3 FOR NO KEY UPDATE`,
        [types, after, batchSize, upTo],
      );
      if (rows.length > 0) {
        await writer.write(
          client,
          rows.map((r) => ({
            rid: String(r.rid),
            resourceType: r.resource_type as string,
            resource: r.deleted ? null : (JSON.parse(r.content as string) as Resource),
            accessPatients: r.access_patients as string[] | null,
          })),
        );
        last = String(rows[rows.length - 1].rid);
        progress.done += rows.length;
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    if (!last) break;
    after = last;
    progress.lastRid = last;
    progress.rate = Math.round((progress.done * 1000) / Math.max(1, Date.now() - started));
    options.onProgress?.({ ...progress });
  }
  return progress;
}
