// https://hl7.org/fhir/R4/observation-operation-lastn.html
import { badRequest } from '../fhir/outcome';
import { parseSearch } from '../fhir/search/parse';
import { bundleJson } from './bundle-json';
import { pinnedSearch } from './pinned-search';
import type { InteractionDeps, InteractionResult } from './types';

const MAX_MAX = 100;

/**
 * The clinician dashboard's "latest N of each measurement": for each patient and code, the
 * `max` (default 1) most recent Observations matching the other parameters (any Observation
 * search parameter; `patient` or `subject` is required), under the caller's scopes and access.
 */
export async function lastn(deps: InteractionDeps, params: Array<[string, string]>): Promise<InteractionResult> {
  deps.access.requireScope('search', 'Observation');
  const maxText = params.find(([name]) => name === 'max')?.[1];
  const max = maxText === undefined ? 1 : Number(maxText);
  if (!Number.isInteger(max) || max < 1 || max > MAX_MAX) throw badRequest(`max must be an integer from 1 to ${MAX_MAX}, got '${maxText}'`, ['max']);
  const criteria = params.filter(([name]) => !['max', '_format', '_pretty'].includes(name));
  if (!criteria.some(([name]) => /^(patient|subject)(:|$)/.test(name))) {
    throw badRequest('$lastn needs the patient (or subject) whose latest observations to return', ['patient']);
  }
  const { request } = parseSearch(
    { resourceType: 'Observation', params: criteria, strict: true },
    { registry: deps.registry, baseUrl: deps.baseUrl, now: deps.clock.now() },
  );
  const rows = await pinnedSearch(request, deps.access.searchFilter(), deps.registry, (r, filter) => deps.lastN(r, max, filter), (found) => found.length === 0);
  for (const row of rows) deps.trail.touchedRids.push(row.rid);
  const entries = rows.map((row) => ({
    fields: { fullUrl: `${deps.baseUrl}/${row.resourceType}/${row.id}`, search: { mode: 'match' } },
    resourceJson: row.content,
  }));
  const self = `${deps.baseUrl}/Observation/$lastn?${new URLSearchParams(params)}`;
  return { status: 200, body: bundleJson({ type: 'searchset', total: rows.length, link: [{ relation: 'self', url: self }] }, entries) };
}
