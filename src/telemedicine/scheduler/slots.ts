import { DateTime, type DurationLikeObject } from 'luxon';

/**
 * Expected measurement slots of a ServiceRequest's `occurrenceTiming`, in the citizen's local
 * time (Europe/Copenhagen; DST handled by luxon's IANA zone arithmetic). Pure: no clock, no IO.
 * https://hl7.org/fhir/R4/datatypes.html#Timing
 *
 * How Timing.repeat maps to slots (a slot is a window [start, end) expecting `expected`
 * submissions):
 * - `timeOfDay` given: one slot per time on each active day, expected 1. The window is
 *   `duration` + `durationUnit` (e.g. 08:00 + 4 h → 08:00–12:00); without a duration it runs to
 *   the next time of that day, or to local midnight.
 * - no `timeOfDay`, `dayOfWeek` given: each active day is one slot (local midnight to midnight).
 * - no `timeOfDay`, no `dayOfWeek`: one slot per `period` `periodUnit` (h, d, wk = ISO weeks
 *   from Monday, mo, a) expecting `frequency` submissions ("2× daily" = one day slot, expected 2;
 *   "2× weekly" = one week slot, expected 2).
 * - Active days: `dayOfWeek` when given; `period` > 1 with unit d or wk counts days/weeks from
 *   `boundsPeriod.start` (every other day, every other week); unit mo with times of day is the
 *   start's day of the month every `period` months (at enrolment and every 3 months).
 * - `boundsPeriod`: slots starting before `start` or at/after `end` are not expected. A date
 *   without a time means local midnight; an `end` date includes that whole day.
 * Not supported (ignored): `when`/`offset`, `count`, `frequencyMax`, `periodMax`, `boundsDuration`.
 */

export const ZONE = 'Europe/Copenhagen';

export interface TimingRepeat {
  boundsPeriod?: { start?: string; end?: string };
  frequency?: number;
  period?: number;
  periodUnit?: string;
  dayOfWeek?: string[];
  timeOfDay?: string[];
  duration?: number;
  durationUnit?: string;
}

export interface Slot {
  start: Date;
  end: Date;
  expected: number;
}

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const UNITS: Record<string, keyof DurationLikeObject> = { s: 'seconds', min: 'minutes', h: 'hours', d: 'days', wk: 'weeks', mo: 'months', a: 'years' };

/** Every slot of `repeat` that overlaps [from, to). */
export function slotsOverlapping(repeat: TimingRepeat, from: Date, to: Date, zone = ZONE): Slot[] {
  const lo = DateTime.fromJSDate(from, { zone });
  const hi = DateTime.fromJSDate(to, { zone });
  const bounds = boundsOf(repeat, zone);
  const candidates = repeat.timeOfDay?.length || repeat.dayOfWeek?.length ? daySlots(repeat, lo, hi, bounds.start) : periodSlots(repeat, lo, hi, bounds.start);
  return candidates
    .filter((s) => s.start < hi && s.end > lo)
    .filter((s) => (!bounds.start || s.start >= bounds.start) && (!bounds.end || s.start < bounds.end))
    .map((s) => ({ start: s.start.toJSDate(), end: s.end.toJSDate(), expected: s.expected }));
}

/** Slots whose window closed in (since, until]: what the scheduler must decide on. */
export function slotsClosedBetween(repeat: TimingRepeat, since: Date, until: Date, zone = ZONE): Slot[] {
  const widest = maxSlotLength(repeat);
  const from = new Date(since.getTime() - widest);
  return slotsOverlapping(repeat, from, until, zone).filter((s) => s.end > since && s.end <= until);
}

interface LocalSlot {
  start: DateTime;
  end: DateTime;
  expected: number;
}

function daySlots(repeat: TimingRepeat, lo: DateTime, hi: DateTime, anchor: DateTime | undefined): LocalSlot[] {
  const out: LocalSlot[] = [];
  const longest = repeat.duration && repeat.durationUnit ? Math.ceil(durationMs(repeat.duration, repeat.durationUnit) / 86_400_000) : 0;
  const times = [...(repeat.timeOfDay ?? [])].sort();
  for (let day = lo.startOf('day').minus({ days: longest + 1 }); day < hi; day = day.plus({ days: 1 })) {
    if (!dayIsActive(repeat, day, anchor)) continue;
    if (!times.length) {
      out.push({ start: day, end: day.plus({ days: 1 }), expected: 1 });
      continue;
    }
    times.forEach((time, i) => {
      const start = atTime(day, time);
      const end =
        repeat.duration && repeat.durationUnit
          ? start.plus(durationMs(repeat.duration, repeat.durationUnit))
          : i + 1 < times.length
            ? atTime(day, times[i + 1])
            : day.plus({ days: 1 });
      out.push({ start, end, expected: 1 });
    });
  }
  return out;
}

