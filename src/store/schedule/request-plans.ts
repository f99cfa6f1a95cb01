import { paramKey } from '../../fhir/search/param-key';
import type { Db } from '../db';

/**
 * Table scheduler_request (migrations/012_scheduler_due.sql): per ServiceRequest, what a
 * periodic job derived from one of its versions (`plan`, any JSON the job chooses) and when it
 * next has work there (`nextDue`). Derived data: a row whose ServiceRequest has a newer version
 * (or none yet) is stale, and the job reads that ServiceRequest again.
 */

const SR_STATUS = paramKey('ServiceRequest', 'status');

/** Which ServiceRequests a batch looks at: those with status `status`, optionally only `only`, after id `after` (id order), at most `limit`. */
export interface PlanBatch {
  status: string;
  only?: readonly string[];
  after: string;
  limit: number;
}

export interface RequestPlan<P> {
  id: string;
  versionId: number;
  plan: P;
}

/** ServiceRequests whose plan is missing or older than their current version, with their current JSON parsed. */
export async function stalePlans(db: Db, batch: PlanBatch): Promise<Array<{ id: string; versionId: number; resource: unknown }>> {
  const { rows } = await db.query<{ id: string; version_id: number; content: string }>(
    `SELECT r.id, r.version_id, r.content FROM search_token t JOIN resource r ON r.rid = t.rid
       LEFT JOIN scheduler_request p ON p.service_request = r.id
      WHERE t.param = $1 AND t.value = $5 AND r.resource_type = 'ServiceRequest' AND NOT r.deleted
        AND ($2::text[] IS NULL OR r.id = ANY($2::text[])) AND r.id > $3
        AND (p.version_id IS DISTINCT FROM r.version_id)
      ORDER BY r.id LIMIT $4`,
    [SR_STATUS, batch.only ? [...batch.only] : null, batch.after, batch.limit, batch.status],
  );
  return rows.map((r) => ({ id: r.id, versionId: r.version_id, resource: JSON.parse(r.content) as unknown }));
}

/** Current plans due at `now` (next due passed, or set by a run later than `now`: a clock set back). */
export async function duePlans<P>(db: Db, now: Date, batch: PlanBatch): Promise<Array<RequestPlan<P>>> {
  const { rows } = await db.query<{ service_request: string; version_id: number; plan: string }>(
    `SELECT p.service_request, p.version_id, p.plan FROM scheduler_request p
       JOIN resource r ON r.resource_type = 'ServiceRequest' AND r.id = p.service_request AND r.version_id = p.version_id AND NOT r.deleted
      WHERE (p.next_due <= $1 OR p.planned_at > $1)
        AND EXISTS (SELECT 1 FROM search_token t WHERE t.rid = r.rid AND t.param = $2 AND t.value = $6)
        AND ($3::text[] IS NULL OR p.service_request = ANY($3::text[])) AND p.service_request > $4
      ORDER BY p.service_request LIMIT $5`,
    [now.toISOString(), SR_STATUS, batch.only ? [...batch.only] : null, batch.after, batch.limit, batch.status],
  );
  return rows.map((r) => ({ id: r.service_request, versionId: r.version_id, plan: JSON.parse(r.plan) as P }));
}

/**
 * Store plans and when each is next due (null: never). In id order, so concurrent runs (other
 * instances) lock the rows in one order and never deadlock.
 */
export async function savePlans<P>(db: Db, plans: ReadonlyArray<RequestPlan<P> & { nextDue: Date | null }>, now: Date): Promise<void> {
  if (!plans.length) return;
  const sorted = [...plans].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  await db.query(
    `INSERT INTO scheduler_request (service_request, version_id, plan, next_due, planned_at)
       SELECT *, $5::timestamptz FROM unnest($1::text[], $2::int[], $3::text[], $4::timestamptz[])
     ON CONFLICT (service_request) DO UPDATE
       SET version_id = EXCLUDED.version_id, plan = EXCLUDED.plan, next_due = EXCLUDED.next_due, planned_at = EXCLUDED.planned_at`,
    [sorted.map((p) => p.id), sorted.map((p) => p.versionId), sorted.map((p) => JSON.stringify(p.plan)), sorted.map((p) => p.nextDue?.toISOString() ?? null), now.toISOString()],
  );
}
