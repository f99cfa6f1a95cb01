/**
 * Shutdown order for one Kolibri process (main.ts): stop accepting and finish in-flight requests
 * (bounded), stop background jobs, close the pool, stop an embedded database. A response is
 * sent only after its transaction committed, so whatever a client saw acknowledged is durable;
 * requests cut off by the bound were never acknowledged.
 */

/** A background job or resource that must stop before the pool closes. */
export interface Stoppable {
  name: string;
  /** Finish or abandon current work; resolves when nothing of it uses the pool any more. */
  stop(): Promise<void>;
}

/** Minimal logger (pino fits). */
export interface LifecycleLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * The jobs main.ts started, stopped in reverse order of registration (a job started after
 * another may depend on it). Modules that start background work from main register it here:
 *
 *   lifecycle.add({ name: 'scheduler', stop: () => scheduler.stop() });
 */
export class Lifecycle {
  private readonly jobs: Stoppable[] = [];

  add(job: Stoppable): void {
    this.jobs.push(job);
  }

  /** Stop every job, each within `timeoutMs`; a failing or slow job is logged, never fatal. */
  async stopJobs(log: LifecycleLog, timeoutMs: number): Promise<void> {
    for (const job of [...this.jobs].reverse()) {
      const t0 = Date.now();
      const outcome = await withTimeout(job.stop(), timeoutMs).catch((err: unknown) => ({ err }));
      if (outcome === 'timeout') log.warn({ job: job.name, timeoutMs }, 'background job did not stop in time');
      else if (outcome && typeof outcome === 'object' && 'err' in outcome) log.error({ job: job.name, err: outcome.err }, 'background job failed to stop');
      else log.info({ job: job.name, ms: Date.now() - t0 }, 'background job stopped');
    }
    this.jobs.length = 0;
  }
}

export interface ShutdownDeps {
  /** Stop accepting; resolves when in-flight requests are answered (Fastify's close). */
  closeServer(): Promise<void>;
  /** Cut the connections still open (requests still running past the bound). */
  forceCloseConnections(): void;
  lifecycle: Lifecycle;
  /** Close the pool and stop an embedded PostgreSQL. */
  closeDatabase(): Promise<void>;
  timeoutMs: number;
  log: LifecycleLog;
}

/** The whole shutdown; never throws. */
export async function shutdown(deps: ShutdownDeps): Promise<void> {
  const t0 = Date.now();
  try {
    const closing = deps.closeServer();
    if ((await withTimeout(closing, deps.timeoutMs)) === 'timeout') {
      deps.log.warn({ timeoutMs: deps.timeoutMs }, 'requests still running at the shutdown bound: closing their connections');
      deps.forceCloseConnections();
      await withTimeout(closing, 1000);
    }
    await deps.lifecycle.stopJobs(deps.log, Math.max(1000, deps.timeoutMs - (Date.now() - t0)));
  } catch (err) {
    deps.log.error({ err }, 'shutdown step failed');
  } finally {
    await deps.closeDatabase().catch((err: unknown) => deps.log.error({ err }, 'closing the database failed'));
    deps.log.info({ ms: Date.now() - t0 }, 'stopped');
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
