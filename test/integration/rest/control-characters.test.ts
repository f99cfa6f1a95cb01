import { nonCprUuid } from '../../support/ids';
import { createTestApp, type TestApp } from '../../support/app';

/**
 * U+0000 anywhere in a request used to reach PostgreSQL (which cannot hold it in text: SQLSTATE
 * 22021 / 22P05) and answer 500. Every shape must be a 400 OperationOutcome and write nothing.
 */

const FHIR = { 'content-type': 'application/fhir+json' };
const JSON_PATCH = { 'content-type': 'application/json-patch+json' };

/** Versions carrying the marker, plus the versions of the fixture patient (other test files write in parallel). */
async function footprint(t: TestApp, marker: string, patientId: string): Promise<number> {
  const { rows } = await t.pool.query(
    `SELECT count(*)::int AS n FROM resource_version WHERE content LIKE '%' || $1 || '%' OR (resource_type = 'Patient' AND id = $2)`,
    [marker, patientId],
  );
  return rows[0].n;
}

describe('a NUL character anywhere in a request is a 400 OperationOutcome', () => {
  let t: TestApp;
  let patientId: string;
  beforeAll(async () => {
    t = await createTestApp();
    patientId = (await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: FHIR, payload: { resourceType: 'Patient', name: [{ family: nonCprUuid() }] } })).json().id;
  });
  afterAll(() => t.close());

  const reads = [
    '/fhir/Patient?name=%00',
    '/fhir/Patient?name:exact=a%00b',
    '/fhir/Patient?identifier=urn:oid:1.2%00|123',
    '/fhir/Observation?subject=Patient/%00',
    '/fhir/Observation?date=ge2026%00',
    '/fhir/RiskAssessment?probability=gt0.5%00',
    '/fhir/Observation?value-quantity=5|http://unitsofmeasure.org|mm%00',
    '/fhir/Questionnaire?url=http://x%00',
    '/fhir/Observation?code-value-quantity=http://loinc.org|8867-4$gt%0050',
    '/fhir/Patient?_id=a%00',
    '/fhir/Patient?_sort=name%00',
    '/fhir/Patient?_include=Patient:general-practitioner%00',
    '/fhir/Patient?_has:Observation:patient:code=%00',
    '/fhir/Observation?subject:Patient.name=%00',
    '/fhir/Patient?na%00me=x',
    '/fhir/Observation/$lastn?patient=%00',
    '/fhir/Patient/_history?_since=2026-01-01%00',
    '/fhir/Patient/%00',
    `/fhir/Patient/${'a%00b'}/_history`,
    // a `_page` token whose sort key holds U+0000 (base64url of {"d":"n","k":["\u0000"],"r":"1","s":"name"})
    `/fhir/Patient?_sort=name&_page=${Buffer.from(JSON.stringify({ d: 'n', k: ['\u0000'], r: '1', s: 'name' })).toString('base64url')}`,
  ];

  it.each(reads)('GET %s', async (url) => {
    const res = await t.app.inject({ method: 'GET', url });
    expect([url, res.statusCode]).toEqual([url, 400]);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('names the parameter in the diagnostics and the expression', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/fhir/Patient?birthdate=2000&name=a%00' });
    expect(res.statusCode).toBe(400);
    expect(res.json().issue[0]).toMatchObject({ code: 'invalid', expression: ['name'] });
    expect(res.json().issue[0].diagnostics).toContain('U+0000');
  });

  const marker = nonCprUuid();
  const text = [{ text: marker }];
  const writes = (): Array<{ name: string; method: 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; payload?: unknown; headers?: Record<string, string> }> => [
    { name: 'family in a create', method: 'POST', url: '/fhir/Patient', payload: { resourceType: 'Patient', name: [{ family: 'a\u0000b' }, ...text] } },
    { name: 'a property name', method: 'POST', url: '/fhir/Patient', payload: { resourceType: 'Patient', name: text, ['gen\u0000der']: 'male' } },
    { name: 'family in an update', method: 'PUT', url: `/fhir/Patient/${patientId}`, payload: { resourceType: 'Patient', id: patientId, name: [{ family: 'a\u0000' }, ...text] } },
    { name: 'a JSON Patch value', method: 'PATCH', url: `/fhir/Patient/${patientId}`, headers: JSON_PATCH, payload: [{ op: 'add', path: '/name/0/family', value: `${marker}\u0000` }] },
    {
      name: 'a transaction entry',
      method: 'POST',
      url: '/fhir',
      payload: { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Patient', name: [{ family: 'x\u0000' }, ...text] }, request: { method: 'POST', url: 'Patient' } }] },
    },
    {
      name: 'a transaction entry url (criteria)',
      method: 'POST',
      url: '/fhir',
      payload: { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'DELETE', url: 'Patient?name=%00' } }] },
    },
    { name: 'If-None-Exist criteria', method: 'POST', url: '/fhir/Patient', headers: { 'if-none-exist': 'name=%00' }, payload: { resourceType: 'Patient', name: text } },
    { name: 'If-Match', method: 'PUT', url: `/fhir/Patient/${patientId}`, headers: { 'if-match': 'W/"1\u0000"' }, payload: { resourceType: 'Patient', id: patientId, name: text } },
    { name: 'conditional update criteria', method: 'PUT', url: '/fhir/Patient?identifier=%00', payload: { resourceType: 'Patient', name: text } },
    { name: 'conditional delete criteria', method: 'DELETE', url: '/fhir/Patient?name=%00' },
    { name: 'a path id on delete', method: 'DELETE', url: '/fhir/Patient/%00' },
  ];

  it.each(writes().map((w) => [w.name]))('writes nothing for U+0000 in %s', async (name) => {
    const w = writes().find((x) => x.name === name)!;
    const before = await footprint(t, marker, patientId);
    const res = await t.app.inject({ method: w.method, url: w.url, payload: w.payload as object, headers: { ...FHIR, ...w.headers } });
    expect([name, res.statusCode]).toEqual([name, 400]);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(await footprint(t, marker, patientId)).toBe(before);
  });

  it('POST _search with U+0000 in a form value', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/fhir/Patient/_search', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=%00' });
    expect(res.statusCode).toBe(400);
    expect(res.json().issue[0].expression).toEqual(['name']);
  });

  it('names the element holding U+0000 in a body', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: FHIR, payload: { resourceType: 'Patient', name: [{ given: ['ok', 'b\u0000'] }] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().issue[0].expression).toEqual(['Patient.name[0].given[1]']);
  });

  it('other control characters in a string element are invalid string content (422)', async () => {
    const marker = nonCprUuid();
    const res = await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: FHIR, payload: { resourceType: 'Patient', name: [{ family: `${marker}\u0007` }] } });
    expect(res.statusCode).toBe(422);
    expect(res.json().issue[0]).toMatchObject({ code: 'value', expression: ['Patient.name[0].family'] });
    const tabbed = await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: FHIR, payload: { resourceType: 'Patient', name: [{ family: `${marker}\tx` }] } });
    expect(tabbed.statusCode).toBe(201);
  });
});
