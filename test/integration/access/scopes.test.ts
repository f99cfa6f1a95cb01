import type { Resource } from '@medplum/fhirtypes';
import { createTestApp, type TestApp } from '../../support/app';
import { accessToken, registerVendorApp } from '../auth/vendor-app';

/** SMART scopes decide which interactions a token may perform on which types (v1 and v2). */
describe('scope enforcement per interaction', () => {
  let t: TestApp;
  let patient: string;
  let vitals: string;
  let lab: string;
  const seed = async (r: Resource) => (await t.services.store.transaction((tx) => tx.create(r))).id;
  const call = (token: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    t.app.inject({ method, url, payload: payload as object, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' } });

  beforeAll(async () => {
    t = await createTestApp({ auth: 'on' });
    patient = await seed({ resourceType: 'Patient' });
    await seed({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${patient}` }, managingOrganization: { reference: 'Organization/0851' } });
    const obs = (category: string): Resource => ({
      resourceType: 'Observation',
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: category }] }],
      code: { text: category },
      subject: { reference: `Patient/${patient}` },
    });
    vitals = await seed(obs('vital-signs'));
    lab = await seed(obs('laboratory'));
  });
  afterAll(() => t.close());

  it('v1 read-only scope on one type: reads and searches it, nothing else', async () => {
    const app = await registerVendorApp(t, { scopes: ['system/Observation.read'] });
    const token = await accessToken(t, app, 'system/Observation.read');
    expect((await call(token, 'GET', `/fhir/Observation/${vitals}`)).statusCode).toBe(200);
    expect((await call(token, 'GET', `/fhir/Observation?subject=Patient/${patient}`)).statusCode).toBe(200);
    expect((await call(token, 'GET', `/fhir/Observation/${vitals}/_history`)).statusCode).toBe(200);
    expect((await call(token, 'GET', `/fhir/Patient/${patient}`)).statusCode).toBe(403);
    expect((await call(token, 'GET', '/fhir/Patient')).statusCode).toBe(403);
    expect((await call(token, 'POST', '/fhir/Observation', { resourceType: 'Observation', status: 'final', code: { text: 'x' } })).statusCode).toBe(403);
    expect((await call(token, 'DELETE', `/fhir/Observation/${vitals}`)).statusCode).toBe(403);
    const denied = await call(token, 'GET', `/fhir/Patient/${patient}`);
    expect(denied.headers['www-authenticate']).toContain('insufficient_scope');
    // _include of a type it may not read is left out; a system search narrows to Observation
    const inc = (await call(token, 'GET', `/fhir/Observation?_id=${vitals}&_include=Observation:subject`)).json();
    expect(inc.entry.map((e: { resource: { resourceType: string } }) => e.resource.resourceType)).toEqual(['Observation']);
    const system = (await call(token, 'GET', `/fhir?_id=${vitals},${patient}`)).json();
    expect(system.entry.map((e: { resource: { resourceType: string } }) => e.resource.resourceType)).toEqual(['Observation']);
    expect((await call(token, 'GET', `/fhir?_type=Patient&_id=${patient}`)).statusCode).toBe(403);
  });

  it('v2 scope with a query restriction: only searches carrying the restriction', async () => {
    const app = await registerVendorApp(t, { scopes: ['system/Observation.rs?category=vital-signs'] });
    const token = await accessToken(t, app, 'system/Observation.rs?category=vital-signs');
    const restricted = await call(token, 'GET', `/fhir/Observation?subject=Patient/${patient}&category=vital-signs`);
    expect(restricted.statusCode).toBe(200);
    expect(restricted.json().entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([vitals]);
    const unrestricted = await call(token, 'GET', `/fhir/Observation?subject=Patient/${patient}`);
    expect(unrestricted.statusCode).toBe(403);
    // reads are confined to the restriction too
    expect((await call(token, 'GET', `/fhir/Observation/${vitals}`)).statusCode).toBe(200);
    expect((await call(token, 'GET', `/fhir/Observation/${lab}`)).statusCode).toBe(404);
    expect((await call(token, 'GET', `/fhir/Observation/${lab}/_history/1`)).statusCode).toBe(404);
  });

  it('v2 cruds letters: create without update', async () => {
    const app = await registerVendorApp(t, { scopes: ['system/Task.c'] });
    const token = await accessToken(t, app, 'system/Task.c');
    const created = await call(token, 'POST', '/fhir/Task', { resourceType: 'Task', status: 'requested', intent: 'order', for: { reference: `Patient/${patient}` } });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    expect((await call(token, 'PUT', `/fhir/Task/${id}`, { resourceType: 'Task', id, status: 'cancelled', intent: 'order' })).statusCode).toBe(403);
    expect((await call(token, 'GET', `/fhir/Task/${id}`)).statusCode).toBe(403);
  });
});
