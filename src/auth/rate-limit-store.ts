import type { Pool } from 'pg';

const WINDOW_MS = 60_000;

export interface RateDecision {
  allowed: boolean;
  /** Requests counted in the current window, this one included. */
  count: number;
  /** Seconds until the window ends (for Retry-After). */
  retryAfterSeconds: number;
}

/**
 * Per-client request limits with fixed one-minute windows counted in PostgreSQL
 * (auth_rate_window), so the limit holds across all instances behind a load balancer. One
 * upsert per request; rows of past windows are pruned now and then. A fixed window lets a
 * client send up to twice the limit across a window boundary — accepted for its simplicity.
 */
export class RateLimiter {
  private lastPrune = 0;

  constructor(private readonly pool: Pool, private readonly perMinute: number) {}

  get enabled(): boolean {
    return this.perMinute > 0;
  }

  /** Count one request of `clientId` at `now` (epoch ms). */
  async hit(clientId: string, now: number): Promise<RateDecision> {
    const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
    if (!this.enabled) return { allowed: true, count: 0, retryAfterSeconds };
    const { rows } = await this.pool.query<{ requests: number }>(
      `INSERT INTO auth_rate_window (client_id, window_start, requests) VALUES ($1, to_timestamp($2 / 1000.0), 1)
       ON CONFLICT (client_id, window_start) DO UPDATE SET requests = auth_rate_window.requests + 1
       RETURNING requests`,
      [clientId, windowStart],
    );
    if (now - this.lastPrune > WINDOW_MS) {
      this.lastPrune = now;
      await this.pool.query(`DELETE FROM auth_rate_window WHERE window_start < now() - interval '2 minutes'`);
    }
    const count = rows[0].requests;
    return { allowed: count <= this.perMinute, count, retryAfterSeconds };
  }
}
