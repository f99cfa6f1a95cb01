import type { Operation } from 'fast-json-patch';
import { FhirError } from '../../../src/fhir/outcome';
import { applyJsonPatch } from '../../../src/fhir/patch/json-patch';
import { parsePatchResource } from '../../../src/fhir/patch/patch-document';

const patient = () => ({ resourceType: 'Patient', id: 'p', active: true, name: [{ family: 'Hansen' }] });

function statusOf(fn: () => unknown): number | string {
  try {
    fn();
    return 'applied';
  } catch (err) {
    return err instanceof FhirError ? err.status : `raw ${(err as Error).constructor.name}`;
  }
}

describe('JSON Patch that cannot apply (https://hl7.org/fhir/R4/http.html#patch)', () => {
  it.each<[string, Operation[]]>([
    ['remove ""', [{ op: 'remove', path: '' }]],
    ['replace "" by a number', [{ op: 'replace', path: '', value: 5 }]],
    ['add "" (a PUT in disguise)', [{ op: 'add', path: '', value: patient() }]],
    ['move "" into a child', [{ op: 'move', from: '', path: '/name/0' }]],
    ['move an element into its own child', [{ op: 'move', from: '/name', path: '/name/0' }]],
    ['copy onto ""', [{ op: 'copy', from: '/name', path: '' }]],
    ['a failing test of ""', [{ op: 'test', path: '', value: {} }]],
  ])('%s → 422, never a TypeError', (_label, ops) => {
    expect(statusOf(() => applyJsonPatch(patient(), ops))).toBe(422);
  });

  it('still applies a passing test of the whole resource and a move to the same place', () => {
    expect(applyJsonPatch(patient(), [{ op: 'test', path: '', value: patient() }])).toEqual(patient());
    expect(applyJsonPatch(patient(), [{ op: 'move', from: '/name', path: '/name' }])).toEqual(patient());
  });

  it('checks the JSON Patch inside a transaction Binary for depth and U+0000 like a request body', () => {
    const binary = (json: string) => ({ resourceType: 'Binary', contentType: 'application/json-patch+json', data: Buffer.from(json).toString('base64') });
    const deep = `${'['.repeat(10_000)}1${']'.repeat(10_000)}`;
    expect(statusOf(() => parsePatchResource(binary(`[{"op":"add","path":"/x","value":${deep}}]`)))).toBe(400);
    expect(statusOf(() => parsePatchResource(binary(JSON.stringify([{ op: 'add', path: '/x', value: 'a\u0000' }]))))).toBe(400);
  });
});
