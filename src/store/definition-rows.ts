import type { Resource } from '@medplum/fhirtypes';
import type { Pool, PoolClient } from 'pg';
import { listenOn, type ListenHandlers, type Listener } from './listen';
import { normalizeDatabaseError } from './pg-errors';

/**
 * The rows behind conformance resources at run time (migrations/009_conformance.sql): which
 * stored definitions were written from the files (built-in), the fingerprint of those files, and
 * the `kolibri_definitions` channel the database notifies on when a definition changes.
 */

/** The NOTIFY channel of migration 009's trigger; payload `Type/id`. */
export const DEFINITIONS_CHANNEL = 'kolibri_definitions';

/** Types whose stored instances the validator and search use at run time (the trigger's list). */
export const LIVE_DEFINITION_TYPES: readonly string[] = ['StructureDefinition', 'ValueSet', 'CodeSystem', 'SearchParameter'];

type Db = Pick<Pool, 'query'> | PoolClient;

/** Current definitions of the live types that were created through the API (built-in rows excluded). */
export async function storedDefinitions(db: Db): Promise<Resource[]> {
  try {
    const { rows } = await db.query(
      `SELECT r.content FROM resource r
        WHERE r.resource_type = ANY($1::text[]) AND NOT r.deleted
          AND NOT EXISTS (SELECT 1 FROM conformance_builtin b WHERE b.resource_type = r.resource_type AND b.id = r.id)
        ORDER BY r.rid`,
      [LIVE_DEFINITION_TYPES],
    );
    return rows.map((r) => JSON.parse(r.content as string) as Resource);
  } catch (err) {
    throw normalizeDatabaseError(err);
  }
}

/** Which of `keys` (`Type/id`) are built-in rows. */
export async function builtinAmong(db: Db, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const split = keys.map((k) => [k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1)]);
  const { rows } = await db.query(
    `SELECT b.resource_type || '/' || b.id AS key FROM conformance_builtin b
       JOIN unnest($1::text[], $2::text[]) AS k(resource_type, id) ON k.resource_type = b.resource_type AND k.id = b.id`,
    [split.map((s) => s[0]), split.map((s) => s[1])],
  );
  return new Set(rows.map((r) => r.key as string));
}

/** The fingerprint recorded for a seed (`builtin`), if any. */
export async function seedFingerprint(db: Db, name: string): Promise<string | undefined> {
  const { rows } = await db.query(`SELECT fingerprint FROM conformance_seed WHERE name = $1`, [name]);
  return rows[0]?.fingerprint as string | undefined;
}

/** Record a fingerprint under a name (outside a seed: the search index's, ../conformance/index-fingerprint.ts). */
export async function recordFingerprint(db: Db, name: string, fingerprint: string, at: string): Promise<void> {
  await db.query(
    `INSERT INTO conformance_seed (name, fingerprint, seeded_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, seeded_at = EXCLUDED.seeded_at`,
    [name, fingerprint, at],
  );
}

/** Whether any resource exists that is not a built-in definition (data that an index change concerns). */
export async function hasOwnResources(db: Db): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT EXISTS (SELECT 1 FROM resource r
        WHERE NOT EXISTS (SELECT 1 FROM conformance_builtin b WHERE b.resource_type = r.resource_type AND b.id = r.id)) AS any`,
  );
  return rows[0].any === true;
}

/** The built-in rows with their current content (for a re-seed after the files changed). */
export async function builtinRows(db: Db): Promise<Map<string, { content: string | null }>> {
  const { rows } = await db.query(
    `SELECT b.resource_type || '/' || b.id AS key, r.content FROM conformance_builtin b
       LEFT JOIN resource r ON r.resource_type = b.resource_type AND r.id = b.id`,
  );
  return new Map(rows.map((r) => [r.key as string, { content: r.content as string | null }]));
}

/** `Type/id` of every row (deleted ones too) of the given types. */
export async function storedKeys(db: Db, types: readonly string[]): Promise<Set<string>> {
  const { rows } = await db.query(`SELECT resource_type || '/' || id AS key FROM resource WHERE resource_type = ANY($1::text[])`, [types]);
  return new Set(rows.map((r) => r.key as string));
}

/** Replace the list of built-in rows and record the seed's fingerprint (inside the seeding transaction). */
export async function recordSeed(client: PoolClient, name: string, fingerprint: string, keys: readonly { resourceType: string; id: string }[], at: string): Promise<void> {
  await client.query(`DELETE FROM conformance_builtin`);
  await client.query(
    `INSERT INTO conformance_builtin (resource_type, id) SELECT * FROM unnest($1::text[], $2::text[])`,
    [keys.map((k) => k.resourceType), keys.map((k) => k.id)],
  );
  await client.query(
    `INSERT INTO conformance_seed (name, fingerprint, seeded_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, seeded_at = EXCLUDED.seeded_at`,
    [name, fingerprint, at],
  );
}

/** Serialize seeders of one database (two instances starting at once on a fresh database). */
export async function lockSeed(client: PoolClient): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock(0x4b6f6c6a)`); // 'Kolj': any constant shared by all instances
  // the built-in rows are in every instance's files: do not wake every listener for them
  await client.query(`SET LOCAL kolibri.seeding = 'on'`);
}

export type { ListenHandlers, Listener as DefinitionListener } from './listen';

/** LISTEN on the definitions channel (listenOn). */
export function listenForDefinitions(pool: Pool, handlers: ListenHandlers): Promise<Listener> {
  return listenOn(pool, DEFINITIONS_CHANNEL, 'kolibri-definitions', handlers);
}