function periodSlots(repeat: TimingRepeat, lo: DateTime, hi: DateTime, anchor: DateTime | undefined): LocalSlot[] {
  const unit = UNITS[repeat.periodUnit ?? 'd'] ?? 'days';
  const step = { [unit]: Math.max(1, repeat.period ?? 1) } as DurationLikeObject;
  const expected = Math.max(1, repeat.frequency ?? 1);
  // Align to the unit's natural boundary (ISO week from Monday, calendar month), then to the anchor.
  const startOfUnit = (t: DateTime) => (unit === 'hours' ? t.startOf('hour') : unit === 'weeks' ? t.startOf('week') : unit === 'months' ? t.startOf('month') : unit === 'years' ? t.startOf('year') : t.startOf('day'));
  let cursor = anchor ? startOfUnit(anchor) : startOfUnit(lo);
  const out: LocalSlot[] = [];
  // Jump whole steps to just before the window, then walk.
  if (cursor < lo) {
    const n = Math.floor(lo.diff(cursor, unit).get(unit) / (step[unit] as number)) - 1;
    if (n > 0) cursor = cursor.plus({ [unit]: n * (step[unit] as number) });
  }
  while (cursor.plus(step) <= lo) cursor = cursor.plus(step);
  for (; cursor < hi; cursor = cursor.plus(step)) out.push({ start: cursor, end: cursor.plus(step), expected });
  return out;
}

function dayIsActive(repeat: TimingRepeat, day: DateTime, anchor: DateTime | undefined): boolean {
  if (repeat.dayOfWeek?.length && !repeat.dayOfWeek.includes(DAYS[day.weekday - 1])) return false;
  const period = repeat.period ?? 1;
  if (period > 1 && anchor) {
    if (repeat.periodUnit === 'd') return Math.round(day.diff(anchor.startOf('day'), 'days').days) % period === 0;
    if (repeat.periodUnit === 'wk') return Math.round(day.startOf('week').diff(anchor.startOf('week'), 'weeks').weeks) % period === 0;
  }
  if (repeat.periodUnit === 'mo' && anchor) {
    // Every `period` months on the anchor's day of the month (31 January + 1 month = 28/29 February).
    const months = (day.year - anchor.year) * 12 + (day.month - anchor.month);
    return months >= 0 && months % period === 0 && day.day === Math.min(anchor.day, day.daysInMonth ?? 31);
  }
  return true;
}

/** Local wall-clock time on a day; a time skipped by the spring DST change moves forward (02:30 → 03:30). */
function atTime(day: DateTime, time: string): DateTime {
  const [h, m, s] = time.split(':').map(Number);
  return day.set({ hour: h, minute: m ?? 0, second: s ?? 0, millisecond: 0 });
}

function durationMs(value: number, unit: string): number {
  const ms: Record<string, number> = { s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000, wk: 604_800_000 };
  return value * (ms[unit] ?? 3_600_000);
}

/** The longest a slot of `repeat` can be, so a look-back catches slots that started earlier. */
function maxSlotLength(repeat: TimingRepeat): number {
  const day = 25 * 3_600_000;
  if (repeat.timeOfDay?.length) return Math.max(day, repeat.duration && repeat.durationUnit ? durationMs(repeat.duration, repeat.durationUnit) : 0);
  if (repeat.dayOfWeek?.length) return day;
  const period = Math.max(1, repeat.period ?? 1);
  const unitMs: Record<string, number> = { h: 3_600_000, d: day, wk: 7 * day, mo: 31 * day, a: 366 * day };
  return period * (unitMs[repeat.periodUnit ?? 'd'] ?? day);
}

function boundsOf(repeat: TimingRepeat, zone: string): { start?: DateTime; end?: DateTime } {
  const parse = (text: string | undefined, isEnd: boolean): DateTime | undefined => {
    if (!text) return undefined;
    const dateOnly = /^\d{4}(-\d{2}(-\d{2})?)?$/.test(text);
    const t = DateTime.fromISO(text, { zone, setZone: false });
    if (!t.isValid) return undefined;
    const local = t.setZone(zone);
    if (!dateOnly) return local;
    const unit = text.length === 4 ? 'year' : text.length === 7 ? 'month' : 'day';
    return isEnd ? local.startOf(unit).plus({ [unit + 's']: 1 }) : local.startOf(unit);
  };
  return { start: parse(repeat.boundsPeriod?.start, false), end: parse(repeat.boundsPeriod?.end, true) };
}
