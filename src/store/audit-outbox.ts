import type { Pool, PoolClient } from 'pg';
import type { AuditRecord } from '../audit/record';

/** The outbox column of each record field. */
const COLUMN_OF: Record<keyof AuditRecord, string> = {
  recorded: 'recorded',
  requestId: 'request_id',
  clientId: 'client_id',
  clientKind: 'client_kind',
  organization: 'organization',
  practitioner: 'practitioner',
  careTeam: 'care_team',
  interaction: 'interaction',
  action: 'action',
  status: 'status',
  method: 'method',
  path: 'path',
  query: 'query',
  patients: 'patients',
  rids: 'rids',
  refused: 'refused',
};
const FIELDS = Object.keys(COLUMN_OF) as Array<keyof AuditRecord>;
/** The outbox columns an insert names, in the order of auditRowsJson's fields. */
export const AUDIT_COLUMNS = FIELDS.map((f) => COLUMN_OF[f]).join(', ');
const COLUMNS = AUDIT_COLUMNS;

/** Records as one JSON array of outbox rows, for json_populate_recordset(NULL::audit_outbox, …). */
export function auditRowsJson(records: readonly AuditRecord[]): string {
  return JSON.stringify(records.map((r) => Object.fromEntries(FIELDS.map((f) => [COLUMN_OF[f], r[f] ?? null]))));
}

const INSERT_RECORDS = {
  name: 'kolibri-audit-outbox-insert',
  // one statement for any number of records: a JSON array of rows (text[] and bigint[] from JSON arrays)
  text: `INSERT INTO audit_outbox (${COLUMNS}) SELECT ${COLUMNS} FROM json_populate_recordset(NULL::audit_outbox, $1::json)`,
};

/**
 * Append audit records (before their responses are sent), all in one statement: on a pool this
 * is one commit for all of them; on a transaction's client they commit with its writes.
 */
export async function insertAuditRecords(db: Pool | PoolClient, records: readonly AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  await db.query({ ...INSERT_RECORDS, values: [auditRowsJson(records)] });
}

/**
 * The claim ($1: how many records). The batch's ids are taken once, as an array (an InitPlan),
 * and the DELETE looks them up: as `id IN (…)` the planner, told by statistics sampled while the
 * outbox was empty (a queue's usual state) that it holds one row, made it a nested loop that ran
 * the locking subquery again for every record in the outbox, so a backlog of 12,000 records took
 * 14 s to yield its first batch, the quadratic cost arriving just when the drainer is behind.
 */
export const CLAIM_AUDIT_RECORDS = `WITH taken AS (
       DELETE FROM audit_outbox WHERE id = ANY(ARRAY(
         SELECT id FROM audit_outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED))
       RETURNING *)
     SELECT t.*, to_char(t.recorded AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded_iso,
            ARRAY(SELECT DISTINCT p FROM (
              SELECT unnest(t.patients) AS p
              UNION
              SELECT c.compartment_id FROM resource_compartment c
               WHERE c.rid = ANY(t.rids) AND c.compartment_type = 'Patient') x) AS all_patients
       FROM taken t ORDER BY t.id`;

/**
 * Take up to `limit` records for this transaction: deleted now, gone for good when it commits,
 * back for another drainer if it rolls back. SKIP LOCKED lets several instances drain at once.
 * Search results' patients (by rid) are resolved in the same statement.
 */
export async function claimAuditRecords(client: PoolClient, limit: number): Promise<AuditRecord[]> {
  const { rows } = await client.query(CLAIM_AUDIT_RECORDS, [limit]);
  return rows.map((row) => ({
    ...(Object.fromEntries(FIELDS.map((f) => [f, row[COLUMN_OF[f]] ?? undefined])) as unknown as AuditRecord),
    recorded: row.recorded_iso,
    patients: row.all_patients,
    rids: [],
  }));
}
