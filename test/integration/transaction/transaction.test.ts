import { nonCprUuid } from '../../support/ids';
import { createTestApp, FixedClock, type TestApp } from '../../support/app';

const FHIR = { 'content-type': 'application/fhir+json' };

type Entry = Record<string, unknown>;
const post = (fullUrl: string, resource: Record<string, unknown>): Entry => ({ fullUrl, resource, request: { method: 'POST', url: resource.resourceType } });
const put = (resource: Record<string, unknown>, extra: Record<string, unknown> = {}): Entry => ({
  resource,
  request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}`, ...extra },
});
const bundle = (entry: Entry[], type = 'transaction') => ({ resourceType: 'Bundle', type, entry });

describe('transaction (https://hl7.org/fhir/R4/http.html#transaction)', () => {
  let t: TestApp;
  const clock = new FixedClock(new Date(`2031-0${1 + Math.floor(Math.random() * 9)}-1${Math.floor(Math.random() * 9)}T10:00:00.000Z`));
  beforeAll(async () => {
    t = await createTestApp({ clock });
  });
  afterAll(() => t.close());
  beforeEach(() => clock.advance(1000 + Math.floor(Math.random() * 1000)));

  const send = (body: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/fhir', headers: { ...FHIR, ...headers }, payload: JSON.stringify(body) });
  const read = async (ref: string) => (await t.app.inject({ method: 'GET', url: `/fhir/${ref}` })).json();
  const rowsAt = async (instant: string) => {
    const { rows } = await t.pool.query(
      `SELECT (SELECT count(*)::int FROM resource WHERE last_updated = $1) AS current,
              (SELECT count(*)::int FROM resource_version WHERE last_updated = $1) AS versions`,
      [instant],
    );
    return rows[0];
  };

  it('writes nothing when the 10th entry is invalid, and names that entry (Bundle.entry[9])', async () => {
    const marker = nonCprUuid();
    const existing = (await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: FHIR, payload: { resourceType: 'Patient', active: true } })).json();
    clock.advance(1000);
    const instant = clock.now().toISOString();
    const entries: Entry[] = [
      put({ resourceType: 'Patient', id: existing.id, active: false }),
      { request: { method: 'DELETE', url: `Patient/${existing.id}-gone` } },
      ...Array.from({ length: 7 }, (_, i) => post(`urn:uuid:${nonCprUuid()}`, { resourceType: 'Observation', status: 'final', code: { text: `${marker}-${i}` } })),
      post(`urn:uuid:${nonCprUuid()}`, { resourceType: 'Observation', status: 5, code: { text: marker } }),
      post(`urn:uuid:${nonCprUuid()}`, { resourceType: 'Observation', status: 'final', code: { text: marker } }),
      put({ resourceType: 'Patient', id: `tx-${marker}` }),
    ];
    const before = await t.pool.query(`SELECT count(*)::int AS n FROM resource_version WHERE content LIKE $1 OR id = $2`, [`%${marker}%`, `tx-${marker}`]);
    const res = await send(bundle(entries));
    expect(res.statusCode).toBe(422);
    const outcome = res.json();
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0].diagnostics).toMatch(/^Entry 10 of 12 \(Bundle\.entry\[9\], POST Observation\)/);
    expect(outcome.issue[0].expression).toEqual(expect.arrayContaining(['Bundle.entry[9]', 'Bundle.entry[9].resource.status']));
    expect(await rowsAt(instant)).toEqual({ current: 0, versions: 0 });
    const after = await t.pool.query(`SELECT count(*)::int AS n FROM resource_version WHERE content LIKE $1 OR id = $2`, [`%${marker}%`, `tx-${marker}`]);
    expect(after.rows[0].n).toBe(before.rows[0].n);
    expect((await read(`Patient/${existing.id}`)).active).toBe(true);
  });

  it('rewrites urn:uuid references at any depth: extensions, contained resources, backbone elements, uri fields', async () => {
    const patientUrl = `urn:uuid:${nonCprUuid()}`;
    const practitionerUrl = `urn:uuid:${nonCprUuid()}`;
    const goalUrl = `urn:uuid:${nonCprUuid()}`;
    const carePlan = {
      resourceType: 'CarePlan',
      status: 'active',
      intent: 'plan',
      subject: { reference: patientUrl },
      extension: [
        { url: 'http://kolibri.dk/ext/responsible', valueReference: { reference: practitionerUrl } },
        { url: 'http://kolibri.dk/ext/nested', extension: [{ url: 'inner', valueReference: { reference: patientUrl } }] },
      ],
      _status: { extension: [{ url: 'http://kolibri.dk/ext/by', valueReference: { reference: practitionerUrl } }] },
      contained: [{ resourceType: 'Observation', id: 'baseline', status: 'final', code: { text: 'baseline' }, subject: { reference: patientUrl } }],
      supportingInfo: [{ reference: '#baseline' }],
      goal: [{ reference: goalUrl }],
      activity: [{ detail: { status: 'scheduled', performer: [{ reference: practitionerUrl }], kind: 'ServiceRequest' }, outcomeReference: [{ reference: '#baseline' }] }],
      instantiatesUri: [patientUrl],
      text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml"><a href="${patientUrl}">patient</a></div>` },
      note: [{ text: patientUrl }],
    };
    const res = await send(
      bundle([
        post(`urn:uuid:${nonCprUuid()}`, carePlan),
        post(goalUrl, { resourceType: 'Goal', lifecycleStatus: 'active', description: { text: 'SpO2 ≥ 92' }, subject: { reference: patientUrl } }),
        post(patientUrl, { resourceType: 'Patient', generalPractitioner: [{ reference: practitionerUrl }] }),
        post(practitionerUrl, { resourceType: 'Practitioner', name: [{ family: 'Lund' }] }),
      ]),
    );
    expect(res.statusCode).toBe(200);
    const out = res.json();
    expect(out.type).toBe('transaction-response');
    const [cpRef, goalRef, patientRef, practitionerRef] = out.entry.map((e: { response: { location: string } }) =>
      e.response.location.replace('http://kolibri.test/fhir/', '').replace(/\/_history\/\d+$/, ''),
    );
    expect(patientRef).toMatch(/^Patient\/[0-9a-f-]{36}$/);
    const cp = await read(cpRef);
    expect(cp.subject.reference).toBe(patientRef);
    expect(cp.extension[0].valueReference.reference).toBe(practitionerRef);
    expect(cp.extension[1].extension[0].valueReference.reference).toBe(patientRef);
    expect(cp._status.extension[0].valueReference.reference).toBe(practitionerRef);
    expect(cp.contained[0].subject.reference).toBe(patientRef);
    expect(cp.supportingInfo[0].reference).toBe('#baseline');
    expect(cp.goal[0].reference).toBe(goalRef);
    expect(cp.activity[0].detail.performer[0].reference).toBe(practitionerRef);
    expect(cp.instantiatesUri[0]).toBe(patientRef);
    expect(cp.text.div).toContain(`href="${patientRef}"`);
    expect(cp.note[0].text).toBe(patientUrl); // a string, not a uri: left alone
    expect((await read(patientRef)).generalPractitioner[0].reference).toBe(practitionerRef);
    expect((await read(goalRef)).subject.reference).toBe(patientRef);
  });

  it('resolves relative references against an absolute RESTful fullUrl', async () => {
    const res = await send(
      bundle([
        post('http://example.org/fhir/Observation/o1', { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p1' } }),
        post('http://example.org/fhir/Patient/p1', { resourceType: 'Patient' }),
      ]),
    );
    expect(res.statusCode).toBe(200);
    const [obs, patient] = res.json().entry.map((e: { fullUrl: string }) => e.fullUrl.replace('http://kolibri.test/fhir/', ''));
    expect((await read(obs)).subject.reference).toBe(patient);
  });

  it('processes DELETE, then POST, then PUT/PATCH, then GET, and answers in request order', async () => {
    const a = (await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: FHIR, payload: { resourceType: 'Patient', active: true } })).json();
    const b = (await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: FHIR, payload: { resourceType: 'Patient' } })).json();
    const newUrl = `urn:uuid:${nonCprUuid()}`;
    const res = await send(
      bundle([
        { request: { method: 'GET', url: `Patient/${a.id}` } },
        {
          request: { method: 'PATCH', url: `Patient/${a.id}` },
          resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: Buffer.from(JSON.stringify([{ op: 'replace', path: '/active', value: false }])).toString('base64') },
        },
        post(newUrl, { resourceType: 'Patient', link: [{ other: { reference: `Patient/${a.id}` }, type: 'seealso' }] }),
        { request: { method: 'DELETE', url: `Patient/${b.id}` } },
      ]),
    );
    expect(res.statusCode).toBe(200);
    const entries = res.json().entry;
    // the bundle's writes, as the change log has them (one transaction, in the order they were made)
    const created = (entries[2].response.location as string).split('/')[5];
    const { rows } = await t.pool.query(
      `SELECT txid::text, operation, id FROM change_log WHERE resource_type = 'Patient' AND ((id = ANY($1) AND version_id = 2) OR id = $2) ORDER BY txid, seq`,
      [[a.id, b.id], created],
    );
    expect(new Set(rows.map((r) => r.txid)).size).toBe(1);
    expect(rows.map((c) => [c.operation, c.id === a.id ? 'a' : c.id === b.id ? 'b' : 'new'])).toEqual([
      ['delete', 'b'],
      ['create', 'new'],
      ['update', 'a'],
    ]);
    // The GET ran last: it sees the patched version.
    expect(entries[0].response).toMatchObject({ status: '200 OK', etag: 'W/"2"' });
    expect(entries[0].resource.active).toBe(false);
    expect(entries[1].response).toMatchObject({ status: '200 OK', etag: 'W/"2"' });
    expect(entries[2].response).toMatchObject({ status: '201 Created', etag: 'W/"1"', lastModified: clock.now().toISOString() });
    expect(entries[2].response.location).toMatch(/^http:\/\/kolibri\.test\/fhir\/Patient\/[0-9a-f-]{36}\/_history\/1$/);
    expect(entries[3].response.status).toBe('200 OK');
    expect((await t.app.inject({ method: 'GET', url: `/fhir/Patient/${b.id}` })).statusCode).toBe(410);
  });

  it('fails as a whole on an entry whose If-Match does not match (412), naming it', async () => {
    const p = (await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: FHIR, payload: { resourceType: 'Patient', active: true } })).json();
    const marker = nonCprUuid();
    const res = await send(
      bundle([
        post(`urn:uuid:${nonCprUuid()}`, { resourceType: 'Patient', name: [{ family: marker }] }),
        put({ resourceType: 'Patient', id: p.id, active: false }, { ifMatch: 'W/"3"' }),
      ]),
    );
    expect(res.statusCode).toBe(412);
    expect(res.json().issue[0].diagnostics).toMatch(/^Entry 2 of 2 \(Bundle\.entry\[1\], PUT Patient\//);
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM resource WHERE content LIKE $1`, [`%${marker}%`]);
    expect(rows[0].n).toBe(0);
    const ok = await send(bundle([put({ resourceType: 'Patient', id: p.id, active: false }, { ifMatch: 'W/"1"' })]));
    expect(ok.statusCode).toBe(200);
    expect(ok.json().entry[0].response.etag).toBe('W/"2"');
  });

  it('fails as a whole with 400 naming the entry when a urn:uuid reference is no entry\'s fullUrl, and stores nothing', async () => {
    const marker = nonCprUuid();
    const patientUrl = `urn:uuid:${nonCprUuid()}`;
    const nowhere = `urn:uuid:${nonCprUuid()}`;
    const res = await send(
      bundle([
        post(patientUrl, { resourceType: 'Patient', name: [{ family: marker }] }),
        post(`urn:uuid:${nonCprUuid()}`, { resourceType: 'Observation', status: 'final', code: { text: marker }, subject: { reference: patientUrl } }),
        post(`urn:uuid:${nonCprUuid()}`, { resourceType: 'Observation', status: 'final', code: { text: marker }, subject: { reference: nowhere } }),
      ]),
    );
    expect(res.statusCode).toBe(400);
    const issue = res.json().issue[0];
    expect(issue.diagnostics).toMatch(/^Entry 3 of 3 \(Bundle\.entry\[2\], POST Observation\)/);
    expect(issue.diagnostics).toContain(nowhere);
    expect(issue.expression).toEqual(['Bundle.entry[2]']);
    const stored = await t.pool.query(`SELECT count(*)::int AS n FROM resource_version WHERE content LIKE $1`, [`%${marker}%`]);
    expect(stored.rows[0].n).toBe(0);
    const oid = await send(bundle([post(`urn:uuid:${nonCprUuid()}`, { resourceType: 'Observation', status: 'final', code: { text: marker }, subject: { reference: 'urn:oid:1.2.3' } })]));
    expect(oid.statusCode).toBe(400);
  });

  it('refuses two entries that change the same resource', async () => {
    const id = `dup-${nonCprUuid()}`;
    const res = await send(bundle([put({ resourceType: 'Patient', id }), { request: { method: 'DELETE', url: `Patient/${id}` } }]));
    expect(res.statusCode).toBe(400);
    expect(res.json().issue[0].diagnostics).toMatch(/change a resource only once/);
  });

  it('fails the transaction, naming the entry, when a conditional reference matches nothing; If-None-Exist with no match creates', async () => {
    const unknownCpr = `9${String(Date.now()).slice(-9)}`;
    const cond = await send(bundle([post(`urn:uuid:${nonCprUuid()}`, { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient?identifier=urn:oid:1.2.208.176.1.2|${unknownCpr}` } })]));
    expect(cond.statusCode).toBe(412);
    expect(cond.json().issue[0].diagnostics).toMatch(/Bundle\.entry\[0\]/);
    const ine = await send(bundle([{ resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=urn:oid:1.2.208.176.1.2|${unknownCpr}` } }]));
    expect(ine.statusCode).toBe(200);
    expect(ine.json().entry[0].response.status).toMatch(/^201/);
  });

  it('checks entries like the single requests: unknown type 404, bad id 400, PUT id mismatch 400', async () => {
    expect((await send(bundle([{ resource: { resourceType: 'Nope' }, request: { method: 'POST', url: 'Nope' } }]))).statusCode).toBe(404);
    expect((await send(bundle([{ request: { method: 'DELETE', url: 'Patient/bad id!' } }]))).statusCode).toBe(400);
    expect((await send(bundle([{ resource: { resourceType: 'Patient', id: 'a' }, request: { method: 'PUT', url: 'Patient/b' } }]))).statusCode).toBe(400);
    expect((await send(bundle([{ resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Observation' } }]))).statusCode).toBe(400);
  });

  it('rejects what is not a transaction or batch Bundle with 400', async () => {
    expect((await send({ resourceType: 'Patient' })).statusCode).toBe(400);
    expect((await send({ resourceType: 'Bundle', type: 'collection', entry: [] })).statusCode).toBe(400);
    expect((await send({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Patient' } }] })).statusCode).toBe(400);
  });

  it('answers an empty transaction with an empty transaction-response', async () => {
    const res = await send({ resourceType: 'Bundle', type: 'transaction' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ resourceType: 'Bundle', type: 'transaction-response' });
  });

  it('leaves resources out of the response with Prefer: return=minimal', async () => {
    const res = await send(bundle([post(`urn:uuid:${nonCprUuid()}`, { resourceType: 'Patient' })]), { prefer: 'return=minimal' });
    expect(res.statusCode).toBe(200);
    expect(res.json().entry[0].resource).toBeUndefined();
    expect(res.json().entry[0].response.status).toBe('201 Created');
  });
});
