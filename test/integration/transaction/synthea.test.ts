import { createTestApp, type TestApp } from '../../support/app';
import { referencesIn, syntheaBundle } from '../../support/synthea-bundle';

describe('a Synthea-style patient bundle', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('loads in one transaction, and afterwards every reference resolves by read', async () => {
    const bundle = syntheaBundle(20, 3); // 3 + 20 × 6 = 123 entries
    const res = await t.app.inject({ method: 'POST', url: '/fhir', headers: { 'content-type': 'application/fhir+json' }, payload: JSON.stringify(bundle) });
    expect(res.statusCode).toBe(200);
    const out = res.json();
    expect(out.entry).toHaveLength(bundle.entry.length);
    expect(out.entry.every((e: { response: { status: string } }) => e.response.status === '201 Created')).toBe(true);

    const references = new Set<string>();
    for (const e of out.entry) {
      const stored = await t.app.inject({ method: 'GET', url: e.fullUrl.replace('http://kolibri.test', '') });
      expect(stored.statusCode).toBe(200);
      for (const ref of referencesIn(stored.json())) references.add(ref);
    }
    expect(references.size).toBeGreaterThan(100);
    for (const ref of references) {
      expect(ref).toMatch(/^(Patient|Practitioner|Organization|Encounter|Condition|Observation)\/[0-9a-f-]{36}$/);
      const target = await t.app.inject({ method: 'GET', url: `/fhir/${ref}` });
      expect({ ref, status: target.statusCode }).toEqual({ ref, status: 200 });
    }
  });
});
