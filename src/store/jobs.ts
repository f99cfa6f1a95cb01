import type { Pool } from 'pg';
import { normalizeDatabaseError } from './pg-errors';

/** Where a job is in its life. `queued` and `running` are live; the rest are final. */
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** One row of the `job` table (migrations/016_jobs.sql). */
export interface Job<P = unknown, G = unknown, R = unknown> {
  id: string;
  kind: string;
  /** The client that started it: the only one that may see it. */
  owner: string;
  state: JobState;
  params: P;
  /** The job's own checkpoint; a job claimed again resumes from it. */
  progress: G | null;
  result: R | null;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
}

export interface NewJob<P> {
  id: string;
  kind: string;
  owner: string;
  params: P;
  /** How long the job and what it stores are kept, from now. */
  ttlSeconds: number;
}

const COLUMNS = `id, kind, owner, state, params, progress, result, attempts,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
  to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at,
  to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS expires_at`;

/**
 * The job table: enqueue, claim with a lease, checkpoint, finish, cancel and sweep. Every
 * change by a worker is conditional on the worker still holding the lease, so a worker that
 * lost it (it stalled past the lease and another instance took over, or the job was
 * cancelled) learns so at its next checkpoint and writes nothing more.
 */
export class JobStore {
  constructor(private readonly pool: Pool) {}

  async enqueue<P>(job: NewJob<P>): Promise<Job<P>> {
    const { rows } = await this.run(
      `INSERT INTO job (id, kind, owner, state, params, created_at, updated_at, expires_at)
       VALUES ($1, $2, $3, 'queued', $4, now(), now(), now() + make_interval(secs => $5))
       RETURNING ${COLUMNS}`,
      [job.id, job.kind, job.owner, JSON.stringify(job.params), job.ttlSeconds],
    );
    return toJob(rows[0]) as Job<P>;
  }

  /**
   * Enqueue `job` unless a job with its id exists (another instance queued it first) or a live
   * (queued or running) job of its kind does (the previous period's run is not over). True
   * when this call queued it. Periodic work gives each period's job an id derived from the
   * period, so however many instances ask, a period is queued once.
   */
  async enqueueOnce<P>(job: NewJob<P>): Promise<boolean> {
    const { rowCount } = await this.run(
      `INSERT INTO job (id, kind, owner, state, params, created_at, updated_at, expires_at)
       SELECT $1, $2, $3, 'queued', $4, now(), now(), now() + make_interval(secs => $5)
        WHERE NOT EXISTS (SELECT 1 FROM job WHERE kind = $2 AND state IN ('queued', 'running') AND expires_at > now())
       ON CONFLICT (id) DO NOTHING`,
      [job.id, job.kind, job.owner, JSON.stringify(job.params), job.ttlSeconds],
    );
    return rowCount === 1;
  }

  /** A job by id, or undefined when there is none or it expired (the sweep may not have run yet). */
  async get(id: string): Promise<Job | undefined> {
    if (!UUID.test(id)) return undefined;
    const { rows } = await this.run(`SELECT ${COLUMNS} FROM job WHERE id = $1 AND expires_at > now()`, [id]);
    return rows[0] ? toJob(rows[0]) : undefined;
  }

  /** A client's live jobs of the kinds (not expired, not cancelled), newest first. */
  async listOwned(owner: string, kinds: readonly string[], limit = 100): Promise<Job[]> {
    const { rows } = await this.run(
      `SELECT ${COLUMNS} FROM job WHERE owner = $1 AND kind = ANY($2) AND expires_at > now() AND state <> 'cancelled'
       ORDER BY created_at DESC LIMIT $3`,
      [owner, kinds, limit],
    );
    return rows.map(toJob);
  }

