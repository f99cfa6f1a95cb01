import { createTestApp, type TestApp } from '../../support/app';

const JSON_HEADERS = { 'content-type': 'application/fhir+json' };

/** GET search, history and read entries of a transaction run after its writes and see them (processing order). */
describe('transaction GET entries', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());
  const transaction = (entry: unknown[]) =>
    t.app.inject({ method: 'POST', url: '/fhir', headers: JSON_HEADERS, payload: { resourceType: 'Bundle', type: 'transaction', entry } });

  it('a search entry sees a resource created earlier in the same transaction, whatever the entry order', async () => {
    const cpr = String(Math.floor(1e9 + Math.random() * 8e9));
    const res = await transaction([
      { request: { method: 'GET', url: `Patient?identifier=urn:oid:1.2.208.176.1.2|${cpr}` } },
      { fullUrl: 'urn:uuid:3f1c2d9e-0b7a-4c55-9d0e-0f6a1b2c3d4e', resource: { resourceType: 'Patient', identifier: [{ system: 'urn:oid:1.2.208.176.1.2', value: cpr }] }, request: { method: 'POST', url: 'Patient' } },
    ]);
    expect(res.statusCode).toBe(200);
    const [search, created] = res.json().entry;
    expect(created.response.status).toMatch(/^201/);
    expect(search.response.status).toMatch(/^200/);
    expect(search.resource.type).toBe('searchset');
    expect(search.resource.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([created.response.location.split('/')[5]]);
  });

  it('a history entry runs after the writes and lists the version the transaction wrote, and read sees the update', async () => {
    const created = (await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: JSON_HEADERS, payload: { resourceType: 'Patient', gender: 'female' } })).json();
    const res = await transaction([
      { request: { method: 'GET', url: `Patient/${created.id}/_history?_count=5` } },
      { request: { method: 'GET', url: `Patient/${created.id}` } },
      { resource: { resourceType: 'Patient', id: created.id, gender: 'male' }, request: { method: 'PUT', url: `Patient/${created.id}` } },
    ]);
    expect(res.statusCode).toBe(200);
    const [historyEntry, readEntry, update] = res.json().entry;
    expect(update.response.status).toMatch(/^200/);
    expect(historyEntry.resource).toMatchObject({ resourceType: 'Bundle', type: 'history', total: 2 });
    expect(historyEntry.resource.entry.map((e: { resource: { meta: { versionId: string }; gender: string } }) => [e.resource.meta.versionId, e.resource.gender])).toEqual([
      ['2', 'male'],
      ['1', 'female'],
    ]);
    expect(readEntry.resource).toMatchObject({ id: created.id, gender: 'male', meta: { versionId: '2' } });
  });
});
