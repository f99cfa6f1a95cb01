// https://hl7.org/fhir/R4/http.html#ccreate, #cond-update, #cdelete
import { badRequest, informational, notFound, preconditionFailed } from '../fhir/outcome';
import { parsePatchBody } from '../fhir/patch/patch-document';
import { parseSearch } from '../fhir/search/parse';
import { lockKeys } from '../store/advisory-locks';
import type { StoreTransaction } from '../store/resources';
import { searchIn } from '../store/search';
import { authorizeEntry, deleteGuard, precheckWrite } from './authorize';
import { preparePatch, writePatch } from './patch';
import { updatedResult } from './update';
import { executeEntry } from './transaction-execute';
import { parseEntry } from './transaction-entry';
import type { ConditionalResolver } from './transaction-hooks';
import { entryRequest, prepareEntry } from './transaction-prepare';
import type { InteractionDeps, InteractionResult } from './types';
import { writeTransaction } from './write-hooks';

/**
 * Resolves conditional criteria (`identifier=urn:oid:1.2.208.176.1.2|0101504321`) with the
 * search engine, under the caller's access filter: a condition never matches what the caller
 * may not see. Unknown parameters are an error (ignoring one would widen the match). Returns
 * at most two ids: one more than needed proves "not unique". Inside a transaction it runs on
 * the transaction's connection, so it sees the transaction's own writes.
 */
export function conditionalResolver(deps: InteractionDeps, max = 1): ConditionalResolver {
  return async (type, query, tx) => {
    const params = [...new URLSearchParams(query)];
    if (params.length === 0) throw badRequest(`A condition on ${type} needs search criteria`);
    const { request } = parseSearch(
      { resourceType: type, params: params.filter(([name]) => name !== '_count'), strict: true },
      { registry: deps.registry, baseUrl: deps.baseUrl, now: deps.clock.now() },
    );
    request.count = max + 1;
    const access = deps.access.searchFilter();
    const result = tx ? await searchIn(tx.client, request, access) : await deps.search(request, access);
    // The one match is what the request goes on with: for If-None-Exist, the resource it returns
    // instead of creating one (200), which the audit records as a read of its patient.
    if (result.matches.length === 1) deps.trail.touchedRids.push(result.matches[0].rid);
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
  await lockAllCriteria(tx, [{ type, query }]);
}

/**
 * The criteria locks of a transaction's conditional entries (If-None-Exist, conditional update
 * and delete), taken together in one sorted order before its first write, so that two bundles
 * with the same conditions serialize like two single requests and cannot deadlock on each other.
 */
export async function lockAllCriteria(tx: StoreTransaction, criteria: ReadonlyArray<{ type: string; query: string }>): Promise<void> {
  const keys = [...new Set(criteria.map((c) => criteriaKey(c.type, c.query)))].sort();
  await lockKeys(tx, keys);
}

/** type + criteria with parameters in a canonical order: the same condition gives the same key. */
export function criteriaKey(type: string, query: string): string {
  const canonical = [...new URLSearchParams(query)].sort(([a, x], [b, y]) => (a === b ? x.localeCompare(y) : a.localeCompare(b)));
  return `${type}?${new URLSearchParams(canonical).toString()}`;
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
  if (req.method === 'DELETE' && deps.limits.conditionalDeleteMultiple) return deleteAllMatching(deps, req.type, req.criteria);
  const request: Record<string, unknown> =
    req.method === 'POST'
      ? { method: 'POST', url: req.type, ifNoneExist: req.criteria }
      : { method: req.method, url: `${req.type}?${req.criteria}`, ...(req.ifMatch ? { ifMatch: req.ifMatch } : {}) };
  const parsed = parseEntry(deps, { request, ...(req.body !== undefined ? { resource: req.body } : {}) }, 0);
  const entry = prepareEntry(deps, parsed);
  await authorizeEntry(deps)(entryRequest(entry));
  const resolve = conditionalResolver(deps);
  const outcome = await writeTransaction(deps, async (tx) => {
    await lockCriteria(tx, req.type, req.criteria);
    return executeEntry(tx, { deps, resolve }, entry);
  });
  return outcome.result;
}

/**
 * Conditional patch (`PATCH /fhir/{type}?criteria`, https://hl7.org/fhir/R4/http.html#patch):
 * exactly one match is patched like `PATCH /fhir/{type}/{id}`; none → 404, several → 412.
 * Resolution and write happen in one transaction under the criteria's lock.
 */
export async function conditionalPatch(
  deps: InteractionDeps,
  req: { type: string; criteria: string; contentType: string | undefined; content: unknown; ifMatch?: string },
): Promise<InteractionResult> {
  const document = parsePatchBody(req.contentType, req.content);
  await precheckWrite(deps, 'patch', req.type, undefined);
  const resolve = conditionalResolver(deps);
  const written = await writeTransaction(deps, async (tx) => {
    await lockCriteria(tx, req.type, req.criteria);
    const ids = await resolve(req.type, req.criteria, tx);
    if (ids.length === 0) throw notFound(`No ${req.type} matches ${req.criteria}`);
    if (ids.length > 1) throw preconditionFailed(`Conditional patch '${req.type}?${req.criteria}' matches more than one resource`);
    return writePatch(tx, deps, preparePatch(deps, req.type, ids[0], document, req.ifMatch));
  });
  return updatedResult(deps, written);
}

/** Most matches one conditional delete removes (more → 412: narrow the criteria). */
const MAX_MULTIPLE_DELETE = 100;

/**
 * Conditional delete with several matches allowed (KOLIBRI_CONDITIONAL_DELETE_MULTIPLE): every
 * match the caller may delete goes, in one transaction under the criteria's lock; each is
 * authorized like a single delete (one refusal → 403, nothing deleted).
 */
async function deleteAllMatching(deps: InteractionDeps, type: string, criteria: string): Promise<InteractionResult> {
  deps.access.requireScope('delete', type);
  const resolve = conditionalResolver(deps, MAX_MULTIPLE_DELETE);
  const deleted = await writeTransaction(deps, async (tx) => {
    await lockCriteria(tx, type, criteria);
    const ids = await resolve(type, criteria, tx);
    if (ids.length > MAX_MULTIPLE_DELETE) {
      throw preconditionFailed(`Conditional delete '${type}?${criteria}' matches more than ${MAX_MULTIPLE_DELETE} resources; narrow the criteria`);
    }
    let n = 0;
    for (const id of ids) if (await tx.delete(type, id, { guard: deleteGuard(deps, tx, type) })) n++;
    return n;
  });
  return { status: 200, body: informational(`Deleted ${deleted} ${type} resource(s) matching ${criteria}`) };
}
