import { createTestApp, type TestApp } from '../../support/app';

/** The server root and the documentation page a browser sees. */
describe('documentation page', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('GET / leads a browser to /docs; an API client gets a 404 OperationOutcome', async () => {
    const res = await t.app.inject({ url: '/', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/docs');
    const api = await t.app.inject({ url: '/', headers: { accept: 'application/fhir+json' } });
    expect(api.statusCode).toBe(404);
    expect(api.json().resourceType).toBe('OperationOutcome');
  });

  it('serves the page under Kolibri\'s title and wordmark, and the API description it loads', async () => {
    const page = await t.app.inject({ url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>Kolibri FHIR R4 API</title>');
    const init = await t.app.inject({ url: '/docs/static/swagger-initializer.js' });
    expect(init.statusCode).toBe(200);
    const logo = /data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)/.exec(init.body);
    expect(Buffer.from(logo?.[1] ?? '', 'base64').toString()).toContain('>Kolibri</text>');
    const json = await t.app.inject({ url: '/docs/json' });
    expect(json.json().info.title).toBe('Kolibri FHIR R4 API');
  });
});
