import { badRequest, conflict, FhirError, serviceUnavailable } from '../fhir/outcome';

/** SQLSTATEs after which the whole transaction may simply be tried again. */
export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === '40001' /* serialization_failure */ || code === '40P01' /* deadlock_detected */;
}

/**
 * Translate a database error into a FhirError at the store boundary, once. Anything not listed
 * stays as it is and becomes a logged 500 (a bug, by definition).
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export function normalizeDatabaseError(err: unknown): unknown {
  if (err instanceof FhirError) return err;
  const code = (err as { code?: string })?.code;
  if (!code) return err;
  if (code === '23505') return conflict('The resource was changed concurrently (duplicate key); retry the request');
  if (code === '40001' || code === '40P01') return conflict('Concurrent update conflict; retry the request');
  // A value the request carried that PostgreSQL cannot hold or read: U+0000 in text (22021) or
  // jsonb (22P05), or a paging token's key that is no timestamp or number. The HTTP and search
  // layers refuse these first; this is the second line, so they never become a 500.
  if (code === '22021' || code === '22P05') return badRequest('The request contains a character the database cannot store (U+0000)');
  if (code === '22P02' || code === '22007' || code === '22008' || code === '22003') {
    return badRequest('A value in the request is not a valid number or date for the database');
  }
  if (code === '57014') return serviceUnavailable('The query took too long and was cancelled (statement timeout)');
  if (code === '53300' || code === '57P01' || code === '57P03' || code.startsWith('08')) {
    return serviceUnavailable('The database is unavailable; retry later');
  }
  return err;
}
