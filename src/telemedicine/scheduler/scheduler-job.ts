import type { PeriodicJobKind } from '../../jobs/periodic';
import { JobLost } from '../../jobs/runner';
import { MissingMeasurementScheduler, SCHEDULER_BATCH, type SchedulerDeps } from './scheduler';

export const MISSING_MEASUREMENTS_JOB = 'missing-measurements';

/** A run's checkpoint: the instant it decides for, kept so that a resumed run decides the same slots. */
interface RunProgress {
  now: string;
}

export interface SchedulerJobOptions extends SchedulerDeps {
  everySeconds: number;
  /** Told after each run (metrics). */
  onRun?: (result: 'ok' | 'error') => void;
  batch?: number;
}

/**
 * The missing-measurement run as a periodic job: once per period across all instances. A run
 * whose instance died is claimed again by another instance once its lease expires and runs
 * again for the same instant; what the first attempt decided is kept (the store's slot decisions), so
 * it only finishes the rest. The checkpoint after every batch renews the lease and stops a
 * run that lost it.
 */
export function missingMeasurementJobKind(options: SchedulerJobOptions): PeriodicJobKind {
  const scheduler = new MissingMeasurementScheduler(options);
  return {
    kind: MISSING_MEASUREMENTS_JOB,
    everySeconds: options.everySeconds,
    run: async (_job, ctx) => {
      const progress = ctx.progress as RunProgress | null;
      const now = progress ? new Date(progress.now) : options.clock.now();
      const checkpoint = () => ctx.checkpoint({ now: now.toISOString() } satisfies RunProgress);
      try {
        await checkpoint();
        const summary = await scheduler.runOnce(now, options.batch ?? SCHEDULER_BATCH, checkpoint);
        options.onRun?.('ok');
        const { taskIds: _ids, ...counts } = summary;
        return { now: now.toISOString(), ...counts };
      } catch (err) {
        if (!(err instanceof JobLost)) options.onRun?.('error');
        throw err;
      }
    },
  };
}
