/**
 * What one search request may ask for, in one place. The caps keep a request's cost bounded:
 * each parameter compiles to a condition (an EXISTS over an index table, or a subquery for a
 * chain or `_has`), each comma value to an OR branch inside it. A search over the limits is a
 * 400 naming the limit; no legitimate client comes near them (the busiest dashboard query has
 * about ten parameters).
 */

/** Query parameters (repeats counted, `_format`/`_pretty` not) in one search. */
export const MAX_SEARCH_PARAMETERS = 100;

/** Comma-separated values of one parameter (`code=a,b,c`, `_include=…`, `_sort=…`). */
export const MAX_VALUES_PER_PARAMETER = 100;

/** Chain links (dots) and nested `_has` allowed in one parameter. */
export const MAX_CHAIN = 3;

/** Largest `_count`; a larger one is lowered to it with an informational issue. */
export const MAX_COUNT = 1000;

/**
 * Criteria PostgreSQL may plan as semi-joins (its join search over them is what picks the most
 * selective index to drive the query). PostgreSQL pulls every top-level EXISTS up into one join
 * problem whose planning grows much faster than linearly: 100 EXISTS took 0.2-0.5 s to plan,
 * 200 took 1.6-3.4 s, 1,000 ran into the statement timeout. Criteria after these are fenced
 * as per-row subplans (see compile.ts), each planned on its own, so planning stays linear.
 * Eight is PostgreSQL's own from_collapse_limit / join_collapse_limit default.
 * https://www.postgresql.org/docs/current/explicit-joins.html
 */
export const PLANNED_CRITERIA = 8;
