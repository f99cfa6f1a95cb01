import { repeat } from '../repeat';
import type { Storage } from '../store/storage';
import type { Change } from '../store/versions';

/**
 * Work that follows committed writes (a module's metrics, notifications, derived records),
 * driven by the change log rather than by the request that wrote: every committed version
 * reaches it at least once, on whichever instance claims the consumer's cursor (FOR UPDATE SKIP
 * LOCKED), including what was committed while no instance ran. A batch whose `handle` throws
 * comes again, so `handle` must tolerate seeing a change twice.
 */
export interface ChangeConsumer {
  /**
   * The consumer's cursor in the change log: unique, and kept across releases (renaming it
   * starts a new cursor at the oldest retained change; an old name left behind holds back
   * pruning until its change_cursor row is deleted).
   */
  readonly name: string;
  /**
   * Where its cursor starts when it has none (its first run on a database): `now`, the default,
   * after what was committed before (as far as the change log's read bound allows: a change of a
   * transaction that overlapped an older one still in flight may still be told); `oldest`, at
   * the oldest change the log retains (KOLIBRI_CHANGE_LOG_RETENTION_HOURS).
   */
  readonly startAt?: 'now' | 'oldest';
  /** The resource types it is told of; the cursor passes the others by. */
  readonly resourceTypes: readonly string[];
  /** A batch of committed changes of those types, in commit order, each with its version's JSON (null for a deletion). */
  handle(changes: readonly Change[]): void | Promise<void>;
}

export interface ChangeConsumersOptions {
  changes: Pick<Storage['changes'], 'consumeVersions' | 'openAtEnd'>;
  consumers: readonly ChangeConsumer[];
  /** Change-log rows per transaction (default 500). */
  batch?: number;
  onError: (err: unknown) => void;
}

/** Runs every consumer over the change log until caught up, every interval, on every instance. */
export class ChangeConsumers {
  private stopRepeating: (() => Promise<void>) | undefined;
  /** Consumers whose cursor this runner has made sure of. */
  private readonly opened = new Set<string>();

  constructor(private readonly options: ChangeConsumersOptions) {}

  /** Each consumer until it is caught up (or another instance holds its cursor); one failing does not stop the others. */
  async runOnce(): Promise<number> {
    let read = 0;
    for (const consumer of this.options.consumers) {
      try {
        if (!this.opened.has(consumer.name)) {
          if ((consumer.startAt ?? 'now') === 'now') await this.options.changes.openAtEnd(consumer.name);
          this.opened.add(consumer.name);
        }
        let n: number;
        while ((n = await this.options.changes.consumeVersions(consumer.name, consumer.resourceTypes, this.options.batch ?? 500, async (changes) => consumer.handle(changes))) > 0) read += n;
      } catch (err) {
        this.options.onError(err);
      }
    }
    return read;
  }

  /** Run every `intervalMs` (after each run ends) until stopped; nothing to do without consumers. */
  start(intervalMs: number): void {
    if (this.options.consumers.length) this.stopRepeating = repeat(() => this.runOnce(), intervalMs, this.options.onError);
  }

  async stop(): Promise<void> {
    await this.stopRepeating?.();
  }
}
