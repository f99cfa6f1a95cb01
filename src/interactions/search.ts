// https://hl7.org/fhir/R4/search.html and https://hl7.org/fhir/R4/http.html#search
import { operationOutcome } from '../fhir/outcome';
import type { Issue } from '../fhir/issue';
import { compileSearch } from '../fhir/search/compile';
import { parseSearch } from '../fhir/search/parse';
import type { SearchRequest } from '../fhir/search/ast';
import { Subsetter } from '../fhir/subset';
import type { SearchRow } from '../store/search';
import { bundleJson, type BundleEntryText } from './bundle-json';
import type { InteractionDeps, InteractionResult } from './types';

export interface SearchScope {
  /** Type search; undefined for system search. */
  type?: string;
  /** Compartment search: `GET /fhir/Patient/{id}/{type}`. */
  compartment?: { type: string; id: string };
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
  const compiled = compileSearch(request);
  const result = await deps.runSearch(request, compiled);
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
  const path = scope.compartment
    ? `${scope.compartment.type}/${scope.compartment.id}/${scope.type}`
    : scope.type ?? '';
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

export type { SearchRequest };
