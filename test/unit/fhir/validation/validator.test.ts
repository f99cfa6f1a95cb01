import { loadDefinitions } from '../../../../src/fhir/definitions/load';
import type { Issue } from '../../../../src/fhir/issue';
import { createValidator, type ResourceValidator } from '../../../../src/fhir/validation/validator';

let validator: ResourceValidator;
beforeAll(() => {
  validator = createValidator(loadDefinitions());
});

const obs = (extra: Record<string, unknown>) => ({ resourceType: 'Observation', status: 'final', code: { text: 'SpO2' }, ...extra });
const located = (issues: Issue[]) => issues.map((i) => `${i.code} ${i.expression?.[0]}`);

describe('the resource envelope', () => {
  it.each([
    ['an array', [{ resourceType: 'Patient' }]],
    ['a string', 'Patient'],
    ['null', null],
  ])('rejects %s as invalid', (_label, body) => {
    expect(validator.validate(body, { type: 'Patient' })).toEqual([
      expect.objectContaining({ code: 'invalid', expression: ['Patient'] }),
    ]);
  });

  it('rejects a missing resourceType, an unknown one and an abstract one', () => {
    expect(located(validator.validate({ id: 'x' }))).toEqual(['invalid Resource']);
    expect(located(validator.validate({ resourceType: 'Citizen' }))).toEqual(['invalid Citizen']);
    expect(located(validator.validate({ resourceType: 'DomainResource' }))).toEqual(['invalid DomainResource']);
  });

  it('names both types when the body is not the type of the URL', () => {
    const [issue] = validator.validate({ resourceType: 'Patient' }, { type: 'Observation' });
    expect(issue.diagnostics).toBe("resourceType 'Patient' does not match the expected type 'Observation'");
  });

  it('validates any R4 type, not just the telemedicine ones', () => {
    expect(validator.validate({ resourceType: 'Medication', status: 'active' })).toEqual([]);
    expect(located(validator.validate({ resourceType: 'Account', status: 'active', foo: 1 }))).toEqual([
      'structure Account.foo',
    ]);
  });
});

it('checks required bindings of the base definitions: a well-formed code outside its ValueSet is an error', () => {
  expect(validator.validate({ resourceType: 'Medication', status: 'not a status' })).toEqual([
    {
      severity: 'error',
      code: 'code-invalid',
      diagnostics: "Medication.status: 'not a status' is not in the required value set http://hl7.org/fhir/ValueSet/medication-status|4.0.1",
      expression: ['Medication.status'],
    },
  ]);
  expect(validator.validate({ resourceType: 'Medication', status: 'active' })).toEqual([]);
});

describe('diagnostics a vendor developer can act on', () => {
  it.each([
    ['Observation.status: expected a code (string), got number 5', obs({ status: 5 })],
    ["Unknown element 'foo' in Observation", obs({ foo: 'bar' })],
    ['Observation.subject: must be a single value, not an array (max cardinality 1)', obs({ subject: [{ reference: 'Patient/1' }] })],
    ['Observation.category: must be an array (max cardinality *)', obs({ category: { text: 'x' } })],
    ['Observation.code: is required but missing (minimum cardinality 1)', { resourceType: 'Observation', status: 'final' }],
    ["Observation.issued: '2026-03-01' is not a valid instant", obs({ issued: '2026-03-01' })],
    ["Observation.valueQuantity.value: expected a decimal (number), got string '94'", obs({ valueQuantity: { value: '94' } })],
    ['Observation.value[x] does not allow type Address (allowed: Quantity, CodeableConcept, string, boolean, integer, Range, Ratio, SampledData, time, dateTime, Period)', obs({ valueAddress: { city: 'Aalborg' } })],
    ["Observation.valueBoolean: value[x] takes only one type, but both 'valueInteger' and 'valueBoolean' are present", obs({ valueInteger: 1, valueBoolean: true })],
    ["Unknown element '_code' in Observation: only primitive elements have a '_' extension partner", obs({ _code: { id: 'x' } })],
  ])('%s', (diagnostics, resource) => {
    expect(validator.validate(resource).map((i) => i.diagnostics)).toEqual([diagnostics]);
  });
});

