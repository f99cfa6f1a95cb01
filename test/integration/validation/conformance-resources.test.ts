import { join } from 'node:path';
import { seedBuiltinDefinitions } from '../../../src/conformance/builtin-seed';
import { systemClock } from '../../../src/clock';
import { createTestApp, type TestApp } from '../../support/app';
import { accessToken, registerVendorApp } from '../auth/vendor-app';

/**
 * The definitions the server uses — R4's and fhir-profiles/ — are published as read-only stored
 * resources: readable by id, searchable by url, name, type and version like anything else, and
 * named by the CapabilityStatement (supportedProfile per type, implementationGuide).
 */
const PROFILES = join(__dirname, '../../../fhir-profiles');
const KOLIBRI_OBS = 'https://kolibri.dk/fhir/StructureDefinition/kolibri-observation';

let t: TestApp;
let operator: string;
const seed = () => seedBuiltinDefinitions({ storage: t.storage, indexWriter: t.services.definitions.indexWriter, clock: systemClock, profileDirs: [PROFILES] });

beforeAll(async () => {
  t = await createTestApp({ auth: 'on' });
  await seed();
  const app = await registerVendorApp(t, { kind: 'operator', organization: 'Organization/national-operator', scopes: ['system/*.cruds'] });
  operator = await accessToken(t, app, 'system/*.cruds');
}, 120_000);
afterAll(() => t.close());

const get = (url: string) => t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${operator}` } });
const ids = async (url: string): Promise<string[]> => {
  const res = await get(url);
  expect(res.statusCode).toBe(200);
  return (res.json().entry ?? []).map((e: { resource: { resourceType: string; id: string } }) => `${e.resource.resourceType}/${e.resource.id}`);
};

describe('search and read', () => {
  it('finds a Kolibri profile by url, name, type and version', async () => {
    expect(await ids(`/fhir/StructureDefinition?url=${KOLIBRI_OBS}`)).toEqual(['StructureDefinition/kolibri-observation']);
    expect(await ids('/fhir/StructureDefinition?name=KolibriObservation')).toEqual(['StructureDefinition/kolibri-observation']);
    expect(await ids(`/fhir/StructureDefinition?type=Observation&url=${KOLIBRI_OBS}&version=1.0.0`)).toEqual(['StructureDefinition/kolibri-observation']);
    expect(await ids(`/fhir/StructureDefinition?url=${KOLIBRI_OBS}&version=9.9.9`)).toEqual([]);
  });

  it('serves the R4 base definitions the server uses', async () => {
    expect(await ids('/fhir/StructureDefinition?url=http://hl7.org/fhir/StructureDefinition/Patient')).toEqual(['StructureDefinition/Patient']);
    expect(await ids('/fhir/SearchParameter?url=http://hl7.org/fhir/SearchParameter/individual-given')).toEqual(['SearchParameter/individual-given']);
    expect(await ids('/fhir/ValueSet?url=http://hl7.org/fhir/ValueSet/administrative-gender')).toEqual(['ValueSet/administrative-gender']);
    expect(await ids('/fhir/CodeSystem?url=http://hl7.org/fhir/administrative-gender')).toEqual(['CodeSystem/administrative-gender']);
    expect(await ids('/fhir/OperationDefinition?url=http://hl7.org/fhir/OperationDefinition/Resource-validate')).toEqual(['OperationDefinition/Resource-validate']);
    // the standard operations Kolibri declares by R4's canonical ($meta, $meta-add, $meta-delete)
    for (const id of ['Resource-meta', 'Resource-meta-add', 'Resource-meta-delete']) {
      const def = await get(`/fhir/OperationDefinition/${id}`);
      expect({ id, status: def.statusCode, url: def.json().url }).toEqual({ id, status: 200, url: `http://hl7.org/fhir/OperationDefinition/${id}` });
    }
    for (const op of ['ValueSet-expand', 'ValueSet-validate-code', 'CodeSystem-lookup', 'CodeSystem-validate-code', 'CodeSystem-subsumes', 'ConceptMap-translate', 'StructureDefinition-snapshot']) {
      expect(await ids(`/fhir/OperationDefinition?url=http://hl7.org/fhir/OperationDefinition/${op}`)).toEqual([`OperationDefinition/${op}`]);
    }
    const sd = await get('/fhir/StructureDefinition/Observation');
    expect(sd.statusCode).toBe(200);
    expect(sd.json()).toMatchObject({ url: 'http://hl7.org/fhir/StructureDefinition/Observation', kind: 'resource', snapshot: { element: expect.any(Array) } });
  });

  it("serves Kolibri's ValueSets, CodeSystems, SearchParameters and its ImplementationGuide", async () => {
    expect(await ids('/fhir/ValueSet?url=https://kolibri.dk/fhir/ValueSet/triage-colour')).toEqual(['ValueSet/triage-colour']);
    expect(await ids('/fhir/CodeSystem?url=https://kolibri.dk/fhir/CodeSystem/triage-colour')).toEqual(['CodeSystem/triage-colour']);
    expect(await ids('/fhir/SearchParameter?url=https://kolibri.dk/fhir/SearchParameter/episodeofcare-team')).toEqual(['SearchParameter/episodeofcare-team']);
    const ig = await get('/fhir/ImplementationGuide/kolibri');
    expect(ig.statusCode).toBe(200);
    expect(ig.json().definition.resource).toEqual(expect.arrayContaining([expect.objectContaining({ reference: { reference: 'StructureDefinition/kolibri-observation' } })]));
  });

  it('pages through them like any other search', async () => {
    const first = await get('/fhir/StructureDefinition?type=Observation&_count=5');
    expect(first.json().entry).toHaveLength(5);
    const next = first.json().link.find((l: { relation: string }) => l.relation === 'next');
    expect(next).toBeDefined();
  });
});

