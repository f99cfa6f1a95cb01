import type { SearchRequest, SortKey } from '../../fhir/search/ast';
import { criterionSql } from './criteria-sql';
import { compileIncludes, type IncludeQuery } from './include-sql';
import { conditionSqlFor } from './conditions/by-type';
import { decodeCursor, type Cursor } from '../../fhir/search/paging';
import { SqlBuilder, type AccessFilter, type SqlQuery } from './sql-builder';
import { PLANNED_CRITERIA } from '../../fhir/search/limits';
import { queueScan } from './queue-scan';
import { timelineScan } from './timeline-scan';

/**
 * SearchRequest → parameterised SQL: ONE statement for the page of matches, one for the count,
 * and one per `_include` / `_revinclude` (run by the store on the rids of the page).
 * Values reach PostgreSQL only as bind parameters. The optional access filter is ANDed into
 * every statement (see {@link AccessFilter}).
 *
 * The match statement selects `rid, resource_type, id, content` and the sort keys `k0…kn`
 * (for next/previous tokens), ordered by the sort keys then rid, limited to `_count + 1` rows
 * (the extra row tells whether another page exists).
 */

export interface CompileOptions {
  accessFilter?: AccessFilter;
}

export interface CompiledSearch {
  /** The page (absent for `_summary=count` and `_count=0`). */
  match?: SqlQuery;
  /** `SELECT count(*)` over all matches (when `_total=accurate` or `_summary=count`). */
  count?: SqlQuery;
  /** `EXPLAIN (FORMAT JSON)` of the matches, for `_total=estimate`. */
  estimate?: SqlQuery;
  includes: IncludeQuery[];
  pageSize: number;
  /** The decoded `_page` cursor, when the request had one. */
  cursor?: Cursor;
  /** Number of sort-key columns (k0…) in match rows. */
  sortKeys: number;
}

interface SortColumn {
  expr: string;
  cast: string;
  descending: boolean;
  /** A stored key that is never NULL: this value stands for "no value" (sorts last, see timeline.ts). */
  sentinel?: string;
}

export function compileSearch(request: SearchRequest, options: CompileOptions = {}): CompiledSearch {
  const cursor = request.page ? decodeCursor(request.page, request.sort) : undefined;
  const summaryCount = request.summary === 'count';
  const wantsPage = !summaryCount && request.count > 0;
  const result: CompiledSearch = { includes: [], pageSize: request.count, cursor, sortKeys: request.sort.length };

  if (wantsPage) {
    const b = new SqlBuilder();
    // a search pinned to patients the caller cannot reach reads only their shared rows (see filterSql), not their timeline
    const scan = request.sharedOf ? undefined : (timelineScan(request) ?? queueScan(request));
    // An ordered scan (timeline or work queue) checks each row it reads with every other condition (per-row subplans, not
    // joins): the planner then never trades the ordered scan for a sort on a misestimated join,
    // and the access filter looks up the row's own compartment instead of hashing all of the
    // caller's (which it would for the thousands of rows it expects the scan to return).
    const filters = scan ? filterSql(scan.request, 'r', b, options.accessFilter, true) : filterSql(request, 'r', b, options.accessFilter);
    const backwards = cursor?.direction === 'previous';
    // with an ordered scan, the first keys are the scan's stored keys (never NULL)
    const sort = request.sort.map((k, i): SortColumn => (scan && i < scan.keys.length ? { ...scan.keys[i], descending: k.descending } : sortColumn(k, b)));
    if (scan) filters.unshift(...scan.where(b, backwards, cursor));
    if (cursor) filters.push(keysetSql(sort, cursor, backwards, b));
    const lateralKeys = sort.flatMap((s, i) => (s.sentinel === undefined ? [`${s.expr} AS k${i}`] : []));
    const lateral = lateralKeys.length ? ` CROSS JOIN LATERAL (SELECT ${lateralKeys.join(', ')}) sk` : '';
    const keyColumns = sort.map((s, i) => (s.sentinel === undefined ? `, sk.k${i}` : `, NULLIF(${s.expr}, ${b.bind(s.sentinel, s.cast)}) AS k${i}`)).join('');
    // backwards pages are read in reverse order; the store flips them back
    const order = [
      ...sort.map((s, i) =>
        s.sentinel === undefined
          ? `sk.k${i} ${s.descending !== backwards ? 'DESC' : 'ASC'} NULLS ${backwards ? 'FIRST' : 'LAST'}`
          : `${s.expr} ${s.descending !== backwards ? 'DESC' : 'ASC'}`,
      ),
      `${scan ? 'tl' : 'r'}.rid ${backwards ? 'DESC' : 'ASC'}`,
    ];
    const limit = b.bind(request.count + 1, 'integer');
    result.match = b.query(
      `SELECT r.rid, r.resource_type, r.id, r.content${keyColumns} FROM ${scan ? scan.from(b, backwards, cursor) : 'resource r'}${lateral} WHERE ${filters.join(' AND ')} ORDER BY ${order.join(', ')} LIMIT ${scan ? scan.limit(limit) : limit}`,
    );
    result.includes = compileIncludes(request, options.accessFilter);
  }
  if (summaryCount || request.total === 'accurate') {
    const b = new SqlBuilder();
    result.count = b.query(`SELECT count(*) AS total FROM resource r WHERE ${filterSql(request, 'r', b, options.accessFilter).join(' AND ')}`);
  } else if (request.total === 'estimate') {
    const b = new SqlBuilder();
    result.estimate = b.query(`EXPLAIN (FORMAT JSON) SELECT r.rid FROM resource r WHERE ${filterSql(request, 'r', b, options.accessFilter).join(' AND ')}`);
  }
  return result;
}

