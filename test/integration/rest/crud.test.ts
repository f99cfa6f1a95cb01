import { nonCprUuid } from '../../support/ids';
import { createTestApp, FixedClock, TEST_BASE_URL, type TestApp } from '../../support/app';

const JSON_HEADERS = { 'content-type': 'application/fhir+json' };

/** A minimal valid instance per type exercised through the full lifecycle. */
const samples: Record<string, () => Record<string, unknown>> = {
  Patient: () => ({ resourceType: 'Patient', gender: 'female', birthDate: '1950-03-01', name: [{ family: 'Jørgensen', given: ['Karen'] }] }),
  Observation: () => ({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'NPU03011', display: 'O2 sat.;Hb(aB)' }] },
    subject: { reference: 'Patient/example' },
    effectiveDateTime: '2026-05-01T08:00:00+02:00',
    valueQuantity: { value: 94, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  }),
  CarePlan: () => ({ resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: 'Patient/example' } }),
  Questionnaire: () => ({
    resourceType: 'Questionnaire',
    status: 'active',
    item: [{ linkId: '1', text: 'More breathless than usual?', type: 'choice', item: [{ linkId: '1.1', type: 'string' }] }],
  }),
  EpisodeOfCare: () => ({ resourceType: 'EpisodeOfCare', status: 'planned', patient: { reference: 'Patient/example' } }),
  Task: () => ({ resourceType: 'Task', status: 'requested', intent: 'order', priority: 'asap' }),
  MeasureReport: () => ({
    resourceType: 'MeasureReport', status: 'complete', type: 'summary', measure: 'http://example.org/Measure/x',
    period: { start: '2026-01-01', end: '2026-01-31' },
  }),
};

