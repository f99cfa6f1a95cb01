import { DateTime } from 'luxon';

/**
 * A FHIR date or dateTime (`2026`, `2026-05`, `2026-05-14`, or with a time and offset;
 * https://hl7.org/fhir/R4/datatypes.html#dateTime) as epoch milliseconds, a date without an
 * offset meaning local time in `zone`: the first instant it can mean, and the first instant
 * after the last (the next year, month or day of a partial date; the instant itself otherwise).
 * Null for no text or one that is not a date.
 */
export function firstInstant(text: string | undefined, zone: string): number | null {
  if (!text) return null;
  const d = DateTime.fromISO(text, { zone });
  return d.isValid ? d.toMillis() : null;
}

/** See {@link firstInstant}. */
export function afterLastInstant(text: string | undefined, zone: string): number | null {
  if (!text) return null;
  const d = DateTime.fromISO(text, { zone });
  if (!d.isValid) return null;
  const step = text.length === 4 ? { years: 1 } : text.length === 7 ? { months: 1 } : text.length === 10 ? { days: 1 } : undefined;
  return (step ? d.plus(step) : d).toMillis();
}
