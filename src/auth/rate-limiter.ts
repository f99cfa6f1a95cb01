import type { RateWindows } from '../store/auth/rate-windows';

const WINDOW_MS = 60_000;
/** How often each instance adds its new counts to the shared ones. */
export const RATE_FLUSH_MS = 1_000;

export interface RateDecision {
  allowed: boolean;
  /** Requests counted in the current window, this one included (as far as this instance knows). */
  count: number;
  /** Seconds until the window ends (for Retry-After). */
  retryAfterSeconds: number;
}

/** One client's window on this instance. */
interface Window {
  clientId: string;
  start: number;
  /** Requests of this client this instance counted in the window (never goes down). */
  counted: number;
  /** How many of them are in PostgreSQL. */
  flushed: number;
  /** Requests the other instances had written when this one last heard. */
  others: number;
  /** Settles once `others` has been read for the first time. */
  joined: Promise<void>;
  ready: boolean;
}

/**
 * Per-client request limits with fixed one-minute windows, shared by all instances behind a load
 * balancer through auth_rate_window in PostgreSQL.
 *
 * While a client is below half its limit (as far as this instance knows), its requests are
 * counted in memory: no statement per request, so its concurrent requests never queue on its
 * row. Each instance adds what it counted to the shared row once a second (one statement for
 * all clients) and learns the other instances' counts in return; the first request of a
 * client's window on an instance reads them first. Past half the limit every request adds
 * itself (and what is pending) to the row and is decided on the total the database returns, as
 * one row per request did before: exact for any concurrency, and across instances late only by
 * what others counted in memory in their last second. Rows of past windows are pruned now and
 * then. A fixed window lets a client send up to twice the limit across a window boundary —
 * accepted for its simplicity.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private lastPrune = 0;
  private latest = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(private readonly shared: RateWindows, private readonly perMinute: number) {}

  get enabled(): boolean {
    return this.perMinute > 0;
  }

  /** Count one request of `clientId` at `now` (epoch ms). */
  async hit(clientId: string, now: number): Promise<RateDecision> {
    const start = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    const retryAfterSeconds = Math.max(1, Math.ceil((start + WINDOW_MS - now) / 1000));
    if (!this.enabled) return { allowed: true, count: 0, retryAfterSeconds };
    this.latest = Math.max(this.latest, now);
    const key = `${clientId} ${start}`;
    let window = this.windows.get(key);
    if (!window) {
      window = { clientId, start, counted: 0, flushed: 0, others: 0, joined: Promise.resolve(), ready: false };
      window.joined = this.join(window);
      this.windows.set(key, window);
    }
    if (!window.ready) await window.joined;
    // from here to the write, synchronous: concurrent requests each get their own number
    window.counted += 1;
    let count = window.others + window.counted;
    if (count > this.perMinute / 2) count = await this.writeThrough(window);
    else this.schedule();
    return { allowed: count <= this.perMinute, count, retryAfterSeconds };
  }

  /** Add every pending count to PostgreSQL now (the timer does this each second, close() a last time). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushing = this.flushAll().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Stop the timer and write what is pending. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush().catch(() => undefined);
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // best effort: a failed flush stays pending and is tried again with the next one
      this.flush().catch(() => undefined);
    }, RATE_FLUSH_MS);
    this.timer.unref();
  }

  /**
   * What the other instances counted in `window` so far (nothing of ours is written yet). If the
   * database cannot tell, this instance counts alone: the limit never fails a request itself.
   */
  private async join(window: Window): Promise<void> {
    try {
      window.others = await this.shared.requests(window.clientId, window.start);
    } catch {
      window.others = 0;
    } finally {
      window.ready = true;
    }
  }

  /** Add this window's pending requests (the caller's last) to the row; the total is the caller's count. */
  private async writeThrough(window: Window): Promise<number> {
    const pending = window.counted - window.flushed;
    window.flushed = window.counted;
    try {
      const total = await this.add([window], [pending]);
      // concurrent writes of this instance may not be in `total` yet: `others` only ever grows
      window.others = Math.max(window.others, total[0] - window.flushed);
      return total[0];
    } catch {
      // counted again with the next flush; decided on what this instance knows
      window.flushed -= pending;
      return window.others + window.counted;
    }
  }

  /** Add `counts` to the windows' shared rows; returns the new totals, in order. */
  private add(windows: Window[], counts: number[]): Promise<number[]> {
    return this.shared.add(windows.map((w, i) => ({ clientId: w.clientId, start: w.start, requests: counts[i] })));
  }

  private async flushAll(): Promise<void> {
    const due = [...this.windows.values()].filter((w) => w.ready && w.counted > w.flushed);
    if (due.length) {
      const counts = due.map((w) => w.counted - w.flushed);
      due.forEach((w) => (w.flushed = w.counted));
      try {
        const totals = await this.add(due, counts);
        due.forEach((w, i) => (w.others = Math.max(w.others, totals[i] - w.flushed)));
      } catch (err) {
        due.forEach((w, i) => (w.flushed -= counts[i]));
        throw err;
      }
    }
    // windows over for a while, all written: forgotten
    for (const [key, w] of this.windows) if (w.start + 2 * WINDOW_MS < this.latest && w.flushed === w.counted) this.windows.delete(key);
    if (this.latest - this.lastPrune > WINDOW_MS) {
      this.lastPrune = this.latest;
      await this.shared.prune();
    }
  }
}
