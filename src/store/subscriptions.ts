import type { Pool, PoolClient } from 'pg';
import type { ChangeEntry } from './change-log';

/** Record (or re-record) who owns Subscription `id` and what type its criteria searches. */
export async function saveSubscriptionOwner(db: Pool | PoolClient, row: { id: string; clientId: string; auth: unknown; criteriaType: string }): Promise<void> {
  await db.query(
    `INSERT INTO subscription_owner (subscription_id, client_id, auth, criteria_type) VALUES ($1, $2, $3, $4)
     ON CONFLICT (subscription_id) DO UPDATE SET criteria_type = EXCLUDED.criteria_type`,
    [row.id, row.clientId, JSON.stringify(row.auth), row.criteriaType],
  );
}

/** The client that owns Subscription `id`, if any. */
export async function subscriptionOwner(db: Pool | PoolClient, id: string): Promise<string | undefined> {
  const { rows } = await db.query('SELECT client_id FROM subscription_owner WHERE subscription_id = $1', [id]);
  return rows[0]?.client_id;
}

/**
 * Queue a notification per change (not deletions) per live subscription (active or error, not
 * deleted, its client not revoked) of the changed type, in the order of `changes`.
 */
export async function queueNotifications(client: PoolClient, changes: readonly ChangeEntry[]): Promise<number> {
  const live = changes.filter((c) => c.operation !== 'delete');
  if (!live.length) return 0;
  const { rowCount } = await client.query(
    `INSERT INTO subscription_notification (subscription_id, resource_type, id, version_id)
     SELECT o.subscription_id, c.resource_type, c.id, c.version_id
       FROM unnest($1::text[], $2::text[], $3::integer[]) WITH ORDINALITY AS c(resource_type, id, version_id, k)
       JOIN subscription_owner o ON o.criteria_type = c.resource_type
       JOIN resource s ON s.resource_type = 'Subscription' AND s.id = o.subscription_id AND NOT s.deleted
                      AND s.content::jsonb->>'status' IN ('active', 'error')
       -- not revoked; a client without a row here (KOLIBRI_AUTH=off, an external issuer's) is live
       LEFT JOIN auth_client a ON a.client_id = o.client_id
      WHERE a.revoked_at IS NULL
      ORDER BY c.k, o.subscription_id`,
    [live.map((c) => c.resourceType), live.map((c) => c.id), live.map((c) => c.versionId)],
  );
  return rowCount ?? 0;
}

/** The subscriptions with a notification due now. */
export async function dueSubscriptions(pool: Pool, limit: number): Promise<string[]> {
  const { rows } = await pool.query(
    `SELECT subscription_id FROM (
       SELECT DISTINCT ON (subscription_id) subscription_id, next_attempt FROM subscription_notification ORDER BY subscription_id, n) oldest
      WHERE next_attempt <= now() LIMIT $1`,
    [limit],
  );
  return rows.map((r) => r.subscription_id);
}

export interface ClaimedNotification {
  n: string;
  subscriptionId: string;
  resourceType: string;
  id: string;
  attempts: number;
  /** The subscriber's stored access context, and whether its client is still active. */
  auth: unknown;
  clientActive: boolean;
  /** The Subscription resource as stored now (undefined: deleted). */
  subscription?: string;
}

/**
 * Claim subscription `id` for this transaction (a transaction-scoped advisory lock: one deliverer
 * per subscription across instances, so its notifications go out in order) and take its oldest
 * notification if it is due. Undefined: another deliverer has it, or nothing is due.
 */
