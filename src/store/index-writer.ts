import type { Resource } from '@medplum/fhirtypes';
import type { PoolClient } from 'pg';

/** One resource whose search-index rows must be (re)written; `resource` null means deleted. */
export interface IndexEntry {
  rid: string;
  resourceType: string;
  resource: Resource | null;
  /** The rid was created in this transaction, so it has no index rows yet (nothing to delete). */
  fresh?: boolean;
}

/**
 * The seam between storage and search: the store calls `write` inside the same transaction as
 * the resource rows, so index and resource never disagree. Implementations replace all rows of
 * each entry's rid (delete then insert) and should batch across entries.
 */
export interface IndexWriter {
  write(client: PoolClient, entries: readonly IndexEntry[]): Promise<void>;
}

/** An index writer that keeps no search rows (tests of pure storage). */
export const noIndex: IndexWriter = {
  async write(): Promise<void> {},
};
