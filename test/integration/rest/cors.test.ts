import { buildApp } from '../../../src/app';
import { systemClock } from '../../../src/clock';
import { loadConfig } from '../../../src/config';
import { createTestApp, type TestApp } from '../../support/app';

/**
 * CORS for browser apps (https://hl7.org/fhir/R4/http.html#cors, https://fetch.spec.whatwg.org/#http-cors-protocol):
 * preflights on every route, Access-Control-Allow-Origin on /fhir (errors included), discovery
 * and the token endpoint, Authorization allowed, FHIR's response headers exposed, no credentials.
 */
describe('CORS', () => {
  let t: TestApp;
  const origin = 'https://app.example.org';
  beforeAll(async () => {
    t = await createTestApp({ auth: 'on' });
  });
  afterAll(() => t.close());

  const preflight = (app: TestApp['app'], url: string, method: string, from = origin) =>
    app.inject({
      method: 'OPTIONS',
      url,
      headers: { origin: from, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type, if-match, prefer, x-medplum' },
    });

  it.each([
    ['/fhir/metadata', 'GET'],
    ['/fhir/Patient', 'POST'],
    ['/fhir/Patient/123', 'PUT'],
    ['/fhir/Patient/123', 'PATCH'],
    ['/fhir/Patient/123', 'DELETE'],
    ['/fhir', 'POST'],
    ['/fhir/Observation/$lastn', 'GET'],
    ['/fhir/.well-known/smart-configuration', 'GET'],
    ['/.well-known/jwks.json', 'GET'],
    ['/auth/token', 'POST'],
  ])('answers a preflight for %s %s without a token', async (url, method) => {
    const res = await preflight(t.app, url, method);
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(String(res.headers['access-control-allow-methods'])).toContain(method);
    const allowed = String(res.headers['access-control-allow-headers']).toLowerCase().split(/\s*,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'if-match', 'prefer', 'x-medplum']));
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it.each([
    ['GET', '/fhir/metadata', undefined, 200],
    ['GET', '/fhir/.well-known/smart-configuration', undefined, 200],
    ['GET', '/.well-known/jwks.json', undefined, 200],
    // errors carry the headers too, so the app can read the 401's OperationOutcome
    ['GET', '/fhir/Patient', undefined, 401],
    ['POST', '/auth/token', 'grant_type=client_credentials', 400],
  ] as const)('%s %s answers with Access-Control-Allow-Origin and the exposed FHIR headers (%#)', async (method, url, form, status) => {
    const res = await t.app.inject({
      method,
      url,
      headers: { origin, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { payload: form } : {}),
    });
    expect(res.statusCode).toBe(status);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const exposed = String(res.headers['access-control-expose-headers']).toLowerCase().split(/\s*,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['etag', 'location', 'content-location', 'last-modified']));
  });

  it('says cors: true in the CapabilityStatement', async () => {
    const cs = (await t.app.inject({ method: 'GET', url: '/fhir/metadata' })).json();
    expect(cs.rest[0].security.cors).toBe(true);
  });

  describe('with KOLIBRI_CORS_ORIGINS', () => {
    let app: TestApp['app'];
    const allowed = ['https://app.example.org', 'http://localhost:5173'];
    beforeAll(async () => {
      const config = loadConfig({ KOLIBRI_CORS_ORIGINS: allowed.join(', ') });
      expect(config.corsOrigins).toEqual(allowed);
      app = buildApp({ services: t.services, logger: false, maxBodyBytes: 1024 * 1024, auth: { mode: 'on', service: t.auth, clock: systemClock }, corsOrigins: config.corsOrigins });
      await app.ready();
    });
    afterAll(() => app.close());

    it.each(allowed)('allows %s, echoing it with Vary: Origin', async (from) => {
      const res = await preflight(app, '/fhir/Patient', 'POST', from);
      expect(res.statusCode).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(from);
      expect(String(res.headers.vary)).toMatch(/origin/i);
      const read = await app.inject({ method: 'GET', url: '/fhir/metadata', headers: { origin: from } });
      expect(read.headers['access-control-allow-origin']).toBe(from);
    });

    it('gives another origin no Access-Control-Allow-Origin', async () => {
      const res = await preflight(app, '/fhir/Patient', 'POST', 'https://evil.example.com');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const read = await app.inject({ method: 'GET', url: '/fhir/metadata', headers: { origin: 'https://evil.example.com' } });
      expect(read.statusCode).toBe(200);
      expect(read.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});
