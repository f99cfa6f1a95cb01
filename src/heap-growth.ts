import { setFlagsFromString } from 'node:v8';

/**
 * Bound how far V8 lets the old generation grow past what survived its last full collection.
 *
 * V8 sizes the next full-collection trigger as the live old generation times a growing factor
 * it picks from its GC and allocation speed: up to 4× on a machine with gigabytes of memory.
 * A server's transaction keeps its parsed entries, stored JSON and index rows for the whole
 * database transaction, so under concurrent bundles nearly all of it outlives the young
 * generation and is promoted; with ~80 MB live (definitions, code, warm caches) the old
 * generation then fills with finished transactions' data up to ~200 MB before it is collected.
 * A fixed factor of 1 + percent/100 collects at a bounded distance above the live size instead;
 * young-generation (scavenge) sizing, which decides throughput, is left alone.
 *
 * V8 reads this flag each time it recomputes its limits after a full collection, so it takes
 * effect when set at start-up; 0 leaves V8's own rule.
 */
export function boundHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${Math.round(percent)}`);
}
