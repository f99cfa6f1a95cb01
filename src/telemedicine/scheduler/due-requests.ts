import type { Pool, PoolClient } from 'pg';
import { paramKey } from '../../fhir/search/param-key';
import { EPISODE_EXTENSION } from './missing-task';
import { slotsClosedBetween, type TimingRepeat } from './slots';

/**
 * The scheduler's own table of active ServiceRequests (scheduler_request, migration 012): the
 * little a run needs of each (its plan) and when its next slot closes (next_due). A run reads
 * the JSON only of ServiceRequests that are new or changed since, and decides only those due.
 */

type Db = Pool | PoolClient;

const SR_STATUS = paramKey('ServiceRequest', 'status');
/** How far ahead the next slot is looked for; a plan without one is looked at again then. */
const HORIZON_MS = 35 * 86_400_000;

/** What the scheduler needs of a ServiceRequest. */
export interface RequestPlan {
  patientId?: string;
  episodeId?: string;
  code?: { system?: string; code?: string; display?: string };
  repeat?: TimingRepeat;
}

export interface DueRequest {
  id: string;
  versionId: number;
  plan: RequestPlan;
}

interface ServiceRequestLike {
  subject?: { reference?: string };
  code?: { coding?: Array<{ system?: string; code?: string; display?: string }> };
  extension?: Array<{ url: string; valueReference?: { reference?: string } }>;
  occurrenceTiming?: { repeat?: TimingRepeat };
}

/** The id of a `Type/id` reference to `type`. */
export const refId = (ref: string | undefined, type: string) => (ref?.startsWith(`${type}/`) ? ref.slice(type.length + 1) : undefined);

/** The plan of a ServiceRequest's JSON. */
export function planOf(sr: ServiceRequestLike): RequestPlan {
  return {
    patientId: refId(sr.subject?.reference, 'Patient'),
    episodeId: refId(sr.extension?.find((e) => e.url === EPISODE_EXTENSION)?.valueReference?.reference, 'EpisodeOfCare'),
    code: sr.code?.coding?.[0],
    repeat: sr.occurrenceTiming?.repeat,
  };
}

/**
 * When the first slot closing after `after` closes: within the horizon, else the horizon's end
 * (looked at again then); null without a timing.
 */
export function nextClose(repeat: TimingRepeat | undefined, after: Date): Date | null {
  if (!repeat) return null;
  const until = new Date(after.getTime() + HORIZON_MS);
  const ends = slotsClosedBetween(repeat, after, until).map((s) => s.end.getTime());
  return new Date(ends.length ? Math.min(...ends) : until.getTime());
}

/** Active ServiceRequests whose plan is missing or older than their current version: a batch after `after` (id order). */
export async function changedRequests(db: Db, only: readonly string[] | undefined, after: string, limit: number): Promise<Array<{ id: string; versionId: number; content: string }>> {
  const { rows } = await db.query(
    `SELECT r.id, r.version_id, r.content FROM search_token t JOIN resource r ON r.rid = t.rid
       LEFT JOIN scheduler_request p ON p.service_request = r.id
      WHERE t.param = $1 AND t.value = 'active' AND r.resource_type = 'ServiceRequest' AND NOT r.deleted
        AND ($2::text[] IS NULL OR r.id = ANY($2::text[])) AND r.id > $3
        AND (p.version_id IS DISTINCT FROM r.version_id)
      ORDER BY r.id LIMIT $4`,
    [SR_STATUS, only ? [...only] : null, after, limit],
  );
  return rows.map((r: { id: string; version_id: number; content: string }) => ({ id: r.id, versionId: r.version_id, content: r.content }));
}

/** Active ServiceRequests due at `now` (their plan current): a batch after `after` (id order). */
export async function dueRequests(db: Db, now: Date, only: readonly string[] | undefined, after: string, limit: number): Promise<DueRequest[]> {
  const { rows } = await db.query(
    `SELECT p.service_request, p.version_id, p.plan FROM scheduler_request p
       JOIN resource r ON r.resource_type = 'ServiceRequest' AND r.id = p.service_request AND r.version_id = p.version_id AND NOT r.deleted
      WHERE (p.next_due <= $1 OR p.planned_at > $1)
        AND EXISTS (SELECT 1 FROM search_token t WHERE t.rid = r.rid AND t.param = $2 AND t.value = 'active')
        AND ($3::text[] IS NULL OR p.service_request = ANY($3::text[])) AND p.service_request > $4
      ORDER BY p.service_request LIMIT $5`,
    [now.toISOString(), SR_STATUS, only ? [...only] : null, after, limit],
  );
  return rows.map((r: { service_request: string; version_id: number; plan: string }) => ({ id: r.service_request, versionId: r.version_id, plan: JSON.parse(r.plan) as RequestPlan }));
}

/**
 * Store plans and when each is next due. In id order, so concurrent runs (other instances) lock
 * the rows in one order and never deadlock.
 */
export async function savePlans(db: Db, plans: ReadonlyArray<DueRequest & { nextDue: Date | null }>, now: Date): Promise<void> {
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
