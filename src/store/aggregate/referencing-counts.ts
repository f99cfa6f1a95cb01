import { paramKey } from '../../fhir/search/param-key';
import type { Db } from '../db';

/**
 * Counts over the search index of the resources that point at a target (by a reference
 * parameter) and are placed in time by a date parameter: "how many Observations basedOn this
 * ServiceRequest were measured in this window". Only index rows are read, no JSON.
 */
export interface Referencing {
  /** The counted resource types, each with its reference parameter to the target and the date parameter that places it (their codes). */
  sources: ReadonlyArray<{ type: string; reference: string; date: string }>;
  targetType: string;
  /** A resource whose token parameter `token` (a code every source type has) has this value does not count. */
  exclude?: { token: string; value: string };
}

/** A window [start, end) of one target. */
export interface TargetWindow {
  target: string;
  start: Date;
  end: Date;
}

/** A statement's index parameters: $1 reference params, $2 date params, $3 excluded token params, $4 the excluded value, $5 the target type. */
export function indexBinds(q: Referencing): unknown[] {
  return [
    q.sources.map((s) => paramKey(s.type, s.reference)),
    q.sources.map((s) => paramKey(s.type, s.date)),
    q.exclude ? q.sources.map((s) => paramKey(s.type, q.exclude!.token)) : [],
    q.exclude?.value ?? null,
    q.targetType,
  ];
}

/** The reference rows `b` to target `k.target` and their date rows `d`; the caller adds the time conditions. */
const REFERENCING = `JOIN search_reference b ON b.param = ANY($1::int[]) AND b.target_id = k.target AND b.target_type = $5
       JOIN search_date d ON d.rid = b.rid AND d.param = ANY($2::int[])`;
/** Leaves out the resources with the excluded token value. */
const NOT_EXCLUDED = `NOT EXISTS (SELECT 1 FROM search_token x WHERE x.rid = b.rid AND x.param = ANY($3::int[]) AND x.value = $4)`;

/** Per window: the distinct resources pointing at its target placed inside it. In the order of `windows`. */
export async function countInWindows(db: Db, q: Referencing, windows: readonly TargetWindow[]): Promise<number[]> {
  if (!windows.length) return [];
  const { rows } = await db.query<{ i: string; n: number }>(
    `SELECT k.i, count(DISTINCT b.rid)::int AS n
       FROM unnest($6::text[], $7::timestamptz[], $8::timestamptz[]) WITH ORDINALITY AS k(target, st, en, i)
       ${REFERENCING}
      WHERE d.low >= k.st AND d.low < k.en AND ${NOT_EXCLUDED}
      GROUP BY k.i`,
    [...indexBinds(q), windows.map((w) => w.target), windows.map((w) => w.start.toISOString()), windows.map((w) => w.end.toISOString())],
  );
  const counts = new Array<number>(windows.length).fill(0);
  for (const r of rows) counts[Number(r.i) - 1] = r.n;
  return counts;
}

/** How many distinct (resource, instant) pairs a label's targets got on one local day. */
export interface DayCount {
  label: string;
  /** YYYY-MM-DD in the session's time zone (see inSnapshot). */
  day: string;
  n: number;
}

/**
 * Per label and local day: the distinct (resource, instant) pairs placed in [start, end) that
 * point at a target with that label (`labels`: target id → label; a resource pointing at two
 * targets of one label counts once). `start` and `end` are instants or dates (local midnight).
 */
export async function countPerLabelDay(db: Db, q: Referencing, labels: ReadonlyMap<string, string>, start: string, end: string): Promise<DayCount[]> {
  if (!labels.size) return [];
  const { rows } = await db.query<DayCount>(
    `SELECT k.label, to_char(d.low, 'YYYY-MM-DD') AS day, count(DISTINCT (b.rid, d.low))::int AS n
       FROM unnest($6::text[], $7::text[]) AS k(target, label)
       ${REFERENCING}
      WHERE d.low >= $8::timestamptz AND d.low < $9::timestamptz AND ${NOT_EXCLUDED}
      GROUP BY k.label, day`,
    [...indexBinds(q), [...labels.keys()], [...labels.values()], start, end],
  );
  return rows;
}

/** The targets some counted resource placed in [start, end) points at (instants, or dates meaning local midnight). */
export async function referencedTargets(db: Db, q: Referencing, start: string, end: string): Promise<string[]> {
  const { rows } = await db.query<{ target: string }>(
    `SELECT DISTINCT b.target_id AS target
       FROM search_reference b JOIN search_date d ON d.rid = b.rid AND d.param = ANY($2::int[])
      WHERE b.param = ANY($1::int[]) AND b.target_type = $5 AND d.low >= $6::timestamptz AND d.low < $7::timestamptz AND ${NOT_EXCLUDED}`,
    [...indexBinds(q), start, end],
  );
  return rows.map((r) => r.target);
}
