import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the pool gauges read (pg's Pool has these three counts). */
export interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * Kolibri's Prometheus metrics, one object per process (main.ts makes it and passes it down).
 * Colleagues' modules take it as a dependency and increment the counters:
 *
 *   metrics.triageOutcomes.inc({ outcome: 'red' });
 *   metrics.schedulerRuns.inc({ job: 'audit-drain', result: 'ok' });
 *
 * Labels are closed sets chosen in code: never ids, references, query strings or other data.
 */
export class KolibriMetrics {
  readonly registry = new Registry();
  /** Latency of every answered request, by route-level labels (see http/metrics.ts). */
  readonly httpRequests: Histogram<'interaction' | 'type' | 'status'>;
  /** Outcome of each measurement triage (e.g. green, yellow, red, error). */
  readonly triageOutcomes: Counter<'outcome'>;
  /** Each background-job run by job name and result (ok, error, skipped). */
  readonly schedulerRuns: Counter<'job' | 'result'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'kolibri_' });
    this.httpRequests = new Histogram({
      name: 'kolibri_http_request_duration_seconds',
      help: 'HTTP requests by FHIR interaction, resource type and status, with their latency',
      labelNames: ['interaction', 'type', 'status'],
      // 1 ms … 10 s: reads take ~1 ms, transactions of hundreds of entries seconds
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.triageOutcomes = new Counter({
      name: 'kolibri_triage_outcomes_total',
      help: 'Measurement triage outcomes',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.schedulerRuns = new Counter({
      name: 'kolibri_scheduler_runs_total',
      help: 'Background job runs by job and result',
      labelNames: ['job', 'result'],
      registers: [this.registry],
    });
  }

  /** Gauges of a database pool's connections, read at scrape time. */
  observePool(pool: PoolCounts): void {
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    gauge('kolibri_db_pool_connections', 'Open database connections in the pool', () => pool.totalCount);
    gauge('kolibri_db_pool_idle_connections', 'Idle database connections in the pool', () => pool.idleCount);
    gauge('kolibri_db_pool_waiting_requests', 'Queries waiting for a pool connection', () => pool.waitingCount);
  }

  /**
   * Subscription notifications, read at scrape time from the database (shared by all instances):
   * queued, delivered and failed attempts, and the age of the oldest undelivered one.
   */
  observeSubscriptions(read: () => Promise<{ queued: number; oldestAgeSeconds: number; delivered: number; failed: number }>): void {
    const gauge = (name: string, help: string, pick: (s: Awaited<ReturnType<typeof read>>) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          this.set(pick(await read()));
        },
      });
    gauge('kolibri_subscription_notifications_queued', 'Subscription notifications waiting for delivery', (s) => s.queued);
    gauge('kolibri_subscription_notifications_delivered', 'Subscription notifications delivered (all instances, since the database was created)', (s) => s.delivered);
    gauge('kolibri_subscription_notifications_failed', 'Failed subscription delivery attempts (all instances)', (s) => s.failed);
    gauge('kolibri_subscription_oldest_undelivered_seconds', 'Age of the oldest undelivered subscription notification', (s) => s.oldestAgeSeconds);
  }

  /** The text exposition format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
