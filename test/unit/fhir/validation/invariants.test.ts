import type { ElementDefinition } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../../../src/fhir/definitions/load';
import { InvariantCompiler, SKIPPED_INVARIANTS } from '../../../../src/fhir/validation/invariants';
import { createValidator, type ResourceValidator } from '../../../../src/fhir/validation/validator';

const env = { resource: {}, rootResource: {} };
const el = (key: string, expression: string, severity: 'error' | 'warning' = 'error'): ElementDefinition => ({
  path: 'X',
  constraint: [{ key, severity, human: key, expression }],
});

describe('InvariantCompiler', () => {
  const compiler = new InvariantCompiler();

  it('evaluates an expression: only false fails', () => {
    const [inv] = compiler.forElement(el('t-1', 'a.exists() implies b.exists()'), 'Element');
    expect(inv.check({ a: 1, b: 2 }, ['a', 'b'], env)).toBe(true);
    expect(inv.check({ a: 1 }, ['a'], env)).toBe(false);
  });

  it('answers from the empty node when no key is mentioned (the guard), without missing violations', () => {
    const [needsA] = compiler.forElement(el('t-2', 'a.exists()'), 'Element');
    expect(needsA.check({ c: 1 }, ['c'], env)).toBe(false);
    const [optional] = compiler.forElement(el('t-3', 'a.empty() or b.exists()'), 'Element');
    expect(optional.check({ c: 1 }, ['c'], env)).toBe(true);
    expect(optional.check({ a: 1 }, ['a'], env)).toBe(false);
  });

  it('treats choice keys as their stem (valueQuantity touches value)', () => {
    const [inv] = compiler.forElement(el('t-4', 'value.empty()'), 'Observation');
    expect(inv.check({ valueString: 'x' }, ['valueString'], env)).toBe(false);
  });

  it('compiles each expression once', () => {
    const a = compiler.forElement(el('t-5', 'a.exists()'), 'Element')[0];
    const b = compiler.forElement(el('t-5', 'a.exists()'), 'Element')[0];
    expect(a).toBe(b);
  });

  it('leaves out skipped, best-practice and unparseable invariants', () => {
    expect(compiler.forElement(el('ele-1', 'hasValue() or (children().count() > id.count())'), 'Element')).toEqual([]);
    expect(compiler.forElement(el('t-6', 'this is not ((( fhirpath'), 'Element')).toEqual([]);
    const bp: ElementDefinition = {
      path: 'X',
      constraint: [{ key: 'dom-6', severity: 'warning', human: 'narrative', expression: 'text.`div`.exists()', extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/elementdefinition-bestpractice', valueBoolean: true }] }],
    };
    expect(compiler.forElement(bp, 'Observation')).toEqual([]);
    expect([...SKIPPED_INVARIANTS.keys()]).toEqual(['ele-1', 'txt-1', 'txt-2']);
  });
});

describe('core invariants through the validator', () => {
  let validator: ResourceValidator;
  beforeAll(() => {
    validator = createValidator(loadDefinitions());
  });
  const obs = { resourceType: 'Observation', status: 'final', code: { text: 'x' } };

  it('obs-6: dataAbsentReason with a value is an error at the resource', () => {
    const issues = validator.validate({ ...obs, valueString: 'x', dataAbsentReason: { text: 'n/a' } });
    expect(issues.map((i) => [i.severity, i.code, i.expression?.[0]])).toEqual([['error', 'invariant', 'Observation']]);
    expect(issues[0].diagnostics).toContain('obs-6');
  });

  it('per-1: a Period ending before it starts, located at the Period', () => {
    const issues = validator.validate({ ...obs, effectivePeriod: { start: '2026-03-02', end: '2026-03-01' } });
    expect(issues.map((i) => i.expression?.[0])).toEqual(['Observation.effectivePeriod']);
  });

  it('ref-1 and dom-3: a contained reference must resolve, and contained resources must be referenced', () => {
    const contained = [{ resourceType: 'Patient', id: 'p1' }];
    expect(validator.validate({ ...obs, contained, subject: { reference: '#p1' } })).toEqual([]);
    const dangling = validator.validate({ ...obs, contained, subject: { reference: '#p2' } });
    expect(dangling.map((i) => i.diagnostics.match(/constraint (\S+)/)?.[1])).toEqual(['dom-3', 'ref-1']);
  });

  it('ext-1: an extension with both a value and extensions', () => {
    const issues = validator.validate({ ...obs, extension: [{ url: 'http://example.org/x', valueString: 'a', extension: [{ url: 'y', valueString: 'b' }] }] });
    expect(issues.map((i) => i.expression?.[0])).toEqual(['Observation.extension[0]']);
  });

  it('qty-3: a Quantity code needs a system', () => {
    expect(validator.validate({ ...obs, valueQuantity: { value: 1, code: 'kg' } }).map((i) => i.expression?.[0])).toEqual(['Observation.valueQuantity']);
  });

  it('warning-severity invariants give warnings, which do not make the resource invalid', () => {
    // sdf-0 (warning): a StructureDefinition name should be usable as an identifier
    const issues = validator.validate({
      resourceType: 'StructureDefinition', url: 'http://x/y', name: 'not a name', status: 'draft', kind: 'logical', abstract: true, type: 'Y',
      differential: { element: [{ id: 'Y', path: 'Y' }] },
    });
    expect(issues.map((i) => [i.severity, i.diagnostics.match(/constraint (\S+)/)?.[1]])).toEqual([['warning', 'sdf-0']]);
  });
});
