// https://hl7.org/fhir/R4/http.html#ccreate, #cond-update, #cdelete
import { badRequest } from '../fhir/outcome';
import { compileSearch } from '../fhir/search/compile';
import { parseSearch } from '../fhir/search/parse';
import type { StoreTransaction } from '../store/resources';
import { runSearch } from '../store/search';
import { authorizeEntry } from './authorize';
import { executeEntry } from './transaction-execute';
import { parseEntry } from './transaction-entry';
import type { ConditionalResolver } from './transaction-hooks';
import { entryRequest, prepareEntry } from './transaction-prepare';
import type { InteractionDeps, InteractionResult } from './types';

/**
 * Resolves conditional criteria (`identifier=urn:oid:1.2.208.176.1.2|0101504321`) with the
 * search engine, under the caller's access filter: a condition never matches what the caller
 * may not see. Unknown parameters are an error (ignoring one would widen the match). Returns
 * at most two ids: one more than needed proves "not unique". Inside a transaction it runs on
 * the transaction's connection, so it sees the transaction's own writes.
 */
export function conditionalResolver(deps: InteractionDeps): ConditionalResolver {
  return async (type, query, tx) => {
    const params = [...new URLSearchParams(query)];
    if (params.length === 0) throw badRequest(`A condition on ${type} needs search criteria`);
    const { request } = parseSearch(
      { resourceType: type, params: params.filter(([name]) => name !== '_count'), strict: true },
      { registry: deps.registry, baseUrl: deps.baseUrl, now: deps.clock.now() },
    );
    request.count = 2;
    const compiled = compileSearch(request, { accessFilter: deps.access.searchFilter() });
    const result = tx ? await runSearch(tx.client, request, compiled) : await deps.runSearch(request, compiled);
    return result.matches.map((m) => m.id);
  };
}

/**
 * Serialize everything that decides on the same criteria: a transaction-scoped advisory lock
 * on type + the criteria in a canonical order. The search after the lock sees what an earlier
 * holder committed (READ COMMITTED takes a new snapshot per statement), so 50 concurrent
 * conditional creates make exactly one resource.
 */
export async function lockCriteria(tx: StoreTransaction, type: string, query: string): Promise<void> {
  const canonical = [...new URLSearchParams(query)].sort(([a, x], [b, y]) => (a === b ? x.localeCompare(y) : a.localeCompare(b)));
  const key = `${type}?${new URLSearchParams(canonical).toString()}`;
  await tx.client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
}

export interface ConditionalRequest {
  method: 'POST' | 'PUT' | 'DELETE';
  type: string;
  /** The criteria: the query string for PUT/DELETE, If-None-Exist for POST. */
  criteria: string;
  body?: unknown;
  ifMatch?: string;
}

/**
 * A single conditional create, update or delete: the same parsing, checks and execution as
 * the equivalent transaction entry, in one database transaction under the criteria's lock.
 */
export async function conditionalInteraction(deps: InteractionDeps, req: ConditionalRequest): Promise<InteractionResult> {
  const request: Record<string, unknown> =
    req.method === 'POST'
      ? { method: 'POST', url: req.type, ifNoneExist: req.criteria }
      : { method: req.method, url: `${req.type}?${req.criteria}`, ...(req.ifMatch ? { ifMatch: req.ifMatch } : {}) };
  const parsed = parseEntry(deps, { request, ...(req.body !== undefined ? { resource: req.body } : {}) }, 0);
  const entry = prepareEntry(deps, parsed);
  await authorizeEntry(deps)(entryRequest(entry));
  const resolve = conditionalResolver(deps);
  const outcome = await deps.store.transaction(async (tx) => {
    await lockCriteria(tx, req.type, req.criteria);
    return executeEntry(tx, { deps, resolve }, entry);
  });
  return outcome.result;
}
