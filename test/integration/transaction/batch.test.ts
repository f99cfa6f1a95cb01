import { nonCprUuid } from '../../support/ids';
import { createTestApp, type TestApp, developmentDeps } from '../../support/app';
import { forbidden } from '../../../src/fhir/outcome';
import { processBundle } from '../../../src/interactions/transaction-bundle';

const FHIR = { 'content-type': 'application/fhir+json' };

describe('batch (https://hl7.org/fhir/R4/http.html#transaction)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());
  const send = (body: unknown) => t.app.inject({ method: 'POST', url: '/fhir', headers: FHIR, payload: JSON.stringify(body) });

  it('processes entries independently, each with its own status or OperationOutcome, in request order', async () => {
    const p = (await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: FHIR, payload: { resourceType: 'Patient' } })).json();
    const marker = nonCprUuid();
    const res = await send({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: { resourceType: 'Patient', name: [{ family: marker }] }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Observation', status: 5, code: { text: marker } }, request: { method: 'POST', url: 'Observation' } },
        { resource: { resourceType: 'Patient', id: p.id, active: true }, request: { method: 'PUT', url: `Patient/${p.id}`, ifMatch: 'W/"9"' } },
        { request: { method: 'GET', url: `Patient/${p.id}` } },
        { request: { method: 'GET', url: 'Patient/does-not-exist' } },
        { request: { method: 'GET', url: `Patient/${p.id}/_history` } },
        { request: { method: 'DELETE', url: 'Patient/never-was' } },
        { request: { method: 'FETCH', url: 'Patient' } },
        {
          request: { method: 'PATCH', url: `Patient/${p.id}` },
          resource: { resourceType: 'Parameters', parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'add' }, { name: 'path', valueString: 'Patient' }, { name: 'name', valueString: 'gender' }, { name: 'value', valueCode: 'other' }] }] },
        },
      ],
    });
    expect(res.statusCode).toBe(200);
    const out = res.json();
    expect(out.type).toBe('batch-response');
    const statuses = out.entry.map((e: { response: { status: string } }) => e.response.status);
    expect(statuses).toEqual(['201 Created', '422 Unprocessable Entity', '412 Precondition Failed', '200 OK', '404 Not Found', '200 OK', '200 OK', '400 Bad Request', '200 OK']);
    expect(out.entry[1].response.outcome.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(out.entry[1].response.outcome)).toMatch(/Observation\.status/);
    expect(out.entry[5].resource.type).toBe('history');
    // GET ran after the PATCH (processing order), so it sees version 2.
    expect(out.entry[3].response.etag).toBe('W/"2"');
    expect(out.entry[3].resource.gender).toBe('other');
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM resource WHERE content LIKE $1`, [`%${marker}%`]);
    expect(rows[0].n).toBe(1); // the valid create stayed, the invalid one never was
  });

  it('refuses an entry that references another entry of the batch (non-conformant), the others still run', async () => {
    const url = `urn:uuid:${nonCprUuid()}`;
    const res = await send({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { fullUrl: url, resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: url } }, request: { method: 'POST', url: 'Observation' } },
      ],
    });
    expect(res.json().entry.map((e: { response: { status: string } }) => e.response.status)).toEqual(['201 Created', '400 Bad Request']);
  });

  it('refuses an entry with a urn:uuid reference that names no entry (it resolves nowhere); nothing of it is stored', async () => {
    const marker = nonCprUuid();
    const res = await send({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: { resourceType: 'Observation', status: 'final', code: { text: marker }, subject: { reference: `urn:uuid:${nonCprUuid()}` } }, request: { method: 'POST', url: 'Observation' } },
        { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
      ],
    });
    const [dangling, ok] = res.json().entry;
    expect([dangling.response.status, ok.response.status]).toEqual(['400 Bad Request', '201 Created']);
    expect(dangling.response.outcome.issue[0].diagnostics).toMatch(/is not the fullUrl of any entry in this batch/);
    const stored = await t.pool.query(`SELECT count(*)::int AS n FROM resource WHERE resource_type = 'Observation' AND content LIKE '%' || $1 || '%'`, [marker]);
    expect(stored.rows[0].n).toBe(0);
  });

  it('answers 413 when a bundle has more entries than allowed', async () => {
    const entry = Array.from({ length: 4 }, () => ({ request: { method: 'GET', url: 'Patient/x' } }));
    await expect(processBundle(developmentDeps(t.services), { resourceType: 'Bundle', type: 'batch', entry }, { maxEntries: 3 })).rejects.toMatchObject({ status: 413 });
  });

  it('calls the authorization hook once per entry; a refusal fails only that batch entry', async () => {
    const seen: string[] = [];
    const result = await processBundle(
      developmentDeps(t.services),
      {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
          { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' } }, request: { method: 'POST', url: 'Observation' } },
        ],
      },
      {
        authorize: (r) => {
          seen.push(`${r.interaction} ${r.type}`);
          if (r.type === 'Observation') throw forbidden('no access to Observation');
        },
      },
    );
    expect(seen).toEqual(['create Patient', 'create Observation']);
    const body = JSON.parse(result.body as string);
    expect(body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual(['201 Created', '403 Forbidden']);
  });
});
