import { NEG_INFINITY, POS_INFINITY } from './date-range';
import type { IndexRows } from './index-rows';
import { paramKey } from './param-key';

/**
 * A resource type's timeline: the date parameter its lists are read by, newest or oldest first
 * (Observation `date`, Task `authored-on`, QuestionnaireResponse `authored`, AuditEvent `date`).
 * Every search-index reference row of a resource carries the resource's timeline sort keys, so
 * "this subject / owner / patient, newest first" is an ordered scan of one btree
 * (migrations/010_timeline_sort_keys.sql) that stops after `_count` + 1 rows, however long the
 * history (see ./timeline-scan.ts).
 *
 * The keys are exactly what `_sort` computes from the date rows of that parameter
 * (https://hl7.org/fhir/R4/search.html#sort: the highest value descending, the lowest ascending):
 *   sort_desc  max(high), or '-infinity' when the resource has no value (sorts last descending)
 *   sort_asc   min(low),  or 'infinity'  when it has none (sorts last ascending)
 * A sentinel instead of NULL keeps "no value last" inside one index range, so a `_page` cursor
 * starts an index range scan. The only values equal to a sentinel are dates before year 1 (or
 * after 9999 as an end): those sort among the resources without a date.
 */

/** Types whose timeline is not their `date` parameter (types without either have no timeline keys). */
const TIMELINE_CODES: Readonly<Record<string, string>> = {
  Task: 'authored-on',
  QuestionnaireResponse: 'authored',
  Communication: 'sent',
  CommunicationRequest: 'authored',
  ServiceRequest: 'authored',
  MedicationRequest: 'authoredon',
  DeviceRequest: 'authored-on',
  Provenance: 'recorded',
  Media: 'created',
  Condition: 'recorded-date',
};

/** The code of `resourceType`'s timeline date parameter (migration 010 repeats this table in SQL). */
export function timelineCode(resourceType: string): string {
  return TIMELINE_CODES[resourceType] ?? 'date';
}

/** Sort keys with no value: the sentinels above. */
export const NO_TIMELINE = { desc: NEG_INFINITY, asc: POS_INFINITY } as const;

/** A resource's timeline sort keys from its date rows. */
export function timelineKeys(resourceType: string, rows: IndexRows): { desc: string; asc: string } {
  const key = paramKey(resourceType, timelineCode(resourceType));
  let desc: string = NO_TIMELINE.desc;
  let asc: string = NO_TIMELINE.asc;
  for (const d of rows.date) {
    if (d.param !== key) continue;
    if (compareInstant(d.high, desc) > 0) desc = d.high;
    if (compareInstant(d.low, asc) < 0) asc = d.low;
  }
  return { desc, asc };
}

/**
 * Order two index bounds as PostgreSQL orders them (timestamptz is exact to the microsecond;
 * Date.parse stops at the millisecond, so the digits after it decide ties), infinities included.
 */
export function compareInstant(a: string, b: string): number {
  const [ma, ua] = instant(a);
  const [mb, ub] = instant(b);
  return ma !== mb ? (ma < mb ? -1 : 1) : ua - ub;
}

function instant(v: string): [number, number] {
  if (v === NEG_INFINITY) return [-Infinity, 0];
  if (v === POS_INFINITY) return [Infinity, 0];
  const fraction = /\.(\d+)/.exec(v)?.[1] ?? '';
  return [Date.parse(v), Number(fraction.slice(3, 6).padEnd(3, '0'))];
}

/**
 * Put the resource's timeline keys on each of its reference and compartment rows (done once per
 * extraction; compartment rows also name the member's type), and keep one reference row per
 * local target of a parameter: the timeline scan returns a resource once per row it reads, so
 * the same target twice under one parameter (two performers naming one Practitioner) must be one
 * row. Matching, sorting and includes never depended on the count.
 */
export function stampTimeline(resourceType: string, rows: IndexRows): void {
  if (rows.reference.length === 0 && rows.compartment.length === 0) return;
  const { desc, asc } = timelineKeys(resourceType, rows);
  for (const c of rows.compartment) Object.assign(c, { resourceType, sortDesc: desc, sortAsc: asc });
  const seen = new Set<string>();
  rows.reference = rows.reference.filter((r) => {
    if (r.targetId === null) return true;
    const key = `${r.param}|${r.grp}|${r.targetType}/${r.targetId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  for (const r of rows.reference) {
    r.sortDesc = desc;
    r.sortAsc = asc;
  }
}
