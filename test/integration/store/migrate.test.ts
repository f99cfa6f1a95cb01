import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrate, MigrationError, pendingMigrations, readMigrations, reindexAdvice } from '../../../src/store/migrate';
import { createPool } from '../../../src/store/pool';
import { freshDatabase } from '../../support/fresh-database';

function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kolibri-migrations-'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

describe('migrations', () => {
  it('apply the real migrations from nothing, in order, once, even when two instances start together', async () => {
    const pool = createPool({ connectionString: await freshDatabase(), max: 4 });
    try {
      const all = readMigrations(join(__dirname, '..', '..', '..', 'migrations'));
      expect(await pendingMigrations(pool, all)).toEqual(all.map((m) => m.name));
      const [a, b] = await Promise.all([migrate(pool, all), migrate(pool, all)]);
      expect([...a, ...b].sort()).toEqual(all.map((m) => m.name).sort());
      const { rows } = await pool.query('SELECT version FROM schema_migration ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual(all.map((m) => m.version));
      expect(await pendingMigrations(pool, all)).toEqual([]);
      expect(await migrate(pool, all)).toEqual([]);
      // a new database has nothing to reindex; one holding resources is told to
      expect(await reindexAdvice(pool, ['013_search_canonical.sql'])).toBeUndefined();
      await pool.query(`INSERT INTO resource (resource_type, id, version_id, last_updated, content) VALUES ('Patient', 'p1', 1, now(), '{}')`);
      expect(await reindexAdvice(pool, ['013_search_canonical.sql'])).toMatch(/013_search_canonical\.sql .*kolibri reindex/);
      expect(await reindexAdvice(pool, ['009_conformance.sql'])).toBeUndefined();
    } finally {
      await pool.end();
    }
  });

  it('stop at a failing migration naming the file and the database message, keeping earlier ones', async () => {
    const pool = createPool({ connectionString: await freshDatabase(), max: 2 });
    const dir = migrationsDir({
      '001_ok.sql': 'CREATE TABLE first_table (x int);',
      '002_broken.sql': 'CREATE TABLE second_table (x int); SELECT no_such_column FROM first_table;',
      '003_later.sql': 'CREATE TABLE third_table (x int);',
    });
    try {
      const error = await migrate(pool, readMigrations(dir)).catch((e) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect(error.message).toContain('002_broken.sql');
      expect(error.message).toContain('no_such_column');
      const { rows } = await pool.query(`SELECT to_regclass('first_table') AS a, to_regclass('second_table') AS b, to_regclass('third_table') AS c`);
      expect(rows[0]).toEqual({ a: 'first_table', b: null, c: null });
    } finally {
      await pool.end();
    }
  });

  it('refuse two files with the same number', () => {
    const dir = migrationsDir({ '001_a.sql': 'SELECT 1;', '001_b.sql': 'SELECT 1;' });
    expect(() => readMigrations(dir)).toThrow(/two migrations share number 1/);
  });
});
