import type { AuditEvent } from '@medplum/fhirtypes';
import type { ResourceStore } from '../store/resources';
import { claimAuditRecords } from '../store/audit-outbox';
import { auditEventFor } from './record';

export interface DrainerOptions {
  store: ResourceStore;
  /** Records per transaction. */
  batchSize?: number;
  /** AuditEvents per statement (a record holds one per patient it touched). */
  eventsPerStatement?: number;
  onError?: (err: unknown) => void;
}

/**
 * Turns audit outbox rows into FHIR AuditEvent resources, one per request per patient, each
 * batch in one transaction with the claim (exactly once, several instances in parallel), its
 * AuditEvents written in one statement and their index rows in one more.
 */
export class AuditDrainer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly options: DrainerOptions) {}

  /** Drain until the outbox is empty; resolves with the number of AuditEvents written. */
  async drainAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.drainOnce();
      total += n.events;
      if (n.records === 0) return total;
    }
  }

  /**
   * One batch. A record fans out into one AuditEvent per patient: a search of a 20-citizen
   * worklist page is 20, so 200 records can be thousands of events. They are written
   * `eventsPerStatement` at a time (their rows, then their index rows), so what the batch holds
   * in memory at once is bounded by that, not by how far its records fan out.
   */
  async drainOnce(): Promise<{ records: number; events: number }> {
    const perStatement = this.options.eventsPerStatement ?? 500;
    return this.options.store.transaction(async (tx) => {
      const records = await claimAuditRecords(tx.client, this.options.batchSize ?? 200);
      let events = 0;
      let chunk: AuditEvent[] = [];
      const write = async () => {
        await tx.createMany(chunk);
        await tx.flushIndex();
        events += chunk.length;
        chunk = [];
      };
      for (const record of records) {
        for (const patient of record.patients) {
          chunk.push(auditEventFor(record, patient));
          if (chunk.length >= perStatement) await write();
        }
      }
      if (chunk.length) await write();
      return { records: records.length, events };
    });
  }

  /** Drain every `intervalMs` until stopped. */
  start(intervalMs: number): void {
    const tick = () => {
      this.running = this.drainAll().catch((err) => {
        this.options.onError?.(err);
        return 0;
      });
      void this.running.finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, intervalMs);
      });
    };
    this.timer = setTimeout(tick, intervalMs);
  }

  /** Stop the timer and finish the batch in progress (call before the pool closes). */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    await this.drainAll().catch((err) => this.options.onError?.(err));
  }
}
