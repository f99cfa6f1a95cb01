import { migratedOver, type OldRow } from '../../support/written-before';

/**
 * migrations/027_compartment_shared.sql on a database written before it: a Patient-compartment
 * row is marked shared when the resource is in another patient's compartment too, or names
 * another patient in access_patients (AuditEvents name their own: not shared).
 */

const rows: OldRow[] = [
  { type: 'Observation', id: 'o1', patients: ['p1'] },
  { type: 'Observation', id: 'o2', patients: ['p1', 'p2'] },
  { type: 'Provenance', id: 'v1', patients: ['p1'], access: ['p1', 'p3'] },
  { type: 'AuditEvent', id: 'a1', patients: ['p1'], access: ['p1'] },
];

it('marks the compartment rows of resources another patient also governs', async () => {
  const pool = await migratedOver(27, rows);
  try {
    const { rows: after } = await pool.query(
      `SELECT r.id, c.compartment_id, c.shared FROM resource_compartment c JOIN resource r ON r.rid = c.rid ORDER BY r.id, c.compartment_id`,
    );
    expect(after.map((r) => [r.id, r.compartment_id, r.shared])).toEqual([
      ['a1', 'p1', false],
      ['o1', 'p1', false],
      ['o2', 'p1', true],
      ['o2', 'p2', true],
      ['v1', 'p1', true],
    ]);
  } finally {
    await pool.end();
  }
});
