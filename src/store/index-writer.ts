import type { Resource } from '@medplum/fhirtypes';
import type { PoolClient } from 'pg';

/** One resource whose search-index rows must be (re)written; `resource` null means deleted. */
export interface IndexEntry {
  rid: string;
  resourceType: string;
  resource: Resource | null;
  /** The rid was created in this transaction, so it has no index rows yet (nothing to delete). */
  fresh?: boolean;
  /** resource.access_patients as written with it (marks its compartment rows `shared`). */
  accessPatients?: readonly string[] | null;
}

/**
 * The seam between storage and search: the store calls `write` inside the same transaction as
 * the resource rows, so index and resource never disagree. Implementations replace all rows of
 * each entry's rid (delete then insert) and should batch across entries.
 */
export interface IndexWriter {
  write(client: PoolClient, entries: readonly IndexEntry[]): Promise<void>;
  /**
   * The index rows of one resource written by the statement these CTEs join: each CTE inserts
   * into one table with the rid of every row of the CTE `source` (none when it wrote nothing),
   * binding its values through `bind`; with `replace`, CTEs first delete the rows those rids had
   * (an update). `shape` names the statement's variant (which tables receive rows) for a
   * prepared statement's name. `accessPatients` as in IndexEntry. Absent: the writer can only `write`.
   */
  insertCtes?(resource: Resource, source: string, bind: Bind, replace?: boolean, accessPatients?: readonly string[] | null): { ctes: string[]; shape: string };
}

/** Adds a parameter to a statement being built and returns its placeholder (`$n::cast`). */
export type Bind = (value: unknown, cast?: string) => string;

/** An index writer that keeps no search rows (tests of pure storage). */
export const noIndex: IndexWriter = {
  async write(): Promise<void> {},
  insertCtes: () => ({ ctes: [], shape: '' }),
};
