import { createTestApp, type TestApp } from '../../support/app';

/** KOLIBRI_MAX_BUNDLE_ENTRIES reaches POST /fhir: a larger bundle is a 413 and changes nothing. */
describe('bundle size limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ maxBundleEntries: 3 });
  });
  afterAll(() => t.close());

  it('answers 413 for more entries than configured, for transactions and batches', async () => {
    const entry = Array.from({ length: 4 }, () => ({ resource: { resourceType: 'Basic', code: { text: 'limit' } }, request: { method: 'POST', url: 'Basic' } }));
    for (const type of ['transaction', 'batch']) {
      const res = await t.app.inject({ method: 'POST', url: '/fhir', headers: { 'content-type': 'application/fhir+json' }, payload: { resourceType: 'Bundle', type, entry } });
      expect([type, res.statusCode]).toEqual([type, 413]);
    }
    const ok = await t.app.inject({ method: 'POST', url: '/fhir', headers: { 'content-type': 'application/fhir+json' }, payload: { resourceType: 'Bundle', type: 'transaction', entry: entry.slice(0, 3) } });
    expect(ok.statusCode).toBe(200);
  });
});