/**
 * Type, liveness, compartment, criteria and access conditions on the match row (also used by
 * operations such as $lastn). `perRow`: every condition but type and liveness as a scalar
 * subquery, checked on each row as it comes (see below and ./timeline-scan.ts). A search
 * narrowed to shared rows (`sharedOf`) is driven from those rids and checks the rest per row
 * too: planned as joins, the pinned criterion would read the pinned patient's every row.
 */
export function filterSql(request: SearchRequest, alias: string, b: SqlBuilder, access?: AccessFilter, rowwise = false): string[] {
  const perRow = rowwise || request.sharedOf !== undefined;
  const filters = [
    request.types.length === 1
      ? `${alias}.resource_type = ${b.bind(request.types[0])}`
      : `${alias}.resource_type = ANY(${b.bind(request.types, 'text[]')})`,
    `NOT ${alias}.deleted`,
  ];
  const perRowCheck = (sql: string): string => `(SELECT ${sql})`;
  // about no row: PostgreSQL checks it once (a one-time filter) before the scan reads anything
  const reaches = access?.reaches;
  if (reaches) for (const set of request.pinned ?? []) filters.push(`EXISTS (SELECT 1 FROM unnest(${b.bind(set, 'text[]')}) AS pin(id) WHERE ${reaches('pin.id', b.bind)})`);
  if (request.sharedOf) {
    // first, as an array of rids: the plan starts from these few rows (usually none)
    filters.push(`${alias}.rid = ANY(ARRAY(SELECT sx.rid FROM resource_compartment sx WHERE sx.compartment_type = 'Patient' AND sx.compartment_id = ANY(${b.bind(request.sharedOf, 'text[]')}) AND sx.shared))`);
  }
  if (request.compartment) {
    const member = `EXISTS (SELECT 1 FROM resource_compartment rc WHERE rc.rid = ${alias}.rid AND rc.compartment_type = ${b.bind(request.compartment.type)} AND rc.compartment_id = ${b.bind(request.compartment.id)})`;
    filters.push(perRow ? perRowCheck(member) : member);
  }
  // Past PLANNED_CRITERIA, a criterion is wrapped in a scalar subquery, which PostgreSQL never
  // pulls up into the join problem: it runs as a per-row subplan, planned on its own (see limits.ts).
  request.criteria.forEach((c, i) => {
    const sql = criterionSql(c, alias, b, access);
    filters.push(i < PLANNED_CRITERIA && !perRow ? sql : perRowCheck(sql));
  });
  if (access) filters.push(perRow ? perRowCheck(access(alias, b.bind, true)) : `(${access(alias, b.bind)})`);
  return filters;
}

