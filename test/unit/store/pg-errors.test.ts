import { FhirError } from '../../../src/fhir/outcome';
import { isDatabaseUnavailable, normalizeDatabaseError } from '../../../src/store/pg-errors';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('normalizeDatabaseError', () => {
  it.each([
    ['57P01 admin_shutdown', pgError('57P01', 'terminating connection due to administrator command')],
    ['57P02 crash_shutdown', pgError('57P02')],
    ['57P03 cannot_connect_now', pgError('57P03', 'the database system is starting up')],
    ['53300 too_many_connections', pgError('53300')],
    ['08006 connection_failure', pgError('08006')],
    ['ECONNREFUSED', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5488')],
    ['ECONNRESET', pgError('ECONNRESET', 'read ECONNRESET')],
    ['a socket ended by a dying backend', new Error('Connection terminated unexpectedly')],
    ['a client that already saw its connection fail', new Error('Client has encountered a connection error and is not queryable')],
    ['a pool that could not connect in time', new Error('timeout exceeded when trying to connect')],
  ])('maps %s to 503 with Retry-After and a transient issue', (_name, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
    const mapped = normalizeDatabaseError(err) as FhirError;
    expect(mapped).toBeInstanceOf(FhirError);
    expect(mapped.status).toBe(503);
    expect(mapped.headers['retry-after']).toBe('5');
    expect(mapped.issues[0].code).toBe('transient');
  });

  it('keeps conflicts, timeouts and unknown errors apart from unavailability', () => {
    expect((normalizeDatabaseError(pgError('23505')) as FhirError).status).toBe(409);
    expect((normalizeDatabaseError(pgError('40001')) as FhirError).status).toBe(409);
    const timeout = normalizeDatabaseError(pgError('57014')) as FhirError;
    expect([timeout.status, timeout.headers['retry-after']]).toEqual([503, '5']);
    const syntax = pgError('42601', 'syntax error');
    expect(isDatabaseUnavailable(syntax)).toBe(false);
    expect(normalizeDatabaseError(syntax)).toBe(syntax);
    expect(isDatabaseUnavailable(new Error('Connection string is invalid'))).toBe(false);
  });

  it.each([
    ['22021', 'U+0000'], // character_not_in_repertoire: invalid byte sequence for encoding "UTF8": 0x00
    ['22P05', 'U+0000'], // untranslatable_character: \u0000 cannot be converted to text (jsonb)
    ['22P02', 'number or date'], // invalid_text_representation
    ['22007', 'number or date'], // invalid_datetime_format
    ['22008', 'number or date'], // datetime_field_overflow
    ['22003', 'number or date'], // numeric_value_out_of_range
  ])('maps SQLSTATE %s (a value the request carried) to a 400', (code, words) => {
    const err = normalizeDatabaseError(pgError(code)) as FhirError;
    expect(err).toBeInstanceOf(FhirError);
    expect(err.status).toBe(400);
    expect(err.issues[0].diagnostics).toContain(words);
  });
});
