import { nonCprUuid } from '../../support/ids';
import { createTestApp, type TestApp } from '../../support/app';

const JSON_HEADERS = { 'content-type': 'application/fhir+json' };

describe('history paging at type and system level', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('pages through type history with next links, skipping and repeating nothing while writes continue', async () => {
    // A type of our own for this test so parallel tests do not interleave.
    const tag = nonCprUuid();
    const since = new Date().toISOString();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/fhir/Basic', headers: JSON_HEADERS, payload: { resourceType: 'Basic', code: { text: tag } } });
      ids.push(res.json().id);
    }
    const seen: string[] = [];
    let url: string | undefined = `/fhir/Basic/_history?_count=3&_since=${encodeURIComponent(since)}`;
    let pages = 0;
    while (url) {
      const res = await t.app.inject({ method: 'GET', url: url as string });
      expect(res.statusCode).toBe(200);
      const bundle: { entry: Array<{ resource: { id: string; code?: { text?: string } } }>; link: Array<{ relation: string; url: string }> } = res.json();
      for (const e of bundle.entry) if (e.resource.code?.text === tag) seen.push(e.resource.id);
      // a write between pages lands before the cursor and must not appear on later pages
      if (pages === 0) await t.app.inject({ method: 'POST', url: '/fhir/Basic', headers: JSON_HEADERS, payload: { resourceType: 'Basic', code: { text: tag } } });
      const next = bundle.link.find((l) => l.relation === 'next');
      url = next ? next.url.replace('http://kolibri.test', '') : undefined;
      pages++;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice().sort()).toEqual(expect.arrayContaining(ids.sort()));
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('system history lists versions of every type, newest first', async () => {
    const p = (await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: JSON_HEADERS, payload: { resourceType: 'Patient' } })).json();
    // from the Patient's own time on, paging on: test files running alongside write versions of
    // their own in between, more than one page of them at times
    let url: string | undefined = `/fhir/_history?_count=50&_since=${encodeURIComponent(p.meta.lastUpdated)}`;
    let found = false;
    for (let pages = 0; url && !found && pages < 40; pages++) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      const bundle = res.json() as { type: string; entry: Array<{ fullUrl: string; response: { lastModified: string } }>; link: Array<{ relation: string; url: string }> };
      expect(bundle.type).toBe('history');
      const times = bundle.entry.map((e) => e.response.lastModified);
      expect(times).toEqual([...times].sort().reverse());
      found = bundle.entry.some((e) => e.fullUrl.endsWith(`/Patient/${p.id}`));
      url = bundle.link.find((l) => l.relation === 'next')?.url.replace('http://kolibri.test', '');
    }
    expect(found).toBe(true);
  });

  it('rejects _at, which this server does not support, instead of ignoring it', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/fhir/_history?_at=2026' });
    expect(res.statusCode).toBe(400);
  });
});
