import { badRequest, conflict, FhirError } from '../fhir/outcome';
import { StalePlanError } from './prepared';

/** Seconds a client is asked to wait (Retry-After) when the database is down or overloaded. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * Errors after which the whole transaction may simply be tried again: serialization failures,
 * deadlocks, and a prepared statement gone stale (forgotten by then, so the next try prepares it anew).
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof StalePlanError) return true;
  const code = (err as { code?: string })?.code;
  return code === '40001' /* serialization_failure */ || code === '40P01' /* deadlock_detected */;
}

// Socket errors of a database that is gone, restarting or unreachable.
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// node-postgres says "the connection is gone" only in words, without a code: a backend that died
// with its postmaster ends the socket ("Connection terminated unexpectedly"), a client that saw
// that error refuses further queries, and a pool that could not connect in time times out.
const UNAVAILABLE_MESSAGES = /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect)/;

/**
 * True when `err` says the database cannot be reached right now (rather than that a statement
 * was wrong): admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections, any
 * connection exception (class 08), and the socket-level failures above.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string') {
    if (code === '57P01' || code === '57P02' || code === '57P03' || code === '53300' || code.startsWith('08')) return true;
    if (UNAVAILABLE_ERRNOS.has(code)) return true;
  }
  const message = (err as { message?: unknown })?.message;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
}

/** 503 with Retry-After: the request did nothing that was acknowledged; the client may retry. */
export function databaseUnavailable(diagnostics = 'The database is unavailable; retry later'): FhirError {
  return new FhirError(503, [{ severity: 'error', code: 'transient', diagnostics }], { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) });
}

/**
 * Translate a database error into a FhirError at the store boundary, once. Anything not listed
 * stays as it is and becomes a logged 500 (a bug, by definition).
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export function normalizeDatabaseError(err: unknown): unknown {
  if (err instanceof FhirError) return err;
  if (isDatabaseUnavailable(err)) return databaseUnavailable();
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
  if (code === '57014') return databaseUnavailable('The query took too long and was cancelled (statement timeout)');
  return err;
}
