// https://hl7.org/fhir/R4/search.html and https://hl7.org/fhir/R4/http.html#search
import { forbidden, operationOutcome } from '../fhir/outcome';
import type { Issue } from '../fhir/issue';
import { parseSearch } from '../fhir/search/parse';
import type { SearchRequest } from '../fhir/search/ast';
import { Subsetter } from '../fhir/subset';
import type { SearchRow } from '../store/search';
import { bundleJson, type BundleEntryText } from './bundle-json';
import { pinnedSearch } from './pinned-search';
import { refuseContradictions } from './search-context';
import type { InteractionDeps, InteractionResult } from './types';

export interface SearchScope {
  /** Type search; undefined for system search. */
  type?: string;
  /** Compartment search: `GET /fhir/Patient/{id}/{type}`. */
  compartment?: { type: string; id: string };
  /** Where next/previous links point, when not the search URL itself (operations such as $everything). */
  linkPath?: string;
}

export interface SearchInput {
  /** Query and form parameters in request order, repeats kept. */
  params: Array<[string, string]>;
  /** `Prefer: handling=strict`: unknown parameters are errors, not warnings. */
  strict: boolean;
}

/**
 * Search at type, system or compartment level: parse → compile (parameterised SQL, with the
 * access filter slot) → run → a `searchset` Bundle with `match` / `include` / `outcome` entries
 * and keyset next/previous links.
 */
export async function search(deps: InteractionDeps, scope: SearchScope, input: SearchInput): Promise<InteractionResult> {
  const { request, issues } = parseSearch(
    { resourceType: scope.type, compartment: scope.compartment, params: input.params, strict: input.strict },
    { registry: deps.registry, baseUrl: deps.baseUrl, now: deps.clock.now() },
  );
  authorizeSearch(deps, scope, input, request);
  refuseContradictions(deps.access.auth, request);
  const result = await pinnedSearch(request, deps.access.searchFilter(), deps.registry, deps.search, (r) => r.matches.length === 0 && !r.total);
  // Included resources of types the token may not read are left out (the SQL filter already
  // removed those of patients the caller does not reach).
  result.included = result.included.filter((r) => deps.access.mayUse('read', r.resourceType) || deps.access.mayUse('search', r.resourceType));
  for (const row of [...result.matches, ...result.included]) deps.trail.touchedRids.push(row.rid);
  const allIssues: Issue[] = [...issues, ...result.issues];

  const subset = Subsetter.applies(request.summary, request.elements) ? deps.subsetter : undefined;
  const entry = (row: SearchRow, mode: 'match' | 'include'): BundleEntryText => ({
    fields: { fullUrl: `${deps.baseUrl}/${row.resourceType}/${row.id}`, search: { mode } },
    resourceJson: subset ? JSON.stringify(subset.apply(JSON.parse(row.content), request.summary, request.elements)) : row.content,
  });
  const entries = [...result.matches.map((r) => entry(r, 'match')), ...result.included.map((r) => entry(r, 'include'))];
  if (allIssues.length) {
    entries.push({ fields: { search: { mode: 'outcome' } }, resourceJson: JSON.stringify(operationOutcome(allIssues)) });
  }
  const path =
    scope.linkPath ?? (scope.compartment ? `${scope.compartment.type}/${scope.compartment.id}/${scope.type}` : scope.type ?? '');
  const link = (page?: string) => searchUrl(deps.baseUrl, path, input.params, page);
  const links = [{ relation: 'self', url: link(request.page) }];
  if (result.next) links.push({ relation: 'next', url: link(result.next) });
  if (result.previous) links.push({ relation: 'previous', url: link(result.previous) });
  const shell = { type: 'searchset', ...(result.total !== undefined ? { total: result.total } : {}), link: links };
  return { status: 200, body: bundleJson(shell, request.summary === 'count' ? entriesForCount(entries) : entries) };
}

/** `_summary=count` returns no matches, only the total (and any outcome). */
function entriesForCount(entries: BundleEntryText[]): BundleEntryText[] {
  return entries.filter((e) => (e.fields.search as { mode: string }).mode === 'outcome');
}

/** The request's own parameters, `_page` replaced, on our base URL. */
function searchUrl(baseUrl: string, path: string, params: Array<[string, string]>, page?: string): string {
  const q = new URLSearchParams(params.filter(([name]) => name !== '_page'));
  if (page) q.set('_page', page);
  const qs = q.toString();
  return `${baseUrl}${path ? `/${path}` : ''}${qs ? `?${qs}` : ''}`;
}

/**
 * Scopes for search: every type searched needs the search permission. A system search without
 * `_type` narrows itself to the types the token may search; naming a type it may not is a 403.
 * A SMART v2 scope with a query restriction (`system/Observation.rs?category=vital-signs`)
 * allows only searches that carry one of its restrictions' parameters verbatim.
 */
function authorizeSearch(deps: InteractionDeps, scope: SearchScope, input: SearchInput, request: SearchRequest): void {
  const explicit = scope.type !== undefined || input.params.some(([name]) => name === '_type');
  if (!explicit) {
    request.types = request.types.filter((t) => deps.access.mayUse('search', t));
    if (request.types.length === 0) throw forbidden('The access token allows searching no resource type');
  }
  for (const type of request.types) {
    deps.access.requireScope('search', type);
    const restrictions = deps.access.restrictions('search', type);
    if (restrictions === null) continue;
    const given = new Set(input.params.map(([name, value]) => `${name}=${value}`));
    const satisfied = restrictions.some((alternative) => alternative.every(([name, value]) => given.has(`${name}=${value}`)));
    if (!satisfied) {
      const wanted = restrictions.map((a) => a.map(([n, v]) => `${n}=${v}`).join('&')).join(' or ');
      throw forbidden(`The access token allows searching ${type} only with ${wanted}`);
    }
  }
}

export type { SearchRequest };
