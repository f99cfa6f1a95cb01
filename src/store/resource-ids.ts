import type { Db } from './db';

/** Which of `ids` of `type` have a row (current or deleted): `Type/id` keys. */
export async function storedIds(db: Db, type: string, ids: readonly string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const { rows } = await db.query<{ id: string }>('SELECT id FROM resource WHERE resource_type = $1 AND id = ANY($2::text[])', [type, [...ids]]);
  return new Set(rows.map((r) => `${type}/${r.id}`));
}

/** The current (not deleted) resources of `type` among `ids`, parsed, by id. */
export async function currentResources(db: Db, type: string, ids: readonly string[]): Promise<Map<string, unknown>> {
  if (!ids.length) return new Map();
  const { rows } = await db.query<{ id: string; content: string }>(
    'SELECT id, content FROM resource WHERE resource_type = $1 AND id = ANY($2::text[]) AND NOT deleted',
    [type, [...new Set(ids)]],
  );
  return new Map(rows.map((r) => [r.id, JSON.parse(r.content) as unknown]));
}
