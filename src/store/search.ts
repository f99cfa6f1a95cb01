import type { Pool, PoolClient } from 'pg';
import type { Issue } from '../fhir/issue';
import type { SearchRequest } from '../fhir/search/ast';
import type { AccessFilter } from './search/sql-builder';
import { compileSearch, type CompiledSearch } from './search/compile';
import { compileLastN } from './search/lastn';
import { MAX_INCLUDE_ROWS, MAX_ITERATE_DEPTH, type IncludeQuery } from './search/include-sql';
import { encodeCursor } from '../fhir/search/paging';
import { normalizeDatabaseError } from './pg-errors';
import { isPool, queryPrepared, withConnection } from './prepared';

/**
 * Runs a compiled search (./search/compile.ts) on PostgreSQL: the page of matches,
 * the total, and `_include` / `_revinclude` (with `:iterate`) over the page. When more than one
 * statement runs they share one REPEATABLE READ snapshot, so includes and total agree with the
 * page. Returns rows with the stored JSON text; the interaction builds the Bundle.
 */

export interface SearchRow {
  rid: string;
  resourceType: string;
  id: string;
  /** the stored JSON of the current version, as served */
  content: string;
}

export interface SearchResult {
  /** Page of matches in sort order (`search.mode = match`). */
  matches: SearchRow[];
  /** Included resources, each once, none of them also a match (`search.mode = include`). */
  included: SearchRow[];
  /** `_total=accurate` or `_summary=count`: exact; `_total=estimate`: the planner's estimate. */
  total?: number;
  /** `_page` tokens for the next/previous links (see src/fhir/search/paging.ts). */
  next?: string;
  previous?: string;
  /** Limits applied (e.g. includes capped), for an OperationOutcome entry. */
  issues: Issue[];
}

type Queryable = Pool | PoolClient;

/**
 * The store's search: a parsed request (src/fhir/search) compiled to SQL here and run on a pool
 * or a transaction's client, with the access filter ANDed into every statement.
 */
export function searchIn(db: Queryable, request: SearchRequest, access?: AccessFilter): Promise<SearchResult> {
  return runSearch(db, request, compileSearch(request, { accessFilter: access }));
}

/** `Observation/$lastn`: per subject and code the `max` most recent matches of `request` (./search/lastn.ts). */
export function lastNIn(db: Queryable, request: SearchRequest, max: number, access?: AccessFilter): Promise<SearchRow[]> {
  return runRows(db, compileLastN(request, max, access));
}

/**
 * Execute `compiled` (compiled from `request`) on a pool or client. Every statement runs as a
 * named statement of its shape (src/store/prepared.ts): planning is paid once per connection.
 */
export async function runSearch(db: Queryable, request: SearchRequest, compiled: CompiledSearch): Promise<SearchResult> {
  try {
    if (!isPool(db)) return await searchOn(db, request, compiled, false);
    const many = [compiled.count, compiled.estimate].filter(Boolean).length + (compiled.includes.length ? 1 : 0) > 0;
    return await withConnection(db, (client) => searchOn(client, request, compiled, many));
  } catch (err) {
    throw normalizeDatabaseError(err);
  }
}

