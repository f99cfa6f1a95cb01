import type { Criterion, SearchRequest } from '../../fhir/search/ast';
import type { Cursor } from '../../fhir/search/paging';
import type { SqlBuilder } from './sql-builder';
import { NO_TIMELINE, timelineCode } from '../../fhir/search/timeline';

/**
 * The search shape clinicians open for every citizen — "this patient's SpO2, newest first, 20" —
 * driven from the timeline index (migrations/010_timeline_sort_keys.sql) instead of matching
 * every row of the patient and sorting them: when the first `_sort` key is the type's timeline
 * date (./timeline.ts) and a criterion names exactly one local target
 * (`subject=Patient/x`, `owner=CareTeam/y`), the page is read from the btree
 * `(param, target_id, target_type, sort_desc DESC, rid)` (or its `sort_asc` twin) in sort order
 * (in a compartment search without such a criterion, `Patient/x/Observation?_sort=-date`, from
 * `(compartment_type, compartment_id, resource_type, sort_desc DESC, rid)` of the compartment rows),
 * each row checked against the other criteria and the access filter as it comes, and the scan
 * stops at `_count` + 1 matches. A `_page` cursor starts the range at its key, so a far page
 * costs what the first one does. The cost depends on the page size and on how many of the
 * target's rows the other criteria reject, not on how long the history is.
 *
 * Order, ties and "no value last" are those of the generic sort: the stored keys are the values
 * `_sort` computes (max(high) descending, min(low) ascending) with a sentinel for "no value"
 * that sorts last, and ties go by rid. A resource has one reference row per target and parameter
 * (./timeline.ts), so it is read once.
 *
 * The plan must not depend on statistics. Left to its estimates, PostgreSQL chose the ordered
 * scan only while it expected many matches: where it under-estimated them (a `_page` range whose
 * dates look rare among all reference rows, a patient missing from the column's common values,
 * a small `resource` table) it read every row of the target by bitmap or hashed a sequential scan
 * of `resource`, and sorted. Two things take that choice away:
 * - the resource row is a LATERAL subquery fenced with OFFSET 0, so it is a look-up by rid per
 *   index row read, never a join the planner may reorder, hash or drive from `resource`;
 * - the LIMIT is a sub-select ({@link hiddenLimit}), a value the planner cannot see: it then
 *   plans for fetching 10 % of the rows (its rule for a LIMIT of unknown value, the default
 *   `cursor_tuple_fraction` of a cursor), where a plan that sorts pays for every row before its
 *   first one and the ordered scan for a tenth of them, whatever the estimate. Execution still
 *   stops at the real LIMIT.
 */
/**
 * A page read in sort order from an index over the driving rows (aliased `tl`, the resource `r`):
 * the timeline scan here, the work-queue scan of ./queue-scan.ts.
 */
export interface OrderedScan {
  /** The request without the conditions the scan enforces. */
  request: SearchRequest;
  /** The FROM clause: the driving rows as `tl` (starting at the cursor's position), each row's resource as `r`. */
  from: (b: SqlBuilder, backwards: boolean, cursor: Cursor | undefined) => string;
  /** Conditions on `tl` for the WHERE clause (the index range). */
  where: (b: SqlBuilder, backwards: boolean, cursor: Cursor | undefined) => string[];
  /** The stored keys of the first sort keys (never NULL), with the value standing for "no value" (printed as NULL in cursors). */
  keys: { expr: string; cast: string; sentinel: string }[];
  /** The LIMIT clause's expression for `bound` (the bound page size + 1). */
  limit: (bound: string) => string;
}

/** Each driving row's resource: a look-up by rid, fenced (see above). */
export const RESOURCE_PER_ROW = 'CROSS JOIN LATERAL (SELECT * FROM resource WHERE resource.rid = tl.rid OFFSET 0) r';

/** A LIMIT the planner cannot see (see above). */
export const hiddenLimit = (bound: string): string => `(SELECT ${bound})`;

export function timelineScan(request: SearchRequest): OrderedScan | undefined {
  const first = request.sort[0];
  if (request.types.length !== 1 || !first || first.kind !== 'param') return undefined;
  const type = request.types[0];
  if (first.type !== 'date' || first.code !== timelineCode(type) || first.types.length !== 1 || first.types[0] !== type) return undefined;
  const driving = drivingRows(request, type);
  if (!driving) return undefined;
  const key = first.descending ? 'tl.sort_desc' : 'tl.sort_asc';
  const sentinel = first.descending ? NO_TIMELINE.desc : NO_TIMELINE.asc;
  return {
    request: driving.rest,
    from: () => `${driving.table} tl ${RESOURCE_PER_ROW}`,
    limit: hiddenLimit,
    keys: [{ expr: key, cast: 'timestamptz', sentinel }],
    where(b, backwards, cursor) {
      const where = driving.where(b);
      // the cursor row's key starts the index range; the exact keyset (ties by rid, later keys) is the caller's
      if (cursor) {
        const up = first.descending === backwards;
        where.push(`${key} ${up ? '>=' : '<='} ${b.bind(cursor.keys[0] ?? sentinel, 'timestamptz')}`);
      }
      return where;
    },
  };
}

/**
 * The rows the scan walks, and the request without the condition they enforce: the reference
 * rows of a criterion naming one target (`subject=Patient/x`), else, in a compartment search
 * (`Patient/x/Observation`), the compartment's rows of the type (migration 025 gives them the
 * member's type and keys, indexed like the reference rows').
 */
function drivingRows(request: SearchRequest, type: string): { table: string; where: (b: SqlBuilder) => string[]; rest: SearchRequest } | undefined {
  const index = request.criteria.findIndex((c) => singleTarget(c, type) !== undefined);
  if (index >= 0) {
    const criterion = request.criteria[index] as Extract<Criterion, { kind: 'param' }>;
    const target = singleTarget(criterion, type)!;
    return {
      table: 'search_reference',
      rest: { ...request, criteria: request.criteria.filter((_c, i) => i !== index) },
      where: (b) => [`tl.param ${b.context('r', criterion.types, criterion.code).keyIn()}`, `tl.target_id = ${b.bind(target.id)}`, `tl.target_type = ${b.bind(target.targetType)}`],
    };
  }
  const compartment = request.compartment;
  if (!compartment) return undefined;
  return {
    table: 'resource_compartment',
    rest: { ...request, compartment: undefined },
    where: (b) => [`tl.compartment_type = ${b.bind(compartment.type)}`, `tl.compartment_id = ${b.bind(compartment.id)}`, `tl.resource_type = ${b.bind(type)}`],
  };
}

/** `param=Type/id` with one value naming one local resource of a known type (also `param:Type=id`). */
export function singleTarget(c: Criterion, type: string): { targetType: string; id: string } | undefined {
  if (c.kind !== 'param' || c.type !== 'reference' || c.modifier === 'identifier' || c.values.length !== 1) return undefined;
  if (c.types.length !== 1 || c.types[0] !== type) return undefined;
  const v = c.values[0];
  return v.kind === 'local' && v.targetType ? { targetType: v.targetType, id: v.id } : undefined;
}
