import { migratedOver, type OldRow } from '../../support/written-before';

/**
 * migrations/026_history_candidates.sql on a database written before it: an AuditEvent gets the
 * patients of its compartment in access_patients, as the drainer writes them now (so they grant
 * whom the compartment grants, and the AuditEvent is no unowned history candidate); an AuditEvent
 * in no compartment and other types keep what they had.
 */

const rows: OldRow[] = [
  { type: 'AuditEvent', id: 'a1', patients: ['p1'] },
  { type: 'AuditEvent', id: 'a2', patients: ['p1', 'p2'] },
  { type: 'AuditEvent', id: 'a3', patients: [] },
  { type: 'Observation', id: 'o1', patients: ['p1'] },
  { type: 'Binary', id: 'b1', patients: [], access: ['p2'] },
];

it('gives AuditEvents written before it the patients of their compartment, and nothing else anything', async () => {
  const pool = await migratedOver(26, rows);
  try {
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
