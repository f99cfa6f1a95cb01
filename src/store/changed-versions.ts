import type { Pool } from 'pg';
import { consumeChanges } from './change-log';
import { isoInstant, type Change } from './versions';

/** What a durable consumer does with a batch of committed versions; throwing makes the batch come again. */
export type VersionHandler = (changes: readonly Change[]) => Promise<void>;

/**
 * The change log as committed versions: the next batch of consumer `consumer` (consumeChanges:
 * one instance at a time, at least once, in commit order), of which the changes to `types` are
 * handed to `handle` with each version's JSON (read in the same transaction; null for a
 * deletion), the others passed by. The cursor advances over the whole batch once `handle`
 * resolves. Resolves with the number of log rows read (0: caught up, or another instance reads).
 */
export function consumeChangedVersions(pool: Pool, consumer: string, types: readonly string[], limit: number, handle: VersionHandler): Promise<number> {
  const wanted = new Set(types);
  return consumeChanges(pool, consumer, limit, async (entries, client) => {
    const mine = entries.filter((e) => wanted.has(e.resourceType));
    if (!mine.length) return;
    const { rows } = await client.query<{ resource_type: string; id: string; version_id: number; last_updated: string; content: string | null }>(
      `SELECT v.resource_type, v.id, v.version_id, v.last_updated, v.content
         FROM resource_version v
         JOIN unnest($1::text[], $2::text[], $3::int[]) AS k(resource_type, id, version_id)
           ON v.resource_type = k.resource_type AND v.id = k.id AND v.version_id = k.version_id`,
      [mine.map((e) => e.resourceType), mine.map((e) => e.id), mine.map((e) => e.versionId)],
    );
    const found = new Map(rows.map((r) => [`${r.resource_type}/${r.id}/${r.version_id}`, r]));
    const changes = mine.map((e): Change => {
      const row = found.get(`${e.resourceType}/${e.id}/${e.versionId}`);
      return {
        action: e.operation,
        resourceType: e.resourceType,
        id: e.id,
        versionId: e.versionId,
        lastUpdated: row ? isoInstant(row.last_updated) : e.recorded,
        json: e.operation === 'delete' ? null : (row?.content ?? null),
      };
    });
    await handle(changes);
  });
}
