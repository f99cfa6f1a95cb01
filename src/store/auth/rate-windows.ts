import type { Pool } from 'pg';

/** One client's count in one window (its start in epoch ms). */
export interface WindowCount {
  clientId: string;
  start: number;
  requests: number;
}

/**
 * The per-client request counts of fixed windows, shared by all instances through
 * auth_rate_window (the rate limiter's shared state; see auth/rate-limiter.ts).
 */
export class RateWindows {
  constructor(private readonly pool: Pool) {}

  /** Requests written for `clientId` in the window starting at `start`. */
  async requests(clientId: string, start: number): Promise<number> {
    const { rows } = await this.pool.query<{ requests: number }>(
      'SELECT requests FROM auth_rate_window WHERE client_id = $1 AND window_start = to_timestamp($2 / 1000.0)',
      [clientId, start],
    );
    return rows[0]?.requests ?? 0;
  }

  /** Add the counts to their windows' rows in one statement; returns the new totals, in order. */
  async add(counts: readonly WindowCount[]): Promise<number[]> {
    const { rows } = await this.pool.query<{ client_id: string; start: string; requests: number }>(
      `INSERT INTO auth_rate_window (client_id, window_start, requests)
         SELECT c, to_timestamp(s / 1000.0), n FROM unnest($1::text[], $2::float8[], $3::int[]) AS x(c, s, n)
       ON CONFLICT (client_id, window_start) DO UPDATE SET requests = auth_rate_window.requests + EXCLUDED.requests
       RETURNING client_id, (extract(epoch FROM window_start) * 1000)::bigint AS start, requests`,
      [counts.map((w) => w.clientId), counts.map((w) => w.start), counts.map((w) => w.requests)],
    );
    const totals = new Map(rows.map((r) => [`${r.client_id} ${r.start}`, r.requests]));
    return counts.map((w) => totals.get(`${w.clientId} ${w.start}`) ?? 0);
  }

  /** Forget windows that ended over a minute ago. */
  async prune(): Promise<void> {
    await this.pool.query(`DELETE FROM auth_rate_window WHERE window_start < now() - interval '2 minutes'`);
  }
}
