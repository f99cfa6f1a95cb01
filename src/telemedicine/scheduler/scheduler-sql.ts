import type { Pool, PoolClient } from 'pg';
import { paramKey } from '../../fhir/search/param-key';

/**
 * The scheduler's SQL: episodes, submissions per slot (from the search index) and the slot
 * claims (scheduler_slot, migration 005). Which ServiceRequests are due: due-requests.ts.
 */

type Db = Pool | PoolClient;

/** basedOn of the two submission types, and the instant each was measured / answered. */
const BASED_ON = [paramKey('Observation', 'based-on'), paramKey('QuestionnaireResponse', 'based-on')];
const WHEN = [paramKey('Observation', 'date'), paramKey('QuestionnaireResponse', 'authored')];
const STATUS = [paramKey('Observation', 'status'), paramKey('QuestionnaireResponse', 'status')];

export interface SlotKey {
  serviceRequestId: string;
  start: Date;
  end: Date;
}

/** `${serviceRequestId}|${start ISO}` of the slots already decided among `keys`. */
export async function decidedSlots(db: Db, keys: readonly SlotKey[]): Promise<Set<string>> {
  if (!keys.length) return new Set();
  const { rows } = await db.query(
    `SELECT s.service_request, s.slot_start FROM scheduler_slot s
       JOIN unnest($1::text[], $2::timestamptz[]) AS k(sr, st) ON s.service_request = k.sr AND s.slot_start = k.st`,
    [keys.map((k) => k.serviceRequestId), keys.map((k) => k.start.toISOString())],
  );
  return new Set(rows.map((r: { service_request: string; slot_start: Date | string }) => `${r.service_request}|${new Date(r.slot_start).toISOString()}`));
}

/**
 * How many Observations / QuestionnaireResponses basedOn each slot's ServiceRequest were
 * measured (effective / authored) inside its window [start, end); entered-in-error ones do not
 * count. Returned in the order of `keys`.
 */
export async function submissionCounts(db: Db, keys: readonly SlotKey[]): Promise<number[]> {
  if (!keys.length) return [];
  const { rows } = await db.query(
    `SELECT k.i, count(DISTINCT b.rid)::int AS n
       FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS k(sr, st, en, i)
       JOIN search_reference b ON b.param = ANY($4::int[]) AND b.target_id = k.sr AND b.target_type = 'ServiceRequest'
       JOIN search_date d ON d.rid = b.rid AND d.param = ANY($5::int[]) AND d.low >= k.st AND d.low < k.en
      WHERE NOT EXISTS (SELECT 1 FROM search_token x WHERE x.rid = b.rid AND x.param = ANY($6::int[]) AND x.value = 'entered-in-error')
      GROUP BY k.i`,
    [keys.map((k) => k.serviceRequestId), keys.map((k) => k.start.toISOString()), keys.map((k) => k.end.toISOString()), BASED_ON, WHEN, STATUS],
  );
  const counts = new Array<number>(keys.length).fill(0);
  for (const r of rows as Array<{ i: string; n: number }>) counts[Number(r.i) - 1] = r.n;
  return counts;
}

export interface Decision extends SlotKey {
  outcome: 'submitted' | 'missing';
  expected: number;
  submitted: number;
  taskId?: string;
}

/**
 * Record decisions; a slot decided before (by this or another instance) is left as it is.
 * Returns how many rows were inserted — for one 'missing' decision, 1 means this caller holds
 * the claim and must create the Task in the same transaction.
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
