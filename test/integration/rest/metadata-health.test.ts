import { createTestApp, type TestApp } from '../../support/app';

describe('metadata and health', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('GET /fhir/metadata is a CapabilityStatement for R4 listing every resource type and its interactions', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/fhir/metadata' });
    expect(res.statusCode).toBe(200);
    const cs = res.json();
    expect(cs).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', kind: 'instance', status: 'active' });
    const types = cs.rest[0].resource.map((r: { type: string }) => r.type);
    expect(types).toEqual(expect.arrayContaining(['Patient', 'Observation', 'CarePlan', 'Questionnaire', 'Task', 'EpisodeOfCare']));
    expect(types).toHaveLength(t.services.registry.resourceTypes().length);
    expect(types).not.toContain('DomainResource');
    const obs = cs.rest[0].resource.find((r: { type: string }) => r.type === 'Observation');
    expect(obs.interaction.map((i: { code: string }) => i.code)).toEqual(
      expect.arrayContaining(['read', 'vread', 'update', 'delete', 'history-instance', 'history-type', 'create']),
    );
    expect(obs.versioning).toBe('versioned-update');
  });

  it('with KOLIBRI_AUTH=off, rest.security says no token is needed and names no SMART service', async () => {
    const security = (await t.app.inject({ method: 'GET', url: '/fhir/metadata' })).json().rest[0].security;
    expect(security.service).toBeUndefined();
    expect(security.extension).toBeUndefined();
    expect(security.description).toMatch(/KOLIBRI_AUTH=off/);
    expect(security.description).not.toMatch(/needs a bearer token/);
    expect(security.cors).toBe(true);
  });

  it('with authentication on, rest.security points at SMART on FHIR with the token endpoint', async () => {
    const on = await createTestApp({ auth: 'on' });
    try {
      const cs = (await on.app.inject({ method: 'GET', url: '/fhir/metadata' })).json();
      const security = cs.rest[0].security;
      expect(security.service[0].coding[0]).toEqual({ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' });
      const uris = security.extension.find((e: { url: string }) => e.url.endsWith('/oauth-uris'));
      expect(uris.extension).toContainEqual({ url: 'token', valueUri: 'http://kolibri.test/auth/token' });
      expect(security.description).toContain('needs a bearer token');
      expect(security.description).toContain('http://kolibri.test/fhir/.well-known/smart-configuration');
      expect(security.cors).toBe(true);
      // token clients create at a chosen id only where they see every row (README "Access control")
      const updateCreate = (type: string) => cs.rest[0].resource.find((r: { type: string }) => r.type === type).updateCreate;
      expect([updateCreate('Observation'), updateCreate('Patient'), updateCreate('ActivityDefinition'), updateCreate('Organization')]).toEqual([false, false, true, true]);
    } finally {
      await on.close();
    }
  });

  it('/healthz says the process is up and /readyz that the database is reachable and migrated', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
  });
});