describe('FHIR REST lifecycle (https://hl7.org/fhir/R4/http.html)', () => {
  let t: TestApp;
  const clock = new FixedClock(new Date('2026-05-01T10:00:00.000Z'));
  beforeAll(async () => {
    t = await createTestApp({ clock });
  });
  afterAll(() => t.close());

  it.each(Object.keys(samples))('%s: create → read → update → vread → history → delete → read 410', async (type) => {
    const created = await t.app.inject({ method: 'POST', url: `/fhir/${type}`, headers: JSON_HEADERS, payload: samples[type]() });
    expect(created.statusCode).toBe(201);
    expect(created.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const body = created.json();
    expect(body.resourceType).toBe(type);
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.meta).toEqual({ versionId: '1', lastUpdated: clock.now().toISOString() });
    expect(created.headers.etag).toBe('W/"1"');
    expect(created.headers['last-modified']).toBe(clock.now().toUTCString());
    expect(created.headers.location).toBe(`${TEST_BASE_URL}/${type}/${body.id}/_history/1`);

    const read1 = await t.app.inject({ method: 'GET', url: `/fhir/${type}/${body.id}` });
    expect(read1.statusCode).toBe(200);
    expect(read1.json()).toEqual(body);
    expect(read1.headers.etag).toBe('W/"1"');

    clock.advance(1000);
    const changed = { ...samples[type](), id: body.id, language: 'da' };
    const updated = await t.app.inject({ method: 'PUT', url: `/fhir/${type}/${body.id}`, headers: { ...JSON_HEADERS, 'if-match': 'W/"1"' }, payload: changed });
    expect(updated.statusCode).toBe(200);
    expect(updated.json().meta.versionId).toBe('2');
    expect(updated.json().language).toBe('da');
    expect(updated.headers.etag).toBe('W/"2"');
    expect(updated.headers['last-modified']).toBe(clock.now().toUTCString());

    const v1 = await t.app.inject({ method: 'GET', url: `/fhir/${type}/${body.id}/_history/1` });
    expect(v1.statusCode).toBe(200);
    expect(v1.json()).toEqual(body);
    expect(v1.headers.etag).toBe('W/"1"');

    const deleted = await t.app.inject({ method: 'DELETE', url: `/fhir/${type}/${body.id}` });
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json().resourceType).toBe('OperationOutcome');

    const hist = await t.app.inject({ method: 'GET', url: `/fhir/${type}/${body.id}/_history` });
    expect(hist.statusCode).toBe(200);
    const bundle = hist.json();
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'history', total: 3 });
    expect(bundle.entry.map((e: { request: { method: string } }) => e.request.method)).toEqual(['DELETE', 'PUT', 'POST']);
    expect(bundle.entry.map((e: { response: { etag: string } }) => e.response.etag)).toEqual(['W/"3"', 'W/"2"', 'W/"1"']);
    expect(bundle.entry[0].resource).toBeUndefined();
    expect(bundle.entry[1].resource.language).toBe('da');
    expect(bundle.entry[2].fullUrl).toBe(`${TEST_BASE_URL}/${type}/${body.id}`);

    const gone = await t.app.inject({ method: 'GET', url: `/fhir/${type}/${body.id}` });
    expect(gone.statusCode).toBe(410);
    expect(gone.json().issue[0].code).toBe('deleted');
    const stillThere = await t.app.inject({ method: 'GET', url: `/fhir/${type}/${body.id}/_history/2` });
    expect(stillThere.statusCode).toBe(200);
    const vreadDeletion = await t.app.inject({ method: 'GET', url: `/fhir/${type}/${body.id}/_history/3` });
    expect(vreadDeletion.statusCode).toBe(410);
  });

  it('ignores a client-supplied id on create and assigns a new one', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: JSON_HEADERS, payload: { resourceType: 'Patient', id: 'mine' } });
    expect(res.statusCode).toBe(201);
    expect(res.json().id).not.toBe('mine');
  });

  it('creates at a client-chosen id on PUT (update-as-create) with 201 and Location', async () => {
    const id = `kolibri-${nonCprUuid()}`;
    const res = await t.app.inject({ method: 'PUT', url: `/fhir/Patient/${id}`, headers: JSON_HEADERS, payload: { resourceType: 'Patient', id } });
    expect(res.statusCode).toBe(201);
    expect(res.headers.location).toBe(`${TEST_BASE_URL}/Patient/${id}/_history/1`);
    const again = await t.app.inject({ method: 'PUT', url: `/fhir/Patient/${id}`, headers: JSON_HEADERS, payload: { resourceType: 'Patient', id, active: true } });
    expect(again.statusCode).toBe(200);
    expect(again.json().meta.versionId).toBe('2');
  });

  it('re-creates a deleted resource by PUT as the next version', async () => {
    const id = `re-${nonCprUuid()}`;
    await t.app.inject({ method: 'PUT', url: `/fhir/Patient/${id}`, headers: JSON_HEADERS, payload: { resourceType: 'Patient', id } });
    await t.app.inject({ method: 'DELETE', url: `/fhir/Patient/${id}` });
    const back = await t.app.inject({ method: 'PUT', url: `/fhir/Patient/${id}`, headers: JSON_HEADERS, payload: { resourceType: 'Patient', id } });
    expect(back.statusCode).toBe(201);
    expect(back.json().meta.versionId).toBe('3');
    expect((await t.app.inject({ method: 'GET', url: `/fhir/Patient/${id}` })).statusCode).toBe(200);
  });

  it('deleting an absent or already deleted resource changes nothing', async () => {
    const id = `absent-${nonCprUuid()}`;
    const res = await t.app.inject({ method: 'DELETE', url: `/fhir/Patient/${id}` });
    expect(res.statusCode).toBe(200);
    // a resource that never existed has no history: 404, as for a read
    const hist = await t.app.inject({ method: 'GET', url: `/fhir/Patient/${id}/_history` });
    expect(hist.statusCode).toBe(404);
  });

  it('answers 404 with an OperationOutcome for an unknown id, an unknown type and an unknown version', async () => {
    for (const url of [`/fhir/Patient/${nonCprUuid()}`, '/fhir/Foo/1', `/fhir/Patient/${nonCprUuid()}/_history/1`, '/fhir/nothing/here/at/all/x']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(404);
      expect(res.json().resourceType).toBe('OperationOutcome');
    }
  });

  it('honours Prefer: return=minimal and return=OperationOutcome', async () => {
    const minimal = await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: { ...JSON_HEADERS, prefer: 'return=minimal' }, payload: { resourceType: 'Patient' } });
    expect(minimal.statusCode).toBe(201);
    expect(minimal.body).toBe('');
    expect(minimal.headers.location).toMatch(/\/Patient\/.+\/_history\/1$/);
    const oo = await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: { ...JSON_HEADERS, prefer: 'return=OperationOutcome' }, payload: { resourceType: 'Patient' } });
    expect(oo.statusCode).toBe(201);
    expect(oo.json().resourceType).toBe('OperationOutcome');
  });

  it('accepts application/json, pretty-prints with _pretty and refuses XML with 406', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/fhir/Patient?_pretty=true', headers: { 'content-type': 'application/json' }, payload: { resourceType: 'Patient' } });
    expect(res.statusCode).toBe(201);
    expect(res.body).toContain('\n  "resourceType": "Patient"');
    const xml = await t.app.inject({ method: 'GET', url: `/fhir/Patient/${res.json().id}?_format=xml` });
    expect(xml.statusCode).toBe(406);
    const acceptXml = await t.app.inject({ method: 'GET', url: `/fhir/Patient/${res.json().id}`, headers: { accept: 'application/fhir+xml' } });
    expect(acceptXml.statusCode).toBe(406);
  });

  it('answers 405 with Allow for methods without an interaction', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/fhir/Patient/123', headers: JSON_HEADERS, payload: { resourceType: 'Patient' } });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, PUT, PATCH, DELETE');
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('answers 405 for PUT to a new id when update-as-create is switched off', async () => {
    const strict = await createTestApp({ updateCreate: false });
    try {
      const res = await strict.app.inject({ method: 'PUT', url: `/fhir/Patient/${nonCprUuid()}`, headers: JSON_HEADERS, payload: { resourceType: 'Patient', id: 'x' } });
      expect(res.statusCode).toBe(400); // id mismatch is checked first
      const id = nonCprUuid();
      const res2 = await strict.app.inject({ method: 'PUT', url: `/fhir/Patient/${id}`, headers: JSON_HEADERS, payload: { resourceType: 'Patient', id } });
      expect(res2.statusCode).toBe(405);
      const meta = (await strict.app.inject({ method: 'GET', url: '/fhir/metadata' })).json();
      expect(meta.rest[0].resource.find((r: { type: string }) => r.type === 'Patient').updateCreate).toBe(false);
    } finally {
      await strict.close();
    }
  });

  it('echoes a sane X-Request-Id and makes one otherwise', async () => {
    const given = await t.app.inject({ method: 'GET', url: '/fhir/metadata', headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers['x-request-id']).toBe('trace-123');
    const made = await t.app.inject({ method: 'GET', url: '/fhir/metadata', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
