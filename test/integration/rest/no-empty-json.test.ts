import { nonCprUuid } from '../../support/ids';
import { createTestApp, type TestApp } from '../../support/app';

/**
 * FHIR JSON has no empty arrays or objects (https://hl7.org/fhir/R4/json.html: "arrays SHALL
 * NOT be empty", "Objects are never empty"). Every body of a broad set of requests — searches
 * with and without matches, history at each level, transactions and batches (failing entries
 * included), operations, errors and the CapabilityStatement — is walked for them.
 */
describe('no empty arrays or objects in any FHIR JSON answer', () => {
  let t: TestApp;
  const family = `Tom-${nonCprUuid()}`;
  let patient = '';
  let observation = '';
  beforeAll(async () => {
    t = await createTestApp();
    const post = async (resource: Record<string, unknown>) => {
      const res = await t.app.inject({ method: 'POST', url: `/fhir/${resource.resourceType}`, headers: { 'content-type': 'application/fhir+json' }, payload: resource });
      if (res.statusCode !== 201) throw new Error(`${res.statusCode} ${res.body}`);
      return res.json().id as string;
    };
    patient = await post({ resourceType: 'Patient', name: [{ family }] });
    observation = await post({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '59408-5' }] },
      subject: { reference: `Patient/${patient}` },
      effectiveDateTime: '2026-05-01T08:00:00Z',
      valueQuantity: { value: 95, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
    });
  });
  afterAll(() => t.close());

  /** Paths (`$.entry`) of every empty array or object in a value. */
  function empties(value: unknown, path = '$'): string[] {
    if (Array.isArray(value)) return value.length ? value.flatMap((v, i) => empties(v, `${path}[${i}]`)) : [path];
    if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      return entries.length ? entries.flatMap(([k, v]) => empties(v, `${path}.${k}`)) : [path];
    }
    return [];
  }

  const json = 'application/fhir+json';
  const bundle = (type: string, entry?: unknown[]) => ({ resourceType: 'Bundle', type, ...(entry ? { entry } : {}) });
  interface Request {
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    url: string;
    payload?: unknown;
    contentType?: string;
    headers?: Record<string, string>;
  }
  const requests = (): Request[] => [
    { method: 'GET', url: '/fhir/metadata' },
    { method: 'GET', url: `/fhir/Patient?family=nobody-${nonCprUuid()}` },
    { method: 'GET', url: `/fhir/Patient?family=nobody-${nonCprUuid()}&_summary=count` },
    { method: 'GET', url: `/fhir/Patient?family=${family}` },
    { method: 'GET', url: `/fhir/Patient?family=${family}&_summary=count` },
    { method: 'GET', url: `/fhir/Patient?family=${family}&_revinclude=Observation:subject` },
    { method: 'GET', url: `/fhir/Observation?subject=Patient/${patient}&_include=Observation:subject&_elements=status` },
    { method: 'GET', url: `/fhir/Observation?_id=${nonCprUuid()}&_include=Observation:subject` },
    { method: 'POST', url: '/fhir/Patient/_search', payload: `family=nobody-${nonCprUuid()}`, contentType: 'application/x-www-form-urlencoded' },
    { method: 'GET', url: `/fhir?_type=Patient&_id=${nonCprUuid()}` },
    { method: 'GET', url: `/fhir/Patient/${patient}/Observation?code=nothing-${nonCprUuid()}` },
    { method: 'GET', url: `/fhir/Patient/${patient}/_history` },
    { method: 'GET', url: `/fhir/Patient/${nonCprUuid()}/_history` },
    { method: 'GET', url: `/fhir/Patient/_history?_since=2999-01-01T00:00:00Z` },
    { method: 'GET', url: `/fhir/_history?_since=2999-01-01T00:00:00Z` },
    { method: 'GET', url: `/fhir/_history?_count=3` },
    { method: 'POST', url: '/fhir', payload: bundle('transaction', []) },
    { method: 'POST', url: '/fhir', payload: bundle('batch', []) },
    { method: 'POST', url: '/fhir', payload: bundle('transaction') },
    { method: 'POST', url: '/fhir', payload: bundle('batch') },
    {
      method: 'POST',
      url: '/fhir',
      payload: bundle('batch', [
        { request: { method: 'GET', url: `Patient?family=nobody-${nonCprUuid()}` } },
        { request: { method: 'GET', url: `Patient/${nonCprUuid()}` } },
        { request: { method: 'DELETE', url: `Patient/${nonCprUuid()}` } },
        { resource: { resourceType: 'Patient', birthDate: 'not a date' }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Basic', code: { text: 'x' } }, request: { method: 'POST', url: 'Basic' } },
      ]),
    },
    {
      method: 'POST',
      url: '/fhir',
      payload: bundle('transaction', [
        { fullUrl: 'urn:uuid:1b3c4a7e-0000-4000-8000-000000000001', resource: { resourceType: 'Patient', name: [{ family }] }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'GET', url: `Patient?family=nobody-${nonCprUuid()}` } },
      ]),
    },
    { method: 'POST', url: '/fhir', headers: { prefer: 'return=minimal' }, payload: bundle('batch', [{ resource: { resourceType: 'Basic', code: { text: 'y' } }, request: { method: 'POST', url: 'Basic' } }]) },
    { method: 'POST', url: '/fhir/Patient/$validate', payload: { resourceType: 'Patient' } },
    { method: 'POST', url: '/fhir/Patient/$validate', payload: { resourceType: 'Patient', gender: 'nope' } },
    { method: 'GET', url: `/fhir/Patient/${patient}/$everything` },
    { method: 'GET', url: `/fhir/Observation/$lastn?patient=${patient}` },
    { method: 'GET', url: `/fhir/Observation/$lastn?patient=${nonCprUuid()}` },
    // errors
    { method: 'GET', url: `/fhir/Patient/${nonCprUuid()}` },
    { method: 'GET', url: '/fhir/NoSuchType/1' },
    { method: 'GET', url: '/fhir/Patient?unknown-param=1', headers: { prefer: 'handling=strict' } },
    { method: 'POST', url: '/fhir/Patient', payload: { resourceType: 'Patient', gender: 'nope' } },
    { method: 'POST', url: '/fhir/Patient', payload: '{not json' },
    { method: 'POST', url: '/fhir/Patient', payload: '<Patient/>', contentType: 'application/fhir+xml' },
    { method: 'GET', url: `/fhir/Patient/${patient}?_format=xml` },
    { method: 'POST', url: `/fhir/Patient/${patient}`, payload: {} },
    { method: 'PUT', url: `/fhir/Observation/${observation}`, payload: { resourceType: 'Observation', id: observation, status: 'final', code: { text: 'x' } }, headers: { 'if-match': 'W/"99"' } },
    { method: 'GET', url: '/nowhere' },
  ];

  it('walks every body', async () => {
    const found: Record<string, string[]> = {};
    let walked = 0;
    for (const [i, r] of requests().entries()) {
      const res = await t.app.inject({
        method: r.method,
        url: r.url,
        headers: { ...(r.payload !== undefined ? { 'content-type': r.contentType ?? json } : {}), ...r.headers },
        ...(r.payload !== undefined ? { payload: typeof r.payload === 'string' ? r.payload : JSON.stringify(r.payload) } : {}),
      });
      if (!res.body) continue;
      walked++;
      const paths = empties(JSON.parse(res.body));
      if (paths.length) found[`#${i} ${r.method} ${r.url} → ${res.statusCode}`] = paths;
    }
    expect(found).toEqual({});
    expect(walked).toBeGreaterThan(35);
  });
});
