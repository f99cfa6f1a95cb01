import { join } from 'node:path';
import type { Bundle, CapabilityStatement, OperationDefinition } from '@medplum/fhirtypes';
import { createTestApp, type TestApp } from '../../support/app';
import { loadTemplates } from '../../../src/telemedicine/template-loader';

const PROFILES = join(__dirname, '..', '..', '..', 'fhir-profiles');
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  await loadTemplates(t.services.interactions, [PROFILES]);
});
afterAll(async () => t?.close());

/** Every operation the CapabilityStatement names with a Kolibri canonical, at any level. */
function kolibriOperations(statement: CapabilityStatement): Array<{ name: string; definition: string; type?: string }> {
  const rest = statement.rest?.[0];
  const system = (rest?.operation ?? []).map((o) => ({ name: o.name as string, definition: o.definition as string }));
  const typed = (rest?.resource ?? []).flatMap((r) => (r.operation ?? []).map((o) => ({ name: o.name as string, definition: o.definition as string, type: r.type as string })));
  return [...system, ...typed].filter((o) => o.definition.startsWith('https://kolibri.dk/'));
}

describe("OperationDefinitions of Kolibri's own operations", () => {
  it('resolve: each canonical the CapabilityStatement names is a stored, valid OperationDefinition of that code and resource', async () => {
    const statement = (await t.app.inject({ url: '/fhir/metadata' })).json() as CapabilityStatement;
    const operations = kolibriOperations(statement);
    expect(new Set(operations.map((o) => o.name))).toEqual(new Set(['submit-measurement', 'get-patient-procedures', 'rollout-report', 'utilisation-report', 'self-management-report', 'apply']));
    for (const op of operations) {
      const res = await t.app.inject({ url: `/fhir/OperationDefinition?url=${encodeURIComponent(op.definition)}` });
      expect(res.statusCode).toBe(200);
      const found = ((res.json() as Bundle).entry ?? []).map((e) => e.resource as OperationDefinition);
      expect(found).toHaveLength(1);
      expect(found[0].code).toBe(op.name);
      if (op.type) expect(found[0].resource).toContain(op.type);
      else expect(found[0].system).toBe(true);
      const validated = await t.app.inject({ method: 'POST', url: '/fhir/OperationDefinition/$validate', headers: { 'content-type': 'application/fhir+json' }, payload: found[0] });
      expect(validated.statusCode).toBe(200);
      const issues = (validated.json() as { issue: Array<{ severity: string; diagnostics?: string }> }).issue;
      expect(issues.filter((i) => i.severity === 'error' || i.severity === 'fatal')).toEqual([]);
    }
  });
});
