import type { Db } from '../db';

/** One stored version: when it was written (epoch seconds, to the microsecond) and its content (null: a delete). */
export interface VersionRow<T> {
  id: string;
  versionId: number;
  /** meta.lastUpdated as epoch seconds. */
  at: number;
  resource: T | null;
}

/**
 * Every version of the resources `ids` of `type`, oldest first per id (ids in order), each
 * parsed: what aggregates over a resource's history (time spent in a status) read.
 */
export async function versionHistory<T = unknown>(db: Db, type: string, ids: readonly string[]): Promise<Array<VersionRow<T>>> {
  if (!ids.length) return [];
  const { rows } = await db.query<{ id: string; version_id: number; at: number; content: string | null }>(
    `SELECT id, version_id, extract(epoch FROM last_updated)::float8 AS at, content FROM resource_version
      WHERE resource_type = $1 AND id = ANY($2::text[]) ORDER BY id, version_id`,
    [type, [...new Set(ids)]],
  );
  return rows.map((r) => ({ id: r.id, versionId: r.version_id, at: r.at, resource: r.content === null ? null : (JSON.parse(r.content) as T) }));
}
