import { CLAIM_AUDIT_RECORDS } from '../../../src/store/audit-outbox';
import { rowsRead } from '../../support/rows-read';
import { migratedOver } from '../../support/written-before';

const BACKLOG = 5000;
const BATCH = 200;

/**
 * The audit drainer's claim reads one batch, however many records wait behind it, also when the
 * planner's statistics were sampled while the outbox was empty, as a queue's usually are.
 */
it('claims a batch from a backlog by reading that batch, with statistics of an empty outbox', async () => {
  const pool = await migratedOver(Number.MAX_SAFE_INTEGER, []);
  const client = await pool.connect();
  try {
    const insert = (n: number) =>
      client.query(
        `INSERT INTO audit_outbox (recorded, request_id, client_id, client_kind, interaction, action, status, method, path, patients)
         SELECT now(), 'claim-' || g, 'claim-client', 'system', 'read', 'R', 200, 'GET', '/fhir/Observation/x', ARRAY['p1'] FROM generate_series(1, $1::int) g`,
        [n],
      );
    // autoanalyze found it drained: no rows, one page
    await insert(1);
    await client.query('DELETE FROM audit_outbox');
    await client.query('ANALYZE audit_outbox');
    await insert(BACKLOG);
    await client.query('BEGIN');
    const read = await rowsRead(client, CLAIM_AUDIT_RECORDS, [BATCH]);
    await client.query('ROLLBACK');
    // the batch, looked up and deleted, and what resolving its patients reads; a backlog's worth per record before
    expect(read).toBeLessThan(4 * BATCH);
    const { rows } = await client.query(CLAIM_AUDIT_RECORDS, [BATCH]);
    expect(rows).toHaveLength(BATCH);
    expect(rows[0].all_patients).toEqual(['p1']);
  } finally {
    client.release();
    await pool.end();
  }
});
