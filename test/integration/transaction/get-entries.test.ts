import { createTestApp, type TestApp } from '../../support/app';

const JSON_HEADERS = { 'content-type': 'application/fhir+json' };

/** GET search entries of a transaction run after its writes and see them (processing order). */
describe('transaction GET entries', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('a search entry sees a resource created earlier in the same transaction, whatever the entry order', async () => {
    const cpr = String(Math.floor(1e9 + Math.random() * 8e9));
    const res = await t.app.inject({
      method: 'POST',
      url: '/fhir',
      headers: JSON_HEADERS,
      payload: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { request: { method: 'GET', url: `Patient?identifier=urn:oid:1.2.208.176.1.2|${cpr}` } },
          { fullUrl: 'urn:uuid:3f1c2d9e-0b7a-4c55-9d0e-0f6a1b2c3d4e', resource: { resourceType: 'Patient', identifier: [{ system: 'urn:oid:1.2.208.176.1.2', value: cpr }] }, request: { method: 'POST', url: 'Patient' } },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    const [search, created] = res.json().entry;
    expect(created.response.status).toMatch(/^201/);
    expect(search.response.status).toMatch(/^200/);
    expect(search.resource.type).toBe('searchset');
    expect(search.resource.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([created.response.location.split('/')[5]]);
  });
});
