import { applyFhirPathPatch } from '../../../src/fhir/patch/fhirpath-patch';
import { parseFhirPathPatch } from '../../../src/fhir/patch/fhirpath-patch-operations';
import { parsePatchBody, parsePatchResource } from '../../../src/fhir/patch/patch-document';
import { FhirError } from '../../../src/fhir/outcome';

const op = (type: string, parts: Record<string, unknown>) => ({
  name: 'operation',
  part: [{ name: 'type', valueCode: type }, ...Object.entries(parts).map(([name, v]) => ({ name, ...(v as object) }))],
});
const apply = (resource: Record<string, unknown>, ...ops: Array<ReturnType<typeof op>>) =>
  applyFhirPathPatch(resource, parseFhirPathPatch({ resourceType: 'Parameters', parameter: ops }));
const status = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as FhirError).status;
  }
  return undefined;
};

describe('FHIRPath Patch (https://hl7.org/fhir/R4/fhirpatch.html)', () => {
  const obs = () => ({
    resourceType: 'Observation',
    status: 'final',
    code: { text: 'SpO2' },
    valueQuantity: { value: 94, unit: '%' },
    note: [{ text: 'a' }, { text: 'b' }, { text: 'c' }],
  });

  it('never modifies its input', () => {
    const input = obs();
    apply(input, op('delete', { path: { valueString: 'Observation.note[0]' } }));
    expect(input.note).toHaveLength(3);
  });

  it('replaces a choice element with a value of another type under the right JSON name', () => {
    const out = apply(obs(), op('replace', { path: { valueString: 'Observation.value' }, value: { valueString: 'not measured' } }));
    expect(out.valueString).toBe('not measured');
    expect(out.valueQuantity).toBeUndefined();
  });

  it('reaches into choice types and nested elements', () => {
    const out = apply(obs(), op('replace', { path: { valueString: 'Observation.value.value' }, value: { valueDecimal: 97 } }));
    expect(out.valueQuantity).toEqual({ value: 97, unit: '%' });
  });

  it('moves and deletes within lists, and drops a list that becomes empty', () => {
    let out = apply(obs(), op('move', { path: { valueString: 'Observation.note' }, source: { valueInteger: 2 }, destination: { valueInteger: 0 } }));
    expect((out.note as Array<{ text: string }>).map((n) => n.text)).toEqual(['c', 'a', 'b']);
    out = apply({ resourceType: 'Observation', status: 'final', code: {}, note: [{ text: 'x' }] }, op('delete', { path: { valueString: 'Observation.note[0]' } }));
    expect(out.note).toBeUndefined();
  });

  it('keeps the _name partner of a primitive list in step', () => {
    const patient = { resourceType: 'Patient', name: [{ given: ['a', 'b'], _given: [null, { extension: [{ url: 'u', valueString: 'x' }] }] }] };
    const out = apply(patient, op('delete', { path: { valueString: 'Patient.name.given[0]' } })) as { name: Array<{ given: string[]; _given: unknown[] }> };
    expect(out.name[0].given).toEqual(['b']);
    expect(out.name[0]._given).toEqual([{ extension: [{ url: 'u', valueString: 'x' }] }]);
  });

  it('inserting at 0 into an absent list creates it', () => {
    const out = apply({ resourceType: 'Patient' }, op('insert', { path: { valueString: 'Patient.identifier' }, index: { valueInteger: 0 }, value: { valueIdentifier: { value: '1' } } }));
    expect(out.identifier).toEqual([{ value: '1' }]);
  });

  it('builds backbone values from parts', () => {
    const out = apply(
      { resourceType: 'Patient' },
      op('add', {
        path: { valueString: 'Patient' },
        name: { valueString: 'contact' },
        value: { part: [{ name: 'name', valueHumanName: { family: 'Berg' } }, { name: 'gender', valueCode: 'male' }] },
      }),
    );
    expect(out.contact).toEqual([{ name: { family: 'Berg' }, gender: 'male' }]);
  });

  it('refuses computed values and the resource itself', () => {
    expect(status(() => apply(obs(), op('replace', { path: { valueString: 'Observation.note.count()' }, value: { valueInteger: 1 } })))).toBe(422);
    expect(status(() => apply(obs(), op('delete', { path: { valueString: 'Observation' } })))).toBe(422);
  });
});

describe('patch documents', () => {
  it('reads JSON Patch from a transaction entry Binary and FHIRPath Patch from Parameters', () => {
    const data = Buffer.from(JSON.stringify([{ op: 'remove', path: '/active' }])).toString('base64');
    expect(parsePatchResource({ resourceType: 'Binary', contentType: 'application/json-patch+json', data })).toEqual({
      kind: 'json-patch',
      operations: [{ op: 'remove', path: '/active' }],
    });
    expect(parsePatchResource({ resourceType: 'Parameters', parameter: [op('delete', { path: { valueString: 'Patient.active' } })] }).kind).toBe('fhirpath-patch');
    expect(status(() => parsePatchResource({ resourceType: 'Binary', contentType: 'text/plain', data }))).toBe(400);
    expect(status(() => parsePatchResource({ resourceType: 'Patient' }))).toBe(400);
  });

  it('chooses the patch format from the media type', () => {
    expect(parsePatchBody('application/json-patch+json; charset=utf-8', []).kind).toBe('json-patch');
    expect(status(() => parsePatchBody('application/fhir+json', [{ op: 'remove', path: '/a' }]))).toBe(415);
    expect(status(() => parsePatchBody('text/plain', 'x'))).toBe(415);
  });
});
