import { join } from 'node:path';
import { migrate, readMigrations } from '../../../src/store/migrate';
import { createPool } from '../../../src/store/pool';
import { freshDatabase } from '../../support/fresh-database';

/**
 * migrations/026_history_candidates.sql on a database written before it: an AuditEvent gets the
 * patients of its compartment in access_patients, as the drainer writes them now (so they grant
 * whom the compartment grants, and the AuditEvent is no unowned history candidate); an AuditEvent
 * in no compartment and other types keep what they had.
 */

const rows: Array<{ type: string; id: string; patients: string[]; access?: string[] }> = [
  { type: 'AuditEvent', id: 'a1', patients: ['p1'] },
  { type: 'AuditEvent', id: 'a2', patients: ['p1', 'p2'] },
  { type: 'AuditEvent', id: 'a3', patients: [] },
  { type: 'Observation', id: 'o1', patients: ['p1'] },
  { type: 'Binary', id: 'b1', patients: [], access: ['p2'] },
];

it('gives AuditEvents written before it the patients of their compartment, and nothing else anything', async () => {
  const pool = createPool({ connectionString: await freshDatabase(), max: 2 });
  const all = readMigrations(join(__dirname, '..', '..', '..', 'migrations'));
  try {
    await migrate(pool, all.filter((m) => m.version < 26));
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
    const { rows: after } = await pool.query(
      `SELECT id, ARRAY(SELECT unnest(access_patients) ORDER BY 1) AS access, access_patients IS NULL AS none FROM resource ORDER BY id`,
    );
    expect(after.map((r) => [r.id, r.none ? null : r.access])).toEqual([
      ['a1', ['p1']],
      ['a2', ['p1', 'p2']],
      ['a3', null],
      ['b1', ['p2']],
      ['o1', null],
    ]);
  } finally {
    await pool.end();
  }
});
