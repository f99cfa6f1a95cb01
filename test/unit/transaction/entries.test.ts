import { FhirError } from '../../../src/fhir/outcome';
import { parseEntry } from '../../../src/interactions/transaction-entry';
import { processingRank } from '../../../src/interactions/transaction-prepare';
import { entryError } from '../../../src/interactions/transaction-response';
import { testRegistry } from '../../support/app';

const deps = { registry: testRegistry(), baseUrl: 'http://kolibri.test/fhir' };
const entry = (method: string, url: string, extra: Record<string, unknown> = {}) => ({ request: { method, url }, ...extra });
const kind = (method: string, url: string, extra: Record<string, unknown> = {}) => parseEntry(deps, entry(method, url, extra), 0).action.kind;
const status = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as FhirError).status;
  }
  return undefined;
};

describe('transaction entries', () => {
  it('reads the interaction from method and url, relative or absolute under the base', () => {
    const resource = { resourceType: 'Patient' };
    expect(kind('POST', 'Patient', { resource })).toBe('create');
    expect(kind('PUT', 'Patient/1', { resource })).toBe('update');
    expect(kind('PUT', 'Patient?identifier=x', { resource })).toBe('conditional-update');
    expect(kind('DELETE', 'http://kolibri.test/fhir/Patient/1')).toBe('delete');
    expect(kind('DELETE', 'Patient?identifier=x')).toBe('conditional-delete');
    expect(kind('GET', 'Patient/1')).toBe('read');
    expect(kind('GET', 'Patient/1/_history/2')).toBe('vread');
    expect(kind('GET', 'Patient/1/_history')).toBe('history');
    expect(kind('GET', 'Patient?name=x')).toBe('search');
    expect(kind('PATCH', 'Patient/1', { resource: { resourceType: 'Parameters', parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'delete' }, { name: 'path', valueString: 'Patient.active' }] }] } })).toBe('patch');
  });

  it('refuses malformed entries with 400 and unknown types with 404', () => {
    expect(status(() => parseEntry(deps, { resource: {} }, 0))).toBe(400);
    expect(status(() => kind('POST', 'Patient'))).toBe(400); // no resource
    expect(status(() => kind('POST', 'Patient/1', { resource: {} }))).toBe(400);
    expect(status(() => kind('TRACE', 'Patient'))).toBe(400);
    expect(status(() => kind('DELETE', 'http://elsewhere/fhir/Patient/1'))).toBe(400);
    expect(status(() => kind('GET', 'Nope/1'))).toBe(404);
    expect(status(() => kind('GET', 'Patient/not valid'))).toBe(400);
  });

  it('orders DELETE, POST, PUT/PATCH, GET/HEAD', () => {
    const methods = ['GET', 'PUT', 'POST', 'HEAD', 'PATCH', 'DELETE'];
    const entries = methods.map((method, index) => ({ method, index }) as unknown as Parameters<typeof processingRank>[0]);
    const sorted = [...entries].sort((a, b) => processingRank(a) - processingRank(b) || a.index - b.index);
    expect(sorted.map((e) => e.method)).toEqual(['DELETE', 'POST', 'PUT', 'PATCH', 'GET', 'HEAD']);
  });

  it('names the failing entry 1-based in words and 0-based in FHIRPath, rebasing expressions', () => {
    const err = entryError(new FhirError(422, [{ severity: 'error', code: 'value', diagnostics: 'bad status', expression: ['Observation.status'] }]), 9, 12, {
      method: 'POST',
      url: 'Observation',
      resourceType: 'Observation',
    });
    expect(err.status).toBe(422);
    expect(err.issues[0]).toEqual({
      severity: 'error',
      code: 'value',
      diagnostics: 'Entry 10 of 12 (Bundle.entry[9], POST Observation): bad status',
      expression: ['Bundle.entry[9]', 'Bundle.entry[9].resource.status'],
    });
  });
});
