import type { CapabilityStatement, OperationDefinition } from '@medplum/fhirtypes';
import { FUT_OPERATIONS, futModule } from '../../../src/fut/module';
import { createTestApp, type TestApp } from '../../support/app';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  await futModule().loadTemplates?.(t.services.interactions, []);
});
afterAll(async () => t?.close());

describe('OperationDefinitions of the FUT operations', () => {
  it.each(FUT_OPERATIONS.map((s) => [s.id, s] as const))('%s: served at its id and canonical, valid, and declared in the CapabilityStatement at its level', async (id, spec) => {
    const res = await t.app.inject({ url: `/fhir/OperationDefinition/${id}` });
    expect(res.statusCode).toBe(200);
    const def = res.json() as OperationDefinition;
    expect(def.url).toBe(`http://ehealth.sundhed.dk/fhir/OperationDefinition/${id}`);
    expect(def.code).toBe(spec.code);
    expect([def.system, def.type, def.instance]).toEqual([spec.level === 'system', spec.level === 'type', spec.level === 'instance']);
    // the declared inputs are exactly what the route reads
    expect(def.parameter?.filter((p) => p.use === 'in').map((p) => `${p.name} ${p.min}..${p.max}`)).toEqual(spec.inputs.map((i) => `${i.name} ${i.min}..${i.max}`));
    const validated = await t.app.inject({ method: 'POST', url: '/fhir/OperationDefinition/$validate', headers: { 'content-type': 'application/fhir+json' }, payload: def });
    expect((validated.json() as { issue: Array<{ severity: string }> }).issue.filter((i) => i.severity === 'error' || i.severity === 'fatal')).toEqual([]);
    const rest = ((await t.app.inject({ url: '/fhir/metadata' })).json() as CapabilityStatement).rest?.[0];
    if (spec.level === 'system') expect(rest?.operation).toContainEqual({ name: spec.code, definition: def.url });
    for (const type of spec.types ?? []) expect((rest?.resource ?? []).find((r) => r.type === type)?.operation).toContainEqual({ name: spec.code, definition: def.url });
  });

  it('a restart stores nothing again', async () => {
    const again = await futModule().loadTemplates?.(t.services.interactions, []);
    expect([...(again?.created ?? []), ...(again?.updated ?? [])]).toEqual([]);
  });
});