  /**
   * Claim the oldest job of the kinds that is queued, or running under an expired lease (its
   * worker died), for `leaseSeconds`. Concurrent claimers skip each other's locked rows.
   */
  async claim(kinds: readonly string[], worker: string, leaseSeconds: number): Promise<Job | undefined> {
    const { rows } = await this.run(
      `UPDATE job SET state = 'running', lease_owner = $2, lease_until = now() + make_interval(secs => $3),
         attempts = attempts + 1, updated_at = now()
       WHERE id = (
         SELECT id FROM job
         WHERE kind = ANY($1) AND expires_at > now()
           AND (state = 'queued' OR (state = 'running' AND lease_until < now()))
         ORDER BY created_at
         FOR UPDATE SKIP LOCKED
         LIMIT 1)
       RETURNING ${COLUMNS}`,
      [kinds, worker, leaseSeconds],
    );
    return rows[0] ? toJob(rows[0]) : undefined;
  }

  /** Extend the lease (and store progress when given); false when the worker no longer holds it. */
  async renew(id: string, worker: string, leaseSeconds: number, progress?: unknown): Promise<boolean> {
    const { rowCount } = await this.run(
      `UPDATE job SET lease_until = now() + make_interval(secs => $3), updated_at = now(),
         progress = COALESCE($4::jsonb, progress)
       WHERE id = $1 AND lease_owner = $2 AND state = 'running'`,
      [id, worker, leaseSeconds, progress === undefined ? null : JSON.stringify(progress)],
    );
    return rowCount === 1;
  }

  /** The worker's final word: done with a result, or failed with one. */
  async finish(id: string, worker: string, state: 'done' | 'failed', result: unknown): Promise<boolean> {
    const { rowCount } = await this.run(
      `UPDATE job SET state = $3, result = $4, lease_owner = NULL, lease_until = NULL, updated_at = now()
       WHERE id = $1 AND lease_owner = $2 AND state = 'running'`,
      [id, worker, state, JSON.stringify(result)],
    );
    return rowCount === 1;
  }

  /** Give a job back (clean shutdown): queued again at once, its progress kept for the next worker. */
  async release(id: string, worker: string): Promise<void> {
    await this.run(
      `UPDATE job SET state = 'queued', lease_owner = NULL, lease_until = NULL, updated_at = now()
       WHERE id = $1 AND lease_owner = $2 AND state = 'running'`,
      [id, worker],
    );
  }

  /** A worker that stopped on a cancelled job lets go of it, so the sweep can remove it now. */
  async letGo(id: string, worker: string): Promise<void> {
    await this.run(`UPDATE job SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2`, [id, worker]);
  }

  /** Cancel a live or finished job of `owner`; false when it has no such job. */
  async cancel(id: string, owner: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    const { rowCount } = await this.run(
      `UPDATE job SET state = 'cancelled', updated_at = now()
       WHERE id = $1 AND owner = $2 AND state <> 'cancelled' AND expires_at > now()`,
      [id, owner],
    );
    return rowCount === 1;
  }

  /**
   * Remove expired jobs of `kinds` and cancelled ones no worker holds, at most `limit`, and
   * return them so that their kind can remove what they stored. Only the kinds the caller knows:
   * a runner of other kinds could not remove what those jobs stored.
   */
  async sweep(kinds: readonly string[], limit = 100): Promise<Job[]> {
    const { rows } = await this.run(
      // the ids once, as an array: as `IN (…)` a planner that thinks the table empty re-runs the locking subquery per row (audit-outbox.ts)
      `DELETE FROM job WHERE id = ANY(ARRAY(
         SELECT id FROM job
         WHERE kind = ANY($2) AND (expires_at <= now() OR (state = 'cancelled' AND (lease_until IS NULL OR lease_until < now())))
         FOR UPDATE SKIP LOCKED
         LIMIT $1))
       RETURNING ${COLUMNS}`,
      [limit, kinds],
    );
    return rows.map(toJob);
  }

  private async run(text: string, values: unknown[]) {
    try {
      return await this.pool.query(text, values);
    } catch (err) {
      throw normalizeDatabaseError(err);
    }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toJob(row: Record<string, unknown>): Job {
  return {
    id: row.id as string,
    kind: row.kind as string,
    owner: row.owner as string,
    state: row.state as JobState,
    params: row.params,
    progress: row.progress ?? null,
    result: row.result ?? null,
    attempts: Number(row.attempts),
    createdAt: row.created_at as string,
    updatedAt: row.updated_at as string,
    expiresAt: row.expires_at as string,
  };
}
