import { FhirError } from '../../../src/fhir/outcome';
import { normalizeDatabaseError } from '../../../src/store/pg-errors';
import { createPool } from '../../../src/store/pool';
import { testDatabaseUrl } from '../../support/app';
import { freePort } from '../../support/free-port';
import { waitUntil } from './kolibri-process';

/**
 * The pool's side of a database that goes away. A backend terminated under a checked-out client
 * (57P01, as every backend gets on a server shutdown) once crashed node with an unhandled 'error'
 * event; now it is reported, the next statement fails with a 503, and the pool carries on.
 */
describe('pool and client errors', () => {
  it('reports a checked-out client whose backend is terminated, answers 503 and recovers', async () => {
    const reported: Error[] = [];
    const pool = createPool({ connectionString: testDatabaseUrl(), max: 2, onIdleError: (e) => reported.push(e) });
    try {
      const client = await pool.connect();
      await client.query('BEGIN');
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await pool.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      expect(await waitUntil(() => reported.length > 0, 20_000)).toBe(true);
      expect((reported[0] as { code?: string }).code).toBe('57P01');

      const err = await client.query('SELECT 1').then(() => undefined, (e: unknown) => normalizeDatabaseError(e));
      expect(err).toBeInstanceOf(FhirError);
      expect((err as FhirError).status).toBe(503);
      expect((err as FhirError).headers['retry-after']).toBeDefined();
      client.release();
      expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('turns a refused connection into a 503 with Retry-After when a client is taken', async () => {
    const pool = createPool({ connectionString: `postgresql://postgres:postgres@127.0.0.1:${await freePort()}/kolibri`, max: 1 });
    try {
      const err = await pool.connect().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(FhirError);
      expect((err as FhirError).status).toBe(503);
      expect((err as FhirError).headers['retry-after']).toBe('5');
    } finally {
      await pool.end();
    }
  });
});
