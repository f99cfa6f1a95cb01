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

/**
 * Types read as a work queue: "the open ones of this owner, most urgent first, then oldest first"
 * (the clinician's worklist, `Task?owner=…&status=requested,in-progress&_sort=priority,authored-on`).
 * Reference rows of such a type also carry its `state` (the code of the state parameter) and its
 * `rank` (the lowest ordinal of the rank parameter's codes, see ./code-ordinal.ts, or the sentinel
 * 'Infinity' without one: last, as `_sort` puts codes without an ordinal), and a btree
 * `(param, target_id, target_type, state, sort_rank, sort_asc, rid)` over them
 * (migrations/025_compartment_timeline.sql) holds each state's rows in queue order (./queue-scan.ts).
 */
const QUEUES: Readonly<Record<string, { rank: string; state: string }>> = {
  Task: { rank: 'priority', state: 'status' },
};

/** The rank and state parameter codes of `resourceType`'s queue, if it is read as one. */
export function queueCodes(resourceType: string): { rank: string; state: string } | undefined {
  return QUEUES[resourceType];
}

/** Rank with no ordinal: sorts last. */
export const NO_RANK = 'Infinity';

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
export function stampTimeline(resourceType: string, rows: IndexRows, rankOrdinals?: ReadonlyMap<string, number>): void {
  if (rows.reference.length === 0 && rows.compartment.length === 0) return;
  const { desc, asc } = timelineKeys(resourceType, rows);
  const queue = queueKeys(resourceType, rows, rankOrdinals);
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
    if (queue) Object.assign(r, queue);
  }
}

/** A queue type's state and rank from its token rows (`rankOrdinals`: the rank parameter's code → ordinal). */
function queueKeys(resourceType: string, rows: IndexRows, rankOrdinals?: ReadonlyMap<string, number>): { state: string; sortRank: string } | undefined {
  const codes = queueCodes(resourceType);
  if (!codes) return undefined;
  const stateKey = paramKey(resourceType, codes.state);
  const rankKey = paramKey(resourceType, codes.rank);
  const state = rows.token.find((t) => t.param === stateKey)?.value;
  if (state === undefined) return undefined;
  let rank = Infinity;
  for (const t of rows.token) {
    const ordinal = t.param === rankKey ? rankOrdinals?.get(t.value) : undefined;
    if (ordinal !== undefined && ordinal < rank) rank = ordinal;
  }
  return { state, sortRank: rank === Infinity ? NO_RANK : String(rank) };
}
