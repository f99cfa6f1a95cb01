import type { Criterion, SearchRequest } from '../../fhir/search/ast';
import { hiddenLimit, RESOURCE_PER_ROW, singleTarget, type OrderedScan } from './timeline-scan';
import { NO_RANK, NO_TIMELINE, queueCodes, timelineCode } from '../../fhir/search/timeline';

/**
 * The clinician's worklist — "the open Tasks of my care team, most urgent first, then oldest
 * first, 20" (`Task?owner=CareTeam/y&status=requested,in-progress&_sort=priority,authored-on`) —
 * read in that order from the work-queue index instead of matching every Task the team ever had
 * and sorting the open ones. A queue type's reference rows carry its state and rank
 * (./timeline.ts `queueCodes`), and the btree `(param, target_id, target_type, state, sort_rank,
 * sort_asc, rid)` (migrations/025_compartment_timeline.sql) holds one ordered range per state. The
 * page is the merge of the ranges of the asked states (one UNION ALL branch each, which
 * PostgreSQL merges in order: Merge Append), each row checked against the other criteria and the
 * access filter as it comes, stopping at `_count` + 1. Closed Tasks are in other ranges, so the
 * cost does not grow with the team's history; a `_page` cursor starts every range at its
 * position (a row comparison matching the index), so a far page costs what the first one does.
 *
 * Used when the sort is exactly `rank,timeline` ascending (Task `priority,authored-on`, the rank
 * by its codes' ordinals), one criterion names one target and one names states by plain codes.
 * Order, ties and "no value last" are those of the generic sort: the stored rank is the lowest
 * ordinal ('Infinity' without one), the stored time the timeline's `sort_asc` (./timeline.ts).
 */
export function queueScan(request: SearchRequest): OrderedScan | undefined {
  if (request.types.length !== 1) return undefined;
  const type = request.types[0];
  const codes = queueCodes(type);
  const [rank, time, ...more] = request.sort;
  if (!codes || more.length || rank?.kind !== 'param' || time?.kind !== 'param') return undefined;
  if (rank.code !== codes.rank || rank.descending || !rank.ordinals || rank.types.length !== 1) return undefined;
  if (time.code !== timelineCode(type) || time.type !== 'date' || time.descending || time.types.length !== 1) return undefined;
  const targetIndex = request.criteria.findIndex((c) => singleTarget(c, type) !== undefined);
  const stateIndex = request.criteria.findIndex((c) => stateValues(c, type, codes.state) !== undefined);
  if (targetIndex < 0 || stateIndex < 0) return undefined;
  const criterion = request.criteria[targetIndex] as Extract<Criterion, { kind: 'param' }>;
  const target = singleTarget(criterion, type)!;
  const states = stateValues(request.criteria[stateIndex], type, codes.state)!;
  return {
    request: { ...request, criteria: request.criteria.filter((_c, i) => i !== targetIndex && i !== stateIndex) },
    keys: [
      { expr: 'tl.sort_rank', cast: 'numeric', sentinel: NO_RANK },
      { expr: 'tl.sort_asc', cast: 'timestamptz', sentinel: NO_TIMELINE.asc },
    ],
    limit: hiddenLimit,
    where: () => [],
    from(b, backwards, cursor) {
      const key = `param ${b.context('r', criterion.types, criterion.code).keyIn()} AND target_id = ${b.bind(target.id)} AND target_type = ${b.bind(target.targetType)}`;
      // the position after (or before) the cursor's row in every range: all keys ascending, so one row comparison
      const from = cursor
        ? ` AND (sort_rank, sort_asc, rid) ${backwards ? '<' : '>'} (${b.bind(cursor.keys[0] ?? NO_RANK, 'numeric')}, ${b.bind(cursor.keys[1] ?? NO_TIMELINE.asc, 'timestamptz')}, ${b.bind(cursor.rid, 'bigint')})`
        : '';
      const order = ['sort_rank', 'sort_asc', 'rid'].map((c) => `${c} ${backwards ? 'DESC' : 'ASC'}`).join(', ');
      const ranges = states.map((state) => `(SELECT rid, sort_rank, sort_asc FROM search_reference WHERE ${key} AND state = ${b.bind(state)}${from} ORDER BY ${order} LIMIT ${hiddenLimit('NULL::bigint')})`);
      return `(${ranges.join(' UNION ALL ')}) tl ${RESOURCE_PER_ROW}`;
    },
  };
}

/** `status=a,b` on the queue's state parameter: plain codes (no system, no modifier), each once. */
function stateValues(c: Criterion, type: string, state: string): string[] | undefined {
  if (c.kind !== 'param' || c.code !== state || c.type !== 'token' || c.modifier || c.types.length !== 1 || c.types[0] !== type) return undefined;
  const codes = c.values.map((v) => (v.kind === 'code' && v.system === undefined ? v.code : undefined));
  if (!codes.every((code): code is string => typeof code === 'string')) return undefined;
  return [...new Set(codes)];
}