describe('primitive extension partners', () => {
  it('accepts an extension on a primitive with or without its value', () => {
    const ext = { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] };
    expect(validator.validate({ resourceType: 'Patient', birthDate: '1952-01-01', _birthDate: ext })).toEqual([]);
    expect(validator.validate({ resourceType: 'Patient', _birthDate: ext })).toEqual([]);
  });

  it('lets the partner satisfy a required primitive (a data-absent-reason instead of a value)', () => {
    const absent = { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] };
    expect(validator.validate({ resourceType: 'Observation', _status: absent, code: { text: 'x' } })).toEqual([]);
  });

  it('checks the partner object like any element', () => {
    expect(located(validator.validate({ resourceType: 'Patient', _birthDate: { extension: [{ url: 'http://x' }], note: 'x' } }))).toEqual([
      'structure Patient.birthDate.note',
    ]);
  });

  it('rejects a partner on a System-typed element (Extension.url, Element.id)', () => {
    const resource = obs({ extension: [{ url: 'http://x', _url: { id: 'u' }, valueString: 'y' }] });
    expect(located(validator.validate(resource))).toEqual(['structure Observation.extension[0]._url']);
  });

  it('rejects nulls in a primitive array without a partner array', () => {
    expect(located(validator.validate({ resourceType: 'Patient', name: [{ given: [null] }] }))).toEqual([
      'structure Patient.name[0].given[0]',
    ]);
  });
});

describe('extensions and nested resources', () => {
  it('checks extension values against the types Extension.value[x] allows', () => {
    const resource = obs({
      extension: [
        { url: 'http://example.org/a', valueQuantity: { value: 1 } },
        { url: 'http://example.org/b', extension: [{ url: 'part', valueDate: '2026-02-30' }] },
        { url: 'http://example.org/c', valueFoo: 1 },
      ],
      modifierExtension: [{ url: 'http://example.org/m', valueBoolean: 'yes' }],
    });
    expect(located(validator.validate(resource))).toEqual([
      'value Observation.extension[1].extension[0].valueDate',
      'structure Observation.extension[2].valueFoo',
      'value Observation.modifierExtension[0].valueBoolean',
    ]);
  });

  it('validates Parameters.parameter.resource and nested parts as their own types', () => {
    const resource = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'p', resource: { resourceType: 'Patient', gender: 7 } },
        { name: 'q', part: [{ name: 'r', part: [{ name: 's', valueUnsignedInt: -1 }] }] },
      ],
    };
    expect(located(validator.validate(resource))).toEqual([
      'value Parameters.parameter[0].resource.gender',
      'value Parameters.parameter[1].part[0].part[0].valueUnsignedInt',
    ]);
  });

  it('requires a nested resource to be an object with a resourceType', () => {
    const resource = obs({ contained: ['Patient/1', { id: 'x' }] });
    expect(located(validator.validate(resource))).toEqual([
      'structure Observation.contained[0]',
      'invalid Observation.contained[1]',
    ]);
  });
});

describe('hostile bodies', () => {
  it('stops at a nesting depth no real resource reaches', () => {
    let item: Record<string, unknown> = { linkId: 'leaf', type: 'string' };
    for (let i = 0; i < 5000; i++) item = { linkId: String(i), type: 'group', item: [item] };
    const issues = validator.validate({ resourceType: 'Questionnaire', status: 'active', item: [item] });
    expect(issues).toHaveLength(1);
    expect(issues[0].diagnostics).toMatch(/nested deeper than \d+ levels/);
  });

  it('caps the number of issues', () => {
    const resource: Record<string, unknown> = obs({});
    for (let i = 0; i < 1000; i++) resource[`junk${i}`] = i;
    const issues = validator.validate(resource);
    expect(issues.length).toBeLessThanOrEqual(101);
    expect(issues[issues.length - 1]).toMatchObject({ code: 'too-costly' });
  });

  it('treats __proto__ and constructor as the unknown elements they are', () => {
    const resource = JSON.parse('{"resourceType":"Patient","__proto__":{"x":1},"constructor":"y"}');
    expect(located(validator.validate(resource))).toEqual(['structure Patient.__proto__', 'structure Patient.constructor']);
  });
});