export async function claimOldest(client: PoolClient, subscriptionId: string): Promise<ClaimedNotification | undefined> {
  const lock = await client.query(`SELECT pg_try_advisory_xact_lock(hashtextextended('kolibri-subscription:' || $1, 0)) AS ok`, [subscriptionId]);
  if (!lock.rows[0].ok) return undefined;
  const { rows } = await client.query(
    `SELECT n.n::text, n.resource_type, n.id, n.attempts, o.auth, (a.revoked_at IS NULL) AS active, s.content
       FROM subscription_notification n
       JOIN subscription_owner o ON o.subscription_id = n.subscription_id
       LEFT JOIN auth_client a ON a.client_id = o.client_id
       LEFT JOIN resource s ON s.resource_type = 'Subscription' AND s.id = n.subscription_id AND NOT s.deleted
      WHERE n.subscription_id = $1 AND n.next_attempt <= now()
        AND n.n = (SELECT min(m.n) FROM subscription_notification m WHERE m.subscription_id = $1)`,
    [subscriptionId],
  );
  const r = rows[0];
  if (!r) return undefined;
  return { n: r.n, subscriptionId, resourceType: r.resource_type, id: r.id, attempts: r.attempts, auth: r.auth, clientActive: r.active === true, subscription: r.content ?? undefined };
}

/** The NOTIFY channel of websocket pings; payload: the Subscription id. */
export const PING_CHANNEL = 'kolibri_subscription_ping';

/** Publish `ping <id>` to every instance's websocket clients when this transaction commits. */
export async function notifyPing(client: PoolClient, subscriptionId: string): Promise<void> {
  await client.query('SELECT pg_notify($1, $2)', [PING_CHANNEL, subscriptionId]);
}

/** Remove a notification (delivered, or nothing to deliver); `counter` counts it. */
export async function finishNotification(client: PoolClient, n: string, counter?: 'delivered' | 'failed'): Promise<void> {
  await client.query('DELETE FROM subscription_notification WHERE n = $1', [n]);
  if (counter) await client.query('UPDATE subscription_counter SET value = value + 1 WHERE name = $1', [counter]);
}

/** Remove every notification of a subscription (deleted, or its client revoked). */
export async function dropNotifications(client: PoolClient, subscriptionId: string): Promise<void> {
  await client.query('DELETE FROM subscription_notification WHERE subscription_id = $1', [subscriptionId]);
}

/** A failed attempt: try again after `delayMs`. */
export async function retryNotification(client: PoolClient, n: string, delayMs: number, error: string): Promise<void> {
  await client.query(
    `UPDATE subscription_notification SET attempts = attempts + 1, next_attempt = now() + $2 * interval '1 millisecond', last_error = $3 WHERE n = $1`,
    [n, delayMs, error],
  );
  await client.query(`UPDATE subscription_counter SET value = value + 1 WHERE name = 'failed'`);
}

/** Queued notifications, the oldest one's age in seconds, and the shared counters. */
export async function notificationStats(pool: Pool): Promise<{ queued: number; oldestAgeSeconds: number; delivered: number; failed: number }> {
  const { rows } = await pool.query(
    `SELECT (SELECT count(*) FROM subscription_notification)::int AS queued,
            COALESCE(EXTRACT(EPOCH FROM now() - (SELECT min(queued) FROM subscription_notification)), 0)::float8 AS age,
            (SELECT value FROM subscription_counter WHERE name = 'delivered')::int AS delivered,
            (SELECT value FROM subscription_counter WHERE name = 'failed')::int AS failed`,
  );
  return { queued: rows[0].queued, oldestAgeSeconds: rows[0].age, delivered: rows[0].delivered ?? 0, failed: rows[0].failed ?? 0 };
}

/**
 * "A Subscription row only when `clientId` owns it", as a search's access SQL (see
 * ClientOwnedRecords in interactions/access.ts): rows of other types pass.
 */
export function ownSubscriptionsSql(clientId: string): (alias: string, bind: (value: unknown, cast?: string) => string) => string {
  return (alias, bind) =>
    `(${alias}.resource_type <> 'Subscription' OR EXISTS (SELECT 1 FROM subscription_owner so WHERE so.subscription_id = ${alias}.id AND so.client_id = ${bind(clientId, 'text')}))`;
}
