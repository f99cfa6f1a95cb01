import { parseDateRange, parseIndexedDateRange } from '../../../../src/fhir/search/date-range';
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

  it('keeps microseconds and flags bounds finer than that as inexact (truncated)', () => {
    expect(parseDateRange('2026-05-15T10:00:00.123456Z')).toEqual({ low: '2026-05-15T10:00:00.123456Z', high: '2026-05-15T10:00:00.123457Z' });
    expect(parseDateRange('1979-12-31T23:59:59.9999999Z')).toEqual({ low: '1979-12-31T23:59:59.999999Z', high: '1980-01-01T00:00:00.000Z', lowInexact: true });
    expect(parseDateRange('1981-01-01T00:00:00.0000001Z')).toEqual({
      low: '1981-01-01T00:00:00.000Z',
      high: '1981-01-01T00:00:00.000Z',
      lowInexact: true,
      highInexact: true,
    });
    expect(parseDateRange('1969-12-31T23:59:59.9999995Z')).toEqual({ low: '1969-12-31T23:59:59.999999Z', high: '1969-12-31T23:59:59.999999Z', lowInexact: true, highInexact: true });
  });

  it('widens an indexed value finer than a microsecond to the microseconds around it', () => {
    expect(parseIndexedDateRange('1981-01-01T00:00:00.0000001Z')).toEqual({ low: '1981-01-01T00:00:00.000Z', high: '1981-01-01T00:00:00.000001Z' });
  });

  it('refuses 18 or more fractional digits', () => {
    expect(parseDateRange(`2026-05-15T10:00:00.${'9'.repeat(17)}Z`)).toBeDefined();
    expect(parseDateRange(`2026-05-15T10:00:00.${'9'.repeat(18)}Z`)).toBeUndefined();
    expect(parseIndexedDateRange(`2026-05-15T10:00:00.${'9'.repeat(18)}Z`)).toEqual({ low: '2026-05-15T10:00:00.999999Z', high: '2026-05-15T10:00:01.000Z' });
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
