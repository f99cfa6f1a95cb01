import type { Db } from '../db';

/**
 * Table scheduler_slot (migrations/005_scheduler_slot.sql): one row per decided window
 * [start, end) of a ServiceRequest's occurrence timing. The primary key is the claim: a decision
 * is inserted ON CONFLICT DO NOTHING, so with several instances (or a restart mid-run) each
 * window is decided once, and whoever inserted it may act on it in the same transaction.
 */

export interface SlotKey {
  serviceRequestId: string;
  start: Date;
  end: Date;
}

export interface Decision extends SlotKey {
  /** 'missing' needs the Task made for it (`taskId`). */
  outcome: 'submitted' | 'missing';
  expected: number;
  submitted: number;
  taskId?: string;
}

/** `${serviceRequestId}|${start ISO}` of the slots already decided among `keys`. */
export async function decidedSlots(db: Db, keys: readonly SlotKey[]): Promise<Set<string>> {
  if (!keys.length) return new Set();
  const { rows } = await db.query<{ service_request: string; slot_start: Date | string }>(
    `SELECT s.service_request, s.slot_start FROM scheduler_slot s
       JOIN unnest($1::text[], $2::timestamptz[]) AS k(sr, st) ON s.service_request = k.sr AND s.slot_start = k.st`,
    [keys.map((k) => k.serviceRequestId), keys.map((k) => k.start.toISOString())],
  );
  return new Set(rows.map((r) => `${r.service_request}|${new Date(r.slot_start).toISOString()}`));
}

/**
 * Record decisions; a slot decided before (by this or another instance) is left as it is.
 * Returns how many rows were inserted: for one decision, 1 means this caller holds the claim.
 */
export async function recordDecisions(db: Db, decisions: readonly Decision[], decidedAt: Date): Promise<number> {
  if (!decisions.length) return 0;
  const { rowCount } = await db.query(
    `INSERT INTO scheduler_slot (service_request, slot_start, slot_end, outcome, expected, submitted, task_id, decided_at)
     SELECT * , $8::timestamptz FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::int[], $6::int[], $7::text[])
     ON CONFLICT (service_request, slot_start) DO NOTHING`,
    [
      decisions.map((d) => d.serviceRequestId),
      decisions.map((d) => d.start.toISOString()),
      decisions.map((d) => d.end.toISOString()),
      decisions.map((d) => d.outcome),
      decisions.map((d) => d.expected),
      decisions.map((d) => d.submitted),
      decisions.map((d) => d.taskId ?? null),
      decidedAt.toISOString(),
    ],
  );
  return rowCount ?? 0;
}
