import type { StoreTransaction } from './resources';

/**
 * Take a transaction-scoped advisory lock per key, in the order given (callers sort, so that
 * two transactions taking the same keys cannot deadlock); released at commit or rollback.
 */
export async function lockKeys(tx: StoreTransaction, keys: readonly string[]): Promise<void> {
  for (const key of keys) await tx.client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
}
