import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from 'pg';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export class MigrationError extends Error {
  constructor(readonly file: string, override readonly cause: Error) {
    super(`migration ${file} failed: ${cause.message}`);
    this.name = 'MigrationError';
  }
}

// Any constant works; it only has to be the same for every Kolibri instance on one database.
const MIGRATION_LOCK = 0x4b6f6c69; // 'Koli'
const FILE = /^(\d+)_([\w-]+)\.sql$/;

/** Read numbered migration files (NNN_name.sql) in order. */
export function readMigrations(dir: string): Migration[] {
  const migrations = readdirSync(dir)
    .filter((f) => FILE.test(f))
    .map((f) => {
      const [, num, name] = FILE.exec(f) as RegExpExecArray;
      return { version: Number(num), name: `${num}_${name}.sql`, sql: readFileSync(join(dir, f), 'utf8') };
    })
    .sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i].version === migrations[i - 1].version) {
      throw new Error(`two migrations share number ${migrations[i].version}: ${migrations[i - 1].name}, ${migrations[i].name}`);
    }
  }
  return migrations;
}

/**
 * Apply pending migrations, each in its own transaction, under a session advisory lock so that
 * instances starting together take turns. Returns the names applied.
 */
export async function migrate(pool: Pool, migrations: Migration[]): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migration (
         version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set((await client.query('SELECT version FROM schema_migration')).rows.map((r) => r.version as number));
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      try {
        await client.query('BEGIN');
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migration (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
        applied.push(m.name);
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new MigrationError(m.name, err as Error);
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
  return applied;
}

/** Names of migrations not yet applied (for /readyz). */
export async function pendingMigrations(pool: Pool, migrations: Migration[]): Promise<string[]> {
  const exists = await pool.query(`SELECT to_regclass('schema_migration') IS NOT NULL AS ok`);
  if (!exists.rows[0].ok) return migrations.map((m) => m.name);
  const done = new Set((await pool.query('SELECT version FROM schema_migration')).rows.map((r) => r.version as number));
  return migrations.filter((m) => !done.has(m.version)).map((m) => m.name);
}

/**
 * Migrations that change what the search index holds for a resource: rows written before them
 * keep the old form until `kolibri reindex` rewrites them (new writes get the new form at once).
 */
const REINDEX_AFTER: ReadonlySet<string> = new Set(['013_search_canonical.sql']);

/**
 * What to tell the operator after `applied` migrations: the ones that call for a reindex, when
 * the database already holds resources (a new database has nothing to rewrite); else undefined.
 */
export async function reindexAdvice(pool: Pool, applied: readonly string[]): Promise<string | undefined> {
  const needing = applied.filter((name) => REINDEX_AFTER.has(name));
  if (needing.length === 0) return undefined;
  const { rows } = await pool.query('SELECT EXISTS (SELECT 1 FROM resource) AS any');
  if (!rows[0].any) return undefined;
  return `${needing.join(', ')} changed the search index: run \`kolibri reindex\` once so existing resources are indexed the new way`;
}
