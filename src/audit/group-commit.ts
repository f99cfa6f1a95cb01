import type { AuditRecord } from './record';

interface Waiting {
  record: AuditRecord;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitOptions {
  /** Writes records in one statement and commits them; rejects when nothing was written. */
  write: (records: readonly AuditRecord[]) => Promise<void>;
  /** Most records in one statement. */
  maxBatch?: number;
  /** Statements in flight at once (each holds a pool connection until it commits). */
  maxInFlight?: number;
}

/**
 * Group commit of the audit outbox: the records of the requests waiting at one moment go into
 * one multi-row INSERT and one commit, instead of one commit (and fsync) each. Nothing waits
 * for a timer: a record arriving while no statement is in flight is written at once; records
 * arriving meanwhile form the next statement. Each `record()` resolves only after the statement
 * holding its record committed, so a response is still sent after its audit record is durable.
 * If a statement of several records fails, each is written again on its own, so one record the
 * database refuses fails only its own request.
 */
export class AuditGroupCommit {
  private queue: Waiting[] = [];
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;

  constructor(private readonly options: GroupCommitOptions) {
    this.maxBatch = options.maxBatch ?? 500;
    this.maxInFlight = options.maxInFlight ?? 2;
  }

  /** Resolves once `record` is committed; rejects when it could not be written. */
  record(record: AuditRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
      this.queue = this.queue.length <= this.maxBatch ? [] : this.queue.slice(this.maxBatch);
      this.inFlight++;
      void this.flush(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async flush(batch: Waiting[]): Promise<void> {
    try {
      await this.options.write(batch.map((w) => w.record));
      for (const w of batch) w.resolve();
    } catch (err) {
      if (batch.length === 1) return batch[0].reject(err);
      await Promise.all(batch.map((w) => this.options.write([w.record]).then(w.resolve, w.reject)));
    }
  }
}
