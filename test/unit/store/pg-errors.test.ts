import { FhirError } from '../../../src/fhir/outcome';
import { normalizeDatabaseError } from '../../../src/store/pg-errors';

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });

describe('normalizeDatabaseError', () => {
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

  it.each([
    ['23505', 409],
    ['40001', 409],
    ['57014', 503],
    ['57P01', 503],
  ])('maps SQLSTATE %s to %d', (code, status) => {
    expect((normalizeDatabaseError(pgError(code)) as FhirError).status).toBe(status);
  });

  it('leaves other errors alone (they are bugs: a logged 500)', () => {
    const err = pgError('42P01');
    expect(normalizeDatabaseError(err)).toBe(err);
  });
});
