import { nonCprUuid } from '../../support/ids';
import { compileSearch, type CompileOptions } from '../../../src/store/search/compile';
import { parseSearch } from '../../../src/fhir/search/parse';
import { runSearch, type SearchResult } from '../../../src/store/search';
import { testRegistry, TEST_BASE_URL, type TestApp } from '../../support/app';

/** Create a resource through the REST API; returns its id. */
export async function create(t: TestApp, resource: Record<string, unknown>): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: `/fhir/${resource.resourceType}`,
    payload: resource,
    headers: { 'content-type': 'application/fhir+json' },
  });
  if (res.statusCode !== 201) throw new Error(`create failed ${res.statusCode}: ${res.body}`);
  return res.json().id as string;
}

/** `count` resources made by `make(i)`, created by transaction Bundles of 500. */
export async function postInTransactions(t: TestApp, count: number, make: (i: number) => { resourceType: string }): Promise<void> {
  const chunk = 500;
  for (let i = 0; i < count; i += chunk) {
    const entry = Array.from({ length: Math.min(chunk, count - i) }, (_v, j) => make(i + j)).map((resource) => ({ resource, request: { method: 'POST', url: resource.resourceType } }));
    const res = await t.app.inject({
      method: 'POST',
      url: '/fhir',
      payload: { resourceType: 'Bundle', type: 'transaction', entry },
      headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' },
    });
    if (res.statusCode !== 200) throw new Error(`transaction failed ${res.statusCode}: ${res.body.slice(0, 500)}`);
  }
}

/** An active EpisodeOfCare of `patient` with `team` (a clinician's way in). */
export async function enrol(t: TestApp, patient: string, team: string): Promise<void> {
  await create(t, { resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${patient}` }, team: [{ reference: `CareTeam/${team}` }] });
}

/** A patient's history of `count` resources made by `make(i)`, and an episode of the patient with `team`. */
export async function writeHistory(t: TestApp, count: number, make: (i: number) => { resourceType: string }, patient: string, team: string): Promise<void> {
  await postInTransactions(t, count, make);
  await enrol(t, patient, team);
}

/** Run a search the way the interaction will: parse → compile → run. */
export async function search(
  t: TestApp,
  resourceType: string | undefined,
  query: string,
  options: CompileOptions & { compartment?: { type: string; id: string }; strict?: boolean } = {},
): Promise<SearchResult> {
  const params = [...new URLSearchParams(query).entries()];
  const { request } = parseSearch(
    { resourceType, params, compartment: options.compartment, strict: options.strict },
    { registry: testRegistry(), baseUrl: TEST_BASE_URL },
  );
  return runSearch(t.pool, request, compileSearch(request, options));
}

/** Ids of the matches. */
export async function ids(t: TestApp, resourceType: string | undefined, query: string, options: CompileOptions = {}): Promise<string[]> {
  return (await search(t, resourceType, query, options)).matches.map((m) => m.id);
}

/** A unique tag so each test sees only its own data. */
export function uniqueTag(): { system: string; code: string; query: string } {
  const code = nonCprUuid();
  return { system: 'urn:kolibri:test', code, query: `_tag=urn:kolibri:test|${code}` };
}
