import { nonCprUuid } from '../../support/ids';
import { createTestApp, type TestApp } from '../../support/app';

const JSON_HEADERS = { 'content-type': 'application/fhir+json' };
const CPR = 'urn:oid:1.2.208.176.1.2';

/** Conditional create, update and delete (https://hl7.org/fhir/R4/http.html#ccreate), under concurrency. */
describe('conditional interactions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const cpr = () => String(Math.floor(1e9 + Math.random() * 8e9));
  const patient = (value: string, extra: Record<string, unknown> = {}) => ({ resourceType: 'Patient', identifier: [{ system: CPR, value }], ...extra });
  const count = async (value: string) =>
    (await t.pool.query(`SELECT count(*)::int AS n FROM resource WHERE resource_type = 'Patient' AND NOT deleted AND content LIKE '%' || $1 || '%'`, [value])).rows[0].n;

  it('50 concurrent If-None-Exist creates make exactly one resource; 49 answers point at it with 200', async () => {
    const value = cpr();
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: { ...JSON_HEADERS, 'if-none-exist': `identifier=${CPR}|${value}` }, payload: patient(value) }),
      ),
    );
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(49);
    expect(new Set(results.map((r) => r.json().id)).size).toBe(1);
    expect(new Set(results.map((r) => r.headers.location)).size).toBe(1);
    expect(await count(value)).toBe(1);
  });

  it('If-None-Exist matching two resources answers 412 and creates nothing', async () => {
    const value = cpr();
    for (let i = 0; i < 2; i++) await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: JSON_HEADERS, payload: patient(value) });
    const res = await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: { ...JSON_HEADERS, 'if-none-exist': `identifier=${CPR}|${value}` }, payload: patient(value) });
    expect(res.statusCode).toBe(412);
    expect(await count(value)).toBe(2);
  });

  it('conditional update creates on no match, updates the one match, and refuses several', async () => {
    const value = cpr();
    const url = `/fhir/Patient?identifier=${encodeURIComponent(`${CPR}|${value}`)}`;
    const first = await t.app.inject({ method: 'PUT', url, headers: JSON_HEADERS, payload: patient(value, { gender: 'female' }) });
    expect(first.statusCode).toBe(201);
    const second = await t.app.inject({ method: 'PUT', url, headers: JSON_HEADERS, payload: patient(value, { gender: 'male' }) });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ id: first.json().id, gender: 'male', meta: { versionId: '2' } });
    await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: JSON_HEADERS, payload: patient(value) });
    const many = await t.app.inject({ method: 'PUT', url, headers: JSON_HEADERS, payload: patient(value) });
    expect(many.statusCode).toBe(412);
  });

  it('20 concurrent conditional updates of a new identifier create one resource and update it 19 times', async () => {
    const value = cpr();
    const url = `/fhir/Patient?identifier=${encodeURIComponent(`${CPR}|${value}`)}`;
    const results = await Promise.all(Array.from({ length: 20 }, () => t.app.inject({ method: 'PUT', url, headers: JSON_HEADERS, payload: patient(value) })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([...Array(19).fill(200), 201].sort());
    expect(await count(value)).toBe(1);
  });

  it('conditional delete deletes the one match, does nothing on none, and refuses several', async () => {
    const value = cpr();
    const url = `/fhir/Patient?identifier=${encodeURIComponent(`${CPR}|${value}`)}`;
    expect((await t.app.inject({ method: 'DELETE', url })).statusCode).toBe(200);
    await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: JSON_HEADERS, payload: patient(value) });
    expect((await t.app.inject({ method: 'DELETE', url })).statusCode).toBe(200);
    expect(await count(value)).toBe(0);
    for (let i = 0; i < 2; i++) await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: JSON_HEADERS, payload: patient(value) });
    expect((await t.app.inject({ method: 'DELETE', url })).statusCode).toBe(412);
    expect(await count(value)).toBe(2);
  });

  it('conditional patch patches the one match, answers 404 for none and 412 for several', async () => {
    const value = cpr();
    const url = `/fhir/Patient?identifier=${encodeURIComponent(`${CPR}|${value}`)}`;
    const patchHeaders = { 'content-type': 'application/json-patch+json' };
    const ops = [{ op: 'add', path: '/active', value: true }];
    expect((await t.app.inject({ method: 'PATCH', url, headers: patchHeaders, payload: ops })).statusCode).toBe(404);
    const created = (await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: JSON_HEADERS, payload: patient(value) })).json();
    const patched = await t.app.inject({ method: 'PATCH', url, headers: patchHeaders, payload: ops });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ id: created.id, active: true, meta: { versionId: '2' } });
    await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: JSON_HEADERS, payload: patient(value) });
    expect((await t.app.inject({ method: 'PATCH', url, headers: patchHeaders, payload: ops })).statusCode).toBe(412);
  });

  it('deletes every match when multiple conditional deletes are enabled (KOLIBRI_CONDITIONAL_DELETE_MULTIPLE)', async () => {
    const multiple = await createTestApp({ conditionalDeleteMultiple: true });
    try {
      const value = cpr();
      for (let i = 0; i < 3; i++) await multiple.app.inject({ method: 'POST', url: '/fhir/Patient', headers: JSON_HEADERS, payload: patient(value) });
      const res = await multiple.app.inject({ method: 'DELETE', url: `/fhir/Patient?identifier=${encodeURIComponent(`${CPR}|${value}`)}` });
      expect(res.statusCode).toBe(200);
      expect(res.json().issue[0].diagnostics).toContain('Deleted 3 Patient');
      expect(await count(value)).toBe(0);
      const cs = (await multiple.app.inject({ method: 'GET', url: '/fhir/metadata' })).json();
      expect(cs.rest[0].resource.find((r: { type: string }) => r.type === 'Patient').conditionalDelete).toBe('multiple');
    } finally {
      await multiple.close();
    }
  });

  it('declares conditional create, update and single delete in the CapabilityStatement', async () => {
    const cs = (await t.app.inject({ method: 'GET', url: '/fhir/metadata' })).json();
    expect(cs.rest[0].resource.find((r: { type: string }) => r.type === 'Patient')).toMatchObject({
      conditionalCreate: true,
      conditionalUpdate: true,
      conditionalDelete: 'single',
    });
  });

  it('refuses a conditional update whose body names another id than the match (400)', async () => {
    const value = cpr();
    const created = (await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: JSON_HEADERS, payload: patient(value) })).json();
    const url = `/fhir/Patient?identifier=${encodeURIComponent(`${CPR}|${value}`)}`;
    const res = await t.app.inject({ method: 'PUT', url, headers: JSON_HEADERS, payload: { ...patient(value), id: 'some-other-id' } });
    expect(res.statusCode).toBe(400);
    const same = await t.app.inject({ method: 'PUT', url, headers: JSON_HEADERS, payload: { ...patient(value), id: created.id, active: true } });
    expect(same.statusCode).toBe(200);
  });

  it('refuses criteria with an unknown parameter (it would widen the match) and empty criteria', async () => {
    const res = await t.app.inject({ method: 'PUT', url: '/fhir/Patient?shoe-size=42', headers: JSON_HEADERS, payload: patient(cpr()) });
    expect(res.statusCode).toBe(400);
    expect((await t.app.inject({ method: 'DELETE', url: '/fhir/Patient' })).statusCode).toBe(400);
  });

  it('resolves conditional references in a transaction', async () => {
    const value = cpr();
    const created = (await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: JSON_HEADERS, payload: patient(value) })).json();
    const marker = nonCprUuid();
    const res = await t.app.inject({
      method: 'POST',
      url: '/fhir',
      headers: JSON_HEADERS,
      payload: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            resource: { resourceType: 'Observation', status: 'final', code: { text: marker }, subject: { reference: `Patient?identifier=${CPR}|${value}` } },
            request: { method: 'POST', url: 'Observation' },
          },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    const location = res.json().entry[0].response.location as string;
    const obs = (await t.app.inject({ method: 'GET', url: `/fhir/${location.split('/fhir/')[1].split('/_history')[0]}` })).json();
    expect(obs.subject.reference).toBe(`Patient/${created.id}`);
  });
});
