import type { Pool, PoolClient } from 'pg';
import type { AuditRecord } from '../audit/record';

/** Append one request's audit record (before its response is sent). */
export async function insertAuditRecord(pool: Pool, r: AuditRecord): Promise<void> {
  await pool.query(
    `INSERT INTO audit_outbox (recorded, request_id, client_id, client_kind, organization, practitioner, care_team,
       interaction, action, status, method, path, query, patients, rids)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
    [r.recorded, r.requestId, r.clientId, r.clientKind, r.organization ?? null, r.practitioner ?? null, r.careTeam ?? null,
      r.interaction, r.action, r.status, r.method, r.path, r.query ?? null, r.patients, r.rids],
  );
}

/**
 * Take up to `limit` records for this transaction: deleted now, gone for good when it commits,
 * back for another drainer if it rolls back. SKIP LOCKED lets several instances drain at once.
 * Search results' patients (by rid) are resolved in the same statement.
 */
export async function claimAuditRecords(client: PoolClient, limit: number): Promise<AuditRecord[]> {
  const { rows } = await client.query(
    `WITH taken AS (
       DELETE FROM audit_outbox WHERE id IN (
         SELECT id FROM audit_outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING *)
     SELECT t.*, to_char(t.recorded AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded_iso,
            ARRAY(SELECT DISTINCT p FROM (
              SELECT unnest(t.patients) AS p
              UNION
              SELECT c.compartment_id FROM resource_compartment c
               WHERE c.rid = ANY(t.rids) AND c.compartment_type = 'Patient') x) AS all_patients
       FROM taken t ORDER BY t.id`,
    [limit],
  );
  return rows.map((r) => ({
    recorded: r.recorded_iso,
    requestId: r.request_id,
    clientId: r.client_id,
    clientKind: r.client_kind,
    organization: r.organization ?? undefined,
    practitioner: r.practitioner ?? undefined,
    careTeam: r.care_team ?? undefined,
    interaction: r.interaction,
    action: r.action,
    status: r.status,
    method: r.method,
    path: r.path,
    query: r.query ?? undefined,
    patients: r.all_patients,
    rids: [],
  }));
}