/**
 * A sort key's expression: the lowest value ascending, the highest descending
 * (https://hl7.org/fhir/R4/search.html#sort), from the parameter's index rows.
 */
function sortColumn(key: SortKey, b: SqlBuilder): SortColumn {
  if (key.kind === 'column') {
    return key.column === 'id'
      ? { expr: 'r.id COLLATE "C"', cast: 'text', descending: key.descending }
      : { expr: 'r.last_updated', cast: 'timestamptz', descending: key.descending };
  }
  const sql = conditionSqlFor(key.type);
  const sort = sql.sort!;
  const ctx = b.context('r', key.types, key.code);
  const s = b.nextAlias('s');
  if (key.ordinals) {
    // Codes with an ordinal (CodeSystem ordinalValue) sort by it, not alphabetically: Task
    // priority stat < asap < urgent < routine. Codes without one have no key (NULLS LAST).
    const o = b.nextAlias('o');
    const codes = b.bind(key.ordinals.map(([code]) => code), 'text[]');
    const ordinals = b.bind(key.ordinals.map(([, n]) => n), 'numeric[]');
    return {
      expr: `(SELECT ${key.descending ? 'max' : 'min'}(${o}.n) FROM ${sql.table} ${s} JOIN unnest(${codes}, ${ordinals}) AS ${o}(code, n) ON ${o}.code = ${s}.value WHERE ${s}.rid = r.rid AND ${s}.param ${ctx.keyIn()})`,
      cast: 'numeric',
      descending: key.descending,
    };
  }
  const aggregate = (key.descending ? sort.desc : sort.asc)(s);
  return {
    expr: `(SELECT ${aggregate} FROM ${sql.table} ${s} WHERE ${s}.rid = r.rid AND ${s}.param ${ctx.keyIn()})`,
    cast: sort.cast,
    descending: key.descending,
  };
}

/**
 * Rows strictly after the cursor in scan order: for keys k1..kn and rid,
 * `k1 beyond v1 OR (k1 = v1 AND (k2 beyond v2 OR (… OR rid beyond r)))`, with NULLs (no value)
 * last in forward order and first when scanning backwards, matching ORDER BY.
 */
function keysetSql(sort: SortColumn[], cursor: Cursor, backwards: boolean, b: SqlBuilder): string {
  let condition = `${sort[0]?.sentinel !== undefined ? 'tl' : 'r'}.rid ${backwards ? '<' : '>'} ${b.bind(cursor.rid, 'bigint')}`;
  for (let i = sort.length - 1; i >= 0; i--) {
    const s = sort[i];
    const column = s.sentinel === undefined ? `sk.k${i}` : s.expr;
    const value = cursor.keys[i];
    const ascending = s.descending === backwards;
    let beyond: string;
    let equal: string;
    if (s.sentinel !== undefined) {
      // never NULL: "no value" is the sentinel, which already sorts last
      const v = b.bind(value ?? s.sentinel, s.cast);
      beyond = `${column} ${ascending ? '>' : '<'} ${v}`;
      equal = `${column} = ${v}`;
    } else if (value === null) {
      beyond = backwards ? `${column} IS NOT NULL` : 'false';
      equal = `${column} IS NULL`;
    } else {
      const v = b.bind(value, s.cast);
      beyond = `(${column} ${ascending ? '>' : '<'} ${v}${backwards ? '' : ` OR ${column} IS NULL`})`;
      equal = `${column} = ${v}`;
    }
    condition = `(${beyond} OR (${equal} AND ${condition}))`;
  }
  return condition;
}
