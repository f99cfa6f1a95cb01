import { futStandardModule } from '../../../src/fut/standard/module';
import { createTestApp, type TestApp } from '../../support/app';

const BASE = 'http://ehealth.sundhed.dk/fhir/OperationDefinition';

/** $validate declared under FUT's names: the CapabilityStatement, the OperationDefinitions, and the route they name. */
describe("FUT's names for $validate", () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    await futStandardModule().loadTemplates?.(t.services.interactions, []);
  });

  afterAll(async () => {
    await t.close();
  });

  const get = async (url: string) => (await t.app.inject({ method: 'GET', url })).json();

  it('declares $validate under each FUT name on the types FUT declares it for, next to the standard one', async () => {
    const resources = (await get('/fhir/metadata')).rest[0].resource as Array<{ type: string; operation?: Array<{ name: string; definition: string }> }>;
    const ops = (type: string) => (resources.find((r) => r.type === type)?.operation ?? []).filter((o) => o.name === 'validate').map((o) => o.definition);
    expect(ops('Observation').sort()).toEqual([`${BASE}/Multi-it-validate`, 'http://hl7.org/fhir/OperationDefinition/Resource-validate']);
    expect(ops('DocumentReference')).toEqual(expect.arrayContaining([`${BASE}/Multi-it-validate`, `${BASE}/CompositionDocumentReference-it-validate`]));
    expect(ops('Task')).toContain(`${BASE}/ClinicalImpressionTask-it-validate`);
    expect(ops('Device')).toContain(`${BASE}/DeviceDeviceUseStatement-t-validate`);
    expect(ops('Library')).toContain(`${BASE}/Library-it-validate`);
    expect(ops('Encounter')).toEqual(['http://hl7.org/fhir/OperationDefinition/Resource-validate']);
  });

  it('serves an OperationDefinition at each name whose code, levels, types and parameters are the route’s', async () => {
    for (const name of ['Multi-it-validate', 'DeviceDeviceUseStatement-t-validate', 'CompositionDocumentReference-it-validate', 'Library-it-validate', 'ClinicalImpressionTask-it-validate']) {
      const bundle = await get(`/fhir/OperationDefinition?url=${encodeURIComponent(`${BASE}/${name}`)}`);
      const def = bundle.entry[0].resource;
      expect({ name, code: def.code, type: def.type, instance: def.instance, system: def.system }).toEqual({ name, code: 'validate', type: true, instance: true, system: false });
      expect(def.parameter.filter((p: { use: string }) => p.use === 'in').map((p: { name: string }) => p.name)).toEqual(['resource', 'mode', 'profile']);
    }
    const again = await futStandardModule().loadTemplates?.(t.services.interactions, []);
    // a second load writes nothing: every definition is found unchanged
    expect({ created: again?.created, updated: again?.updated }).toEqual({ created: [], updated: [] });
    expect((again as { unchanged?: string[] }).unchanged?.length).toBeGreaterThan(0);
  });

  it('the route behind the names checks a Task and refuses a bad mode with a 400 OperationOutcome', async () => {
    const ok = await t.app.inject({ method: 'POST', url: '/fhir/Task/$validate', headers: { 'content-type': 'application/fhir+json' }, payload: { resourceType: 'Task', status: 'requested', intent: 'order' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().issue.filter((i: { severity: string }) => i.severity === 'error')).toEqual([]);
    const broken = await t.app.inject({ method: 'POST', url: '/fhir/Task/$validate', headers: { 'content-type': 'application/fhir+json' }, payload: { resourceType: 'Task', intent: 'order' } });
    expect(broken.json().issue.some((i: { severity: string }) => i.severity === 'error')).toBe(true);
    const bad = await t.app.inject({
      method: 'POST',
      url: '/fhir/Task/$validate',
      headers: { 'content-type': 'application/fhir+json' },
      payload: { resourceType: 'Parameters', parameter: [{ name: 'mode', valueCode: 'sideways' }] },
    });
    expect([bad.statusCode, bad.json().resourceType]).toEqual([400, 'OperationOutcome']);
  });

  it('declares Bulk Data $export under FUT’s -s-export, whose OperationDefinition lists what the kick-off accepts', async () => {
    const statement = await get('/fhir/metadata');
    expect(statement.rest[0].operation).toContainEqual({ name: 'export', definition: `${BASE}/-s-export` });
    const def = (await get(`/fhir/OperationDefinition?url=${encodeURIComponent(`${BASE}/-s-export`)}`)).entry[0].resource;
    expect(def.parameter.map((p: { name: string }) => p.name)).toEqual(['_outputFormat', '_type', '_since', '_typeFilter']);
    // FUT's _exportId is not among them, and the route refuses it
    const refused = await t.app.inject({ method: 'GET', url: '/fhir/$export?_exportId=x', headers: { prefer: 'respond-async' } });
    expect([refused.statusCode, refused.json().resourceType]).toEqual([400, 'OperationOutcome']);
    const started = await t.app.inject({ method: 'GET', url: '/fhir/$export?_type=Organization&_outputFormat=application/fhir%2Bndjson', headers: { prefer: 'respond-async' } });
    expect(started.statusCode).toBe(202);
    // cancel it: no runner here, and another test file's runner must not pick it up
    const status = new URL(String(started.headers['content-location'])).pathname;
    expect((await t.app.inject({ method: 'DELETE', url: status })).statusCode).toBe(202);
  });
});
