import { join } from 'node:path';
import type { Pool } from 'pg';
import { migrate, readMigrations } from '../../src/store/migrate';
import { createPool } from '../../src/store/pool';
import { freshDatabase } from './fresh-database';

/** A resource as an older release stored it: its row and its Patient-compartment rows. */
export interface OldRow {
  type: string;
  id: string;
  patients: string[];
  access?: string[];
}

/**
 * A fresh database migrated to just before `version`, holding `rows` as written then, then
 * migrated to the end: what a migration does to data written before it. End the pool after.
 */
export async function migratedOver(version: number, rows: readonly OldRow[]): Promise<Pool> {
  const pool = createPool({ connectionString: await freshDatabase(), max: 2 });
  const all = readMigrations(join(__dirname, '..', '..', 'migrations'));
  try {
    await migrate(pool, all.filter((m) => m.version < version));
    for (const r of rows) {
      await pool.query(
        `WITH made AS (
           INSERT INTO resource (resource_type, id, version_id, last_updated, content, access_patients)
           VALUES ($1, $2, 1, now(), json_build_object('resourceType', $1::text, 'id', $2::text)::text, $4::text[]) RETURNING rid)
         INSERT INTO resource_compartment (rid, compartment_type, compartment_id, resource_type)
         SELECT made.rid, 'Patient', p, $1 FROM made, unnest($3::text[]) p`,
        [r.type, r.id, r.patients, r.access ?? null],
      );
    }
    await migrate(pool, all);
    return pool;
  } catch (err) {
    await pool.end();
    throw err;
  }
}
