import { randomUUID } from 'node:crypto';
import type { Job, JobStore } from '../store/jobs';

/** What a running job may do besides its work. */
export interface JobContext<G = unknown> {
  /** The checkpoint stored by an earlier attempt (that instance died or shut down), or null. */
  progress: G | null;
  /**
   * Store progress and renew the lease. Throws {@link JobLost} when the job was cancelled or
   * another worker took it over: the job must stop and write nothing more.
   */
  checkpoint(progress: G): Promise<void>;
  /** Aborted on shutdown and when the lease is lost; long work checks it between steps. */
  signal: AbortSignal;
}

/** One kind of job: how to run it and how to remove what it stored. */
export interface JobKind {
  kind: string;
  /** Do the work (resuming from `ctx.progress`); the value is stored as the job's result. */
  run(job: Job, ctx: JobContext): Promise<unknown>;
  /** Remove what the job stored, once its row is gone (expired or cancelled). */
  remove?(job: Job): Promise<void>;
}

export interface RunnerLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RunnerOptions {
  store: JobStore;
  kinds: readonly JobKind[];
  log: RunnerLog;
  /** How often an idle runner looks for work (ms). */
  pollMs?: number;
  /** How long a claim holds without renewal; renewed at a third of it. */
  leaseSeconds?: number;
  /** Jobs this instance runs at once. */
  concurrency?: number;
  /** A job that failed this many times is given up (state failed). */
  maxAttempts?: number;
  /** How often expired and cancelled jobs are removed (ms). */
  sweepMs?: number;
}

/** Thrown by `checkpoint` when the worker no longer holds the job. */
export class JobLost extends Error {
  constructor(id: string) {
    super(`job ${id} was cancelled or taken over`);
  }
}

/**
 * Runs jobs from the `job` table on this instance, next to the same runner on every other
 * instance: each claims with FOR UPDATE SKIP LOCKED under a lease it renews while working. An
 * instance that dies stops renewing, its lease expires and another instance claims the job,
 * resuming from the last checkpoint. On a clean stop the running jobs are given back at once.
 */
export class JobRunner {
  readonly worker = randomUUID();
  private readonly kinds: Map<string, JobKind>;
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private ticking: Promise<void> | undefined;
  private lastSweep = 0;
  private readonly pollMs: number;
  private readonly leaseSeconds: number;
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly sweepMs: number;

  constructor(private readonly options: RunnerOptions) {
    this.kinds = new Map(options.kinds.map((k) => [k.kind, k]));
    this.pollMs = options.pollMs ?? 1000;
    this.leaseSeconds = options.leaseSeconds ?? 30;
    this.concurrency = options.concurrency ?? 1;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.sweepMs = options.sweepMs ?? 60_000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Look for work now (a job was just queued on this instance). */
  wake(): void {
    if (!this.stopped && !this.ticking) this.schedule(0);
  }

  /** Stop claiming, abort the running jobs and give them back; resolves when none uses the pool. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    for (const r of this.running.values()) r.abort.abort('shutdown');
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        if (!this.stopped) this.schedule(this.pollMs);
      });
    }, ms);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    try {
      if (Date.now() - this.lastSweep >= this.sweepMs) {
        this.lastSweep = Date.now();
        await this.sweep();
      }
      while (!this.stopped && this.running.size < this.concurrency) {
        const job = await this.options.store.claim([...this.kinds.keys()], this.worker, this.leaseSeconds);
        if (!job) break;
        this.launch(job);
      }
    } catch (err) {
      this.options.log.error({ err: describe(err) }, 'job runner: claiming failed');
    }
  }

  /** Remove expired jobs and cancelled ones of this runner's kinds, with what they stored. */
  async sweep(): Promise<number> {
    const removed = await this.options.store.sweep([...this.kinds.keys()]);
    for (const job of removed) {
      await this.kinds
        .get(job.kind)
        ?.remove?.(job)
        .catch((err: unknown) => this.options.log.warn({ job: job.id, kind: job.kind, err: describe(err) }, 'job runner: removing a job’s files failed'));
    }
    return removed.length;
  }

  private launch(job: Job): void {
    const abort = new AbortController();
    const store = this.options.store;
    const lost = () => abort.abort('lost');
    const renewal = setInterval(() => {
      store.renew(job.id, this.worker, this.leaseSeconds).then((held) => held || lost(), () => undefined);
    }, (this.leaseSeconds * 1000) / 3);
    renewal.unref?.();
    const ctx: JobContext = {
      progress: job.progress,
      signal: abort.signal,
      checkpoint: async (progress) => {
        if (abort.signal.aborted) throw new JobLost(job.id);
        if (!(await store.renew(job.id, this.worker, this.leaseSeconds, progress))) {
          lost();
          throw new JobLost(job.id);
        }
      },
    };
    const kind = this.kinds.get(job.kind) as JobKind;
    const done = kind
      .run(job, ctx)
      .then(
        (result) => this.settle(job, abort, { result }),
        (err: unknown) => this.settle(job, abort, { err }),
      )
      .catch((err: unknown) => this.options.log.error({ job: job.id, err: describe(err) }, 'job runner: recording the outcome failed'))
      .finally(() => {
        clearInterval(renewal);
        this.running.delete(job.id);
        if (!this.stopped) this.wake();
      });
    this.running.set(job.id, { abort, done });
  }

  private async settle(job: Job, abort: AbortController, outcome: { result?: unknown; err?: unknown }): Promise<void> {
    const store = this.options.store;
    const log = this.options.log;
    if (abort.signal.reason === 'shutdown') return store.release(job.id, this.worker);
    if (abort.signal.reason === 'lost' || outcome.err instanceof JobLost) return store.letGo(job.id, this.worker);
    if (!('err' in outcome)) {
      await store.finish(job.id, this.worker, 'done', outcome.result ?? null);
      log.info({ job: job.id, kind: job.kind, attempts: job.attempts }, 'job done');
      return;
    }
    const message = describe(outcome.err).message;
    if (job.attempts >= this.maxAttempts) {
      await store.finish(job.id, this.worker, 'failed', { error: message });
      log.error({ job: job.id, kind: job.kind, attempts: job.attempts, err: describe(outcome.err) }, 'job failed');
    } else {
      await store.release(job.id, this.worker);
      log.warn({ job: job.id, kind: job.kind, attempts: job.attempts, err: describe(outcome.err) }, 'job attempt failed; queued again');
    }
  }
}

function describe(err: unknown): { message: string } {
  return { message: err instanceof Error ? err.message : String(err) };
}