/** The search's statements on one connection; in a REPEATABLE READ transaction of its own when `snapshot`. */
async function searchOn(q: PoolClient, request: SearchRequest, compiled: CompiledSearch, snapshot: boolean): Promise<SearchResult> {
  if (snapshot) await q.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const result: SearchResult = { matches: [], included: [], issues: [] };
    if (compiled.match) await page(q, request, compiled, result);
    if (compiled.count) {
      const { rows } = await queryPrepared(q, compiled.count);
      result.total = Number(rows[0].total);
    } else if (compiled.estimate) {
      // EXPLAIN is no plannable statement: it is not prepared
      const { rows } = await q.query(compiled.estimate.text, compiled.estimate.values);
      result.total = Math.round(Number(rows[0]['QUERY PLAN'][0].Plan['Plan Rows']));
    }
    if (result.matches.length && compiled.includes.length) {
      // An include statement's plan does not depend on its values (the page's rids, by index),
      // but PostgreSQL's cost comparison never picks the generic plan for `rid = ANY($1)`: it
      // would plan each one again (~0.8 ms, 10-20 times the run). Only inside our own
      // transaction, which SET LOCAL cannot outlive.
      if (snapshot) await q.query('SET LOCAL plan_cache_mode = force_generic_plan');
      await includes(q, compiled.includes, result);
    }
    if (snapshot) await q.query('COMMIT');
    return result;
  } catch (err) {
    if (snapshot) await q.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function page(q: PoolClient, request: SearchRequest, compiled: CompiledSearch, result: SearchResult): Promise<void> {
  const { rows } = await queryPrepared(q, compiled.match!);
  const size = compiled.pageSize;
  const more = rows.length > size;
  const taken = rows.slice(0, size);
  const backwards = compiled.cursor?.direction === 'previous';
  if (backwards) taken.reverse();
  result.matches = taken.map(toRow);
  if (taken.length === 0) return;
  const cursorOf = (row: Record<string, unknown>, direction: 'next' | 'previous'): string =>
    encodeCursor(
      { direction, rid: String(row.rid), keys: Array.from({ length: compiled.sortKeys }, (_v, i) => (row[`k${i}`] ?? null) as string | null) },
      request.sort,
    );
  // forward: more rows after → next; came from a cursor → there is a page before.
  // backwards: more rows before → previous; we came from the page after → next.
  const hasNext = backwards ? true : more;
  const hasPrevious = backwards ? more : compiled.cursor !== undefined;
  if (hasNext) result.next = cursorOf(taken[taken.length - 1], 'next');
  if (hasPrevious) result.previous = cursorOf(taken[0], 'previous');
}

async function includes(q: PoolClient, queries: IncludeQuery[], result: SearchResult): Promise<void> {
  const seen = new Set(result.matches.map((r) => r.rid));
  const pageRids = result.matches.map((r) => r.rid);
  let frontier = pageRids;
  for (let depth = 0; depth <= MAX_ITERATE_DEPTH && frontier.length; depth++) {
    const added: string[] = [];
    // the first round follows every spec from the page; later rounds only :iterate specs
    for (const inc of queries.filter((i) => depth === 0 || i.spec.iterate)) {
      const values = [...inc.query.values];
      values[0] = frontier;
      const { rows } = await queryPrepared(q, { text: inc.query.text, values });
      if (rows.length > MAX_INCLUDE_ROWS) {
        result.issues.push({
          severity: 'warning',
          code: 'too-costly',
          diagnostics: `${inc.reverse ? '_revinclude' : '_include'}=${inc.spec.sourceType}:${inc.spec.code}: more than ${MAX_INCLUDE_ROWS} resources; only the first ${MAX_INCLUDE_ROWS} are included`,
        });
      }
      for (const row of rows.slice(0, MAX_INCLUDE_ROWS)) {
        if (seen.has(String(row.rid))) continue;
        seen.add(String(row.rid));
        result.included.push(toRow(row));
        added.push(String(row.rid));
      }
    }
    frontier = added;
    if (depth === MAX_ITERATE_DEPTH && added.length && queries.some((i) => i.spec.iterate)) {
      result.issues.push({ severity: 'information', code: 'too-costly', diagnostics: `_include:iterate stopped after ${MAX_ITERATE_DEPTH + 1} rounds` });
    }
  }
}

function toRow(row: Record<string, unknown>): SearchRow {
  return { rid: String(row.rid), resourceType: row.resource_type as string, id: row.id as string, content: row.content as string };
}

/** Run a compiled statement that selects search rows (rid, resource_type, id, content), e.g. $lastn. */
export async function runRows(db: Queryable, query: { text: string; values: unknown[] }): Promise<SearchRow[]> {
  try {
    const { rows } = await queryPrepared(db, query);
    return rows.map(toRow);
  } catch (err) {
    throw normalizeDatabaseError(err);
  }
}