describe('writes', () => {
  const auth = { authorization: '', 'content-type': 'application/fhir+json' };
  it('refuses the operator an update of a built-in definition with 403 and an OperationOutcome', async () => {
    const current = (await get('/fhir/ValueSet/observation-status')).json();
    const res = await t.app.inject({ method: 'PUT', url: '/fhir/ValueSet/observation-status', headers: { ...auth, authorization: `Bearer ${operator}` }, payload: { ...current, title: 'changed' } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'forbidden', diagnostics: expect.stringContaining('ValueSet/observation-status is a built-in definition') }] });
    expect((await get('/fhir/ValueSet/observation-status')).json().meta.versionId).toBe(current.meta.versionId);
  });

  it('refuses deleting an R4 ValueSet and patching an R4 SearchParameter', async () => {
    const del = await t.app.inject({ method: 'DELETE', url: '/fhir/ValueSet/administrative-gender', headers: { authorization: `Bearer ${operator}` } });
    expect(del.statusCode).toBe(403);
    const patch = await t.app.inject({
      method: 'PATCH',
      url: '/fhir/SearchParameter/individual-given',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json-patch+json' },
      payload: JSON.stringify([{ op: 'replace', path: '/description', value: 'x' }]),
    });
    expect(patch.statusCode).toBe(403);
    expect(await ids('/fhir/ValueSet?url=http://hl7.org/fhir/ValueSet/administrative-gender')).toEqual(['ValueSet/administrative-gender']);
  });

  it("refuses a new definition that takes a built-in one's canonical URL", async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/fhir/ValueSet',
      headers: { ...auth, authorization: `Bearer ${operator}` },
      payload: { resourceType: 'ValueSet', url: 'https://kolibri.dk/fhir/ValueSet/triage-colour', status: 'active' },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().issue[0].diagnostics).toContain('built-in');
  });
});

describe('the CapabilityStatement', () => {
  it('lists the Kolibri profiles per type as supportedProfile, and the ImplementationGuide', async () => {
    const cs = (await t.app.inject({ method: 'GET', url: '/fhir/metadata' })).json();
    const resource = (type: string) => cs.rest[0].resource.find((r: { type: string }) => r.type === type);
    expect(resource('Observation').supportedProfile).toEqual([KOLIBRI_OBS]);
    expect(resource('Patient').supportedProfile).toEqual(['https://kolibri.dk/fhir/StructureDefinition/kolibri-patient']);
    expect(resource('Device').supportedProfile).toBeUndefined();
    expect(cs.implementationGuide).toEqual(['https://kolibri.dk/fhir/ImplementationGuide/kolibri']);
  });
});

describe('seeding', () => {
  it('writes nothing when the files are the ones already published', async () => {
    const again = await seed();
    expect(again).toMatchObject({ seeded: false, created: 0, updated: 0, deleted: 0 });
  });
});
