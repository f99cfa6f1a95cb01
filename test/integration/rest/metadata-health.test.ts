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

  it('/healthz says the process is up and /readyz that the database is reachable and migrated', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
  });
});
