import { parseDateRange } from '../../../../src/fhir/search/date-range';
import { parseDecimalRange } from '../../../../src/fhir/search/decimal-range';

describe('parseDateRange', () => {
  it.each([
    ['2026', '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['2026-02', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['2026-12-31', '2026-12-31T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['2026-05-15T10:00', '2026-05-15T10:00:00.000Z', '2026-05-15T10:01:00.000Z'],
    ['2026-05-15T10:00:00+02:00', '2026-05-15T08:00:00.000Z', '2026-05-15T08:00:01.000Z'],
    ['2026-05-15T10:00:00.5Z', '2026-05-15T10:00:00.500Z', '2026-05-15T10:00:00.600Z'],
    ['2026-05-15T10:00:00.123Z', '2026-05-15T10:00:00.123Z', '2026-05-15T10:00:00.124Z'],
  ])('%s is [%s, %s)', (text, low, high) => {
    expect(parseDateRange(text)).toEqual({ low, high });
  });

  it.each(['2026-13-45', '2026-02-30', '2025-02-29', '2026-5', '26-05-15', '2026-05-15T25:00', 'today'])('rejects %s', (text) => {
    expect(parseDateRange(text)).toBeUndefined();
  });
});

describe('parseDecimalRange', () => {
  it.each([
    ['100', '100', '99.5', '100.5'],
    ['100.00', '100.00', '99.995', '100.005'],
    ['-2.5', '-2.5', '-2.55', '-2.45'],
    ['1e2', '100', '50', '150'],
    ['0.1', '0.1', '0.05', '0.15'],
  ])('%s has implicit precision [%s ± half a unit]', (text, value, low, high) => {
    expect(parseDecimalRange(text)).toEqual({ value, low, high });
  });

  it('rejects non-numbers', () => {
    expect(parseDecimalRange('1,5')).toBeUndefined();
    expect(parseDecimalRange('abc')).toBeUndefined();
  });
});
