import { nonCprUuid } from '../../support/ids';
import type { Resource } from '@medplum/fhirtypes';
import { createTestApp, type TestApp } from '../../support/app';
import { accessToken, registerVendorApp } from '../auth/vendor-app';

const NPU = 'urn:oid:1.2.208.176.2.1';
const CPR = 'urn:oid:1.2.208.176.1.2';

/**
 * $everything, $lastn and conditional interactions under the access model (auth on): a system
 * app of organization B reaches nothing of organization A's patient through them, and its
 * conditions never match what it may not see.
 */
describe('operations and conditional interactions under access control', () => {
  let t: TestApp;
  const orgA = `Organization/a-${nonCprUuid().slice(0, 8)}`;
  const orgB = `Organization/b-${nonCprUuid().slice(0, 8)}`;
  const cpr = String(Math.floor(1e9 + Math.random() * 8e9));
  let patientA = '';
  let patientB = '';
  const tokens = { a: '', b: '' };

  const seed = async (resource: Resource): Promise<string> => (await t.services.store.transaction((tx) => tx.create(resource))).id;
  const as = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' });
  const obs = (patient: string, day: number): Resource => ({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: NPU, code: 'NPU03011' }] },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: `2026-05-0${day}T08:00:00Z`,
    valueQuantity: { value: 90 + day, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  });

  beforeAll(async () => {
    t = await createTestApp({ auth: 'on' });
    patientA = await seed({ resourceType: 'Patient', identifier: [{ system: CPR, value: cpr }] });
    patientB = await seed({ resourceType: 'Patient' });
    await seed({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${patientA}` }, managingOrganization: { reference: orgA } });
    await seed({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${patientB}` }, managingOrganization: { reference: orgB } });
    for (const day of [1, 2, 3]) await seed(obs(patientA, day));
    await seed(obs(patientB, 4));
    const appA = await registerVendorApp(t, { organization: orgA, scopes: ['system/*.cruds'] });
    const appB = await registerVendorApp(t, { organization: orgB, scopes: ['system/*.cruds'] });
    tokens.a = await accessToken(t, appA, 'system/*.cruds');
    tokens.b = await accessToken(t, appB, 'system/*.cruds');
  });
  afterAll(() => t.close());

  const get = (token: string, url: string) => t.app.inject({ method: 'GET', url, headers: as(token) });

  it("$everything: the own organization's patient with its data; another organization's patient is 404", async () => {
    const own = await get(tokens.a, `/fhir/Patient/${patientA}/$everything`);
    expect(own.statusCode).toBe(200);
    expect(own.json().entry.map((e: { resource: { resourceType: string } }) => e.resource.resourceType).sort()).toEqual([
      'EpisodeOfCare',
      'Observation',
      'Observation',
      'Observation',
      'Patient',
    ]);
    expect((await get(tokens.b, `/fhir/Patient/${patientA}/$everything`)).statusCode).toBe(404);
  });

  it("$lastn returns nothing of another organization's patient", async () => {
    const own = (await get(tokens.a, `/fhir/Observation/$lastn?patient=${patientA}&max=2`)).json();
    expect(own.entry).toHaveLength(2);
    const other = (await get(tokens.b, `/fhir/Observation/$lastn?patient=${patientA}&max=2`)).json();
    expect(other.entry ?? []).toHaveLength(0);
  });

  it('conditions never match what the caller may not see', async () => {
    const url = `/fhir/Patient?identifier=${encodeURIComponent(`${CPR}|${cpr}`)}`;
    // B's conditional delete finds nothing it may see: a no-op, A's patient stays.
    expect((await t.app.inject({ method: 'DELETE', url, headers: as(tokens.b) })).statusCode).toBe(200);
    expect((await get(tokens.a, `/fhir/Patient/${patientA}`)).statusCode).toBe(200);
    // B's conditional patch finds nothing (404), A's finds the one.
    const ops = { 'content-type': 'application/json-patch+json' };
    const patch = (token: string) => t.app.inject({ method: 'PATCH', url, headers: { ...as(token), ...ops }, payload: [{ op: 'add', path: '/active', value: true }] });
    expect((await patch(tokens.b)).statusCode).toBe(404);
    expect((await patch(tokens.a)).statusCode).toBe(200);
    // A's If-None-Exist finds its own patient: 200, nothing created.
    const again = await t.app.inject({
      method: 'POST',
      url: '/fhir/Patient',
      headers: { ...as(tokens.a), 'if-none-exist': `identifier=${CPR}|${cpr}` },
      payload: { resourceType: 'Patient', identifier: [{ system: CPR, value: cpr }] },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(patientA);
  });
});
