import { createHash } from 'node:crypto';
import type { Clock } from '../clock';
import type { JobStore } from '../store/jobs';
import type { JobKind } from './runner';

/** A job kind that runs every `everySeconds`, once per period across all instances. */
export interface PeriodicJobKind extends JobKind {
  everySeconds: number;
}

/** What a periodic job is given as its params: the period it runs for. */
export interface PeriodParams {
  /** Start of the period (ISO instant): periods are `everySeconds` long from the epoch. */
  period: string;
}

/** The owner of periodic jobs: no client, so no client's job requests ever show them. */
export const SYSTEM_JOB_OWNER = 'kolibri:system';

export interface PeriodicQueueOptions {
  store: JobStore;
  kinds: readonly PeriodicJobKind[];
  clock: Clock;
  /** Told when this instance queued a period's job (the runner looks for work at once). */
  onQueued?: () => void;
  onError: (err: unknown) => void;
}

/**
 * Queues each periodic kind's job for the current period. Every instance does so; the job's id
 * is derived from kind and period, so the first instance queues it and the others find it there.
 * A period whose predecessor is still queued or running is skipped: runs of a kind never overlap.
 * The runner of any instance then claims the job under a lease, so a run whose instance died is
 * resumed elsewhere once the lease expires.
 */
export class PeriodicQueue {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly options: PeriodicQueueOptions) {}

  /** Queue the current period's job of every kind now; the ids of the jobs this call queued. */
  async tick(now: Date = this.options.clock.now()): Promise<string[]> {
    const queued: string[] = [];
    for (const kind of this.options.kinds) {
      const ms = kind.everySeconds * 1000;
      const period = new Date(Math.floor(now.getTime() / ms) * ms).toISOString();
      const id = periodJobId(kind.kind, period);
      const params: PeriodParams = { period };
      // kept a while after the period for inspection; the runner's sweep removes it
      const ttlSeconds = Math.max(2 * kind.everySeconds, 86_400);
      if (await this.options.store.enqueueOnce({ id, kind: kind.kind, owner: SYSTEM_JOB_OWNER, params, ttlSeconds })) queued.push(id);
    }
    if (queued.length) this.options.onQueued?.();
    return queued;
  }

  /** Look every half period of the shortest kind (at most every 30 s, at least every second). */
  start(): void {
    if (!this.options.kinds.length || !this.stopped) return;
    this.stopped = false;
    const shortest = Math.min(...this.options.kinds.map((k) => k.everySeconds));
    const intervalMs = Math.min(30_000, Math.max(1000, (shortest * 1000) / 2));
    const run = () => {
      this.ticking = this.tick()
        .then(() => undefined, this.options.onError)
        .finally(() => {
          this.ticking = undefined;
          if (!this.stopped) this.timer = setTimeout(run, intervalMs).unref();
        });
    };
    this.timer = setTimeout(run, 0).unref();
  }

  /** Stop queueing; resolves when a look in progress is over. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
  }
}

/** A UUID derived from kind and period (name-based, version 5 layout). */
export function periodJobId(kind: string, period: string): string {
  const h = createHash('sha1').update(`${kind}|${period}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
