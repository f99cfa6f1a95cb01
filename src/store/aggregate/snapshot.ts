import type { Db } from '../db';
import type { ResourceStore } from '../resources';

/**
 * Run an aggregate's reads in one REPEATABLE READ, READ ONLY snapshot with the session time zone
 * `timeZone` (an IANA name): every query sees the same committed state, and dates the queries
 * take or give (a date-only bound, a day bucket) mean local days in that zone.
 */
export function inSnapshot<T>(store: ResourceStore, timeZone: string, work: (db: Db) => Promise<T>): Promise<T> {
  return store.transaction(async (tx) => {
    await tx.client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    await tx.client.query(`SELECT set_config('TimeZone', $1, true)`, [timeZone]);
    return work(tx.client);
  });
}
