/**
 * FHIR date/dateTime/instant text → the half-open range [low, high) it stands for, per its
 * precision: `2026` is the whole year, `2026-05` the month, `2026-05-15T10:00:00Z` that second
 * (https://hl7.org/fhir/R4/search.html#date). Used both for index values and search values.
 *
 * Values without a time zone (dates, and search values with a time but no zone) are read as
 * UTC: the spec leaves the zone of such values to the server, and one fixed rule keeps index
 * and query consistent.
 */

/**
 * ISO-8601 instants in UTC as PostgreSQL accepts them (to the microsecond, its precision), or
 * '-infinity' / 'infinity'.
 */
export interface DateRange {
  low: string;
  high: string;
  /**
   * Set on search values written finer than a microsecond (`…59.9999999`): the exact bound lies
   * strictly after `low` (resp. `high`), before the next microsecond, so no stored value (all on
   * the microsecond grid) equals it. The prefix conditions compare accordingly (params/date.ts).
   */
  lowInexact?: boolean;
  highInexact?: boolean;
}

export const NEG_INFINITY = '-infinity';
export const POS_INFINITY = 'infinity';

/** More fractional digits than any clock or format means (18+: beyond attoseconds) is not a date. */
export const MAX_FRACTION_DIGITS = 17;

const PATTERN =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * Parse a FHIR date, dateTime or instant (also `hh:mm` without seconds, as search values may
 * be) as a search value: bounds finer than a microsecond are truncated and flagged inexact.
 * Returns undefined when the text is not a valid date (e.g. `2026-13-45`).
 */
export function parseDateRange(text: string): DateRange | undefined {
  return rangeOf(text, false);
}

/**
 * The range an indexed value covers: like {@link parseDateRange}, but a bound finer than a
 * microsecond widens the range to the enclosing microseconds (index rows have no flags).
 */
export function parseIndexedDateRange(text: string): DateRange | undefined {
  return rangeOf(text, true);
}

function rangeOf(text: string, widen: boolean): DateRange | undefined {
  const m = PATTERN.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  // a leap second (":60") is allowed by FHIR's regex; fold it into the last second
  const second = s === undefined ? 0 : Math.min(Number(s), 59);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  // a search value that precise is refused; a stored one is indexed at the precision we can hold
  if (frac !== undefined && frac.length > MAX_FRACTION_DIGITS && !widen) return undefined;
  const offsetMinutes = zone === undefined || zone === 'Z' ? 0 : zoneMinutes(zone);
  if (offsetMinutes === undefined) return undefined;

  const start = utc(year, month - 1, day, hour, minute, second, 0) - offsetMinutes * 60_000;
  // date-only values are UTC days (see module comment); timed values already carry their zone
  if (frac !== undefined) return fractionRange(start, widen ? frac.slice(0, MAX_FRACTION_DIGITS) : frac, widen);
  let end: number;
  if (mo === undefined) end = utc(year + 1, 0, 1, 0, 0, 0, 0);
  else if (d === undefined) end = utc(year, month, 1, 0, 0, 0, 0);
  else if (h === undefined) end = utc(year, month - 1, day + 1, 0, 0, 0, 0);
  else if (s === undefined) end = start + 60_000;
  else end = start + 1_000;
  return { low: iso(start), high: iso(end) };
}

/**
 * A second with a fraction of n digits is [s.frac, s.frac + 10^-n), computed exactly in units of
 * 10^-scale seconds and then put on PostgreSQL's microsecond grid.
 */
function fractionRange(secondStartMs: number, frac: string, widen: boolean): DateRange {
  const scale = Math.max(frac.length, 6);
  const low = BigInt(secondStartMs) * 10n ** BigInt(scale - 3) + BigInt(frac.padEnd(scale, '0'));
  const high = low + 10n ** BigInt(scale - frac.length);
  const perMicro = 10n ** BigInt(scale - 6);
  const lowMicros = floorDiv(low, perMicro);
  const highMicros = floorDiv(high, perMicro);
  const lowInexact = lowMicros * perMicro !== low;
  const highInexact = highMicros * perMicro !== high;
  if (widen) return { low: isoMicros(lowMicros), high: isoMicros(highInexact ? highMicros + 1n : highMicros) };
  return {
    low: isoMicros(lowMicros),
    high: isoMicros(highMicros),
    ...(lowInexact ? { lowInexact } : {}),
    ...(highInexact ? { highInexact } : {}),
  };
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** Microseconds since the epoch as ISO text (six fractional digits when below a millisecond). */
function isoMicros(micros: bigint): string {
  const ms = floorDiv(micros, 1000n);
  const text = iso(Number(ms));
  const sub = micros - ms * 1000n;
  if (sub === 0n || !text.endsWith('Z')) return text;
  return `${text.slice(0, -1)}${sub.toString().padStart(3, '0')}Z`;
}

/** The range covering both ranges (for Timing and Period bounds). */
export function spanRanges(ranges: readonly DateRange[]): DateRange | undefined {
  if (ranges.length === 0) return undefined;
  let low = ranges[0].low;
  let high = ranges[0].high;
  for (const r of ranges.slice(1)) {
    if (compareBound(r.low, low) < 0) low = r.low;
    if (compareBound(r.high, high) > 0) high = r.high;
  }
  return { low, high };
}

/** Order two bounds, infinities included. */
export function compareBound(a: string, b: string): number {
  const va = a === NEG_INFINITY ? -Infinity : a === POS_INFINITY ? Infinity : Date.parse(a);
  const vb = b === NEG_INFINITY ? -Infinity : b === POS_INFINITY ? Infinity : Date.parse(b);
  return va < vb ? -1 : va > vb ? 1 : 0;
}

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const date = new Date(Date.UTC(2000, mo, d, h, mi, s, ms));
  // Date.UTC maps years 0..99 to 1900..1999; set the real year explicitly
  date.setUTCFullYear(y + (date.getUTCFullYear() - 2000));
  return date.getTime();
}

function iso(ms: number): string {
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  if (year > 9999) return POS_INFINITY;
  if (year < 1) return NEG_INFINITY;
  // toISOString writes years 0..9999 as four digits, which PostgreSQL reads
  return date.toISOString();
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function zoneMinutes(zone: string): number | undefined {
  const sign = zone.startsWith('-') ? -1 : 1;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 14 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}
