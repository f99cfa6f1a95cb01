import { randomUUID } from 'node:crypto';
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
  const code = randomUUID();
  return { system: 'urn:kolibri:test', code, query: `_tag=urn:kolibri:test|${code}` };
}
