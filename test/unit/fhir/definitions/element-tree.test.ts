import type { StructureDefinition } from '@medplum/fhirtypes';
import type { DefinitionRegistry } from '../../../../src/fhir/definitions/registry';
import { loadDefinitions } from '../../../../src/fhir/definitions/load';
import { generateSnapshot } from '../../../../src/fhir/definitions/snapshot';
import { parseElementTree } from '../../../../src/fhir/definitions/element-tree';
import { compilePrimitiveTypes } from '../../../../src/fhir/validation/primitives';
import { ShapeCompiler } from '../../../../src/fhir/validation/shape';
import { Walk } from '../../../../src/fhir/validation/walker';

let registry: DefinitionRegistry;
beforeAll(() => {
  registry = loadDefinitions();
});

const tree = (type: string) => parseElementTree(registry.structureDefinition(type) as StructureDefinition);

describe('parseElementTree: one tree for shape and profile checks', () => {
  it('reads cardinality, choice stems and types from the snapshot', () => {
    const obs = tree('Observation');
    const status = obs.byPath.get('Observation.status')!;
    expect(status).toMatchObject({ name: 'status', min: 1, max: 1, isArray: false, isChoice: false });
    expect(status.types.map((t) => t.code)).toEqual(['code']);
    const value = obs.root.childByName.get('value')!;
    expect(value).toMatchObject({ path: 'Observation.value[x]', isChoice: true, max: 1 });
    expect(value.types.map((t) => t.code)).toContain('Quantity');
    expect(obs.byPath.get('Observation.category')).toMatchObject({ isArray: true, max: Infinity });
  });

  it('nests backbone elements and keeps contentReference targets as paths', () => {
    const q = tree('Questionnaire');
    const item = q.root.childByName.get('item')!;
    expect(item.childByName.get('linkId')).toMatchObject({ min: 1 });
    expect(item.childByName.get('item')).toMatchObject({ contentReference: 'Questionnaire.item', isArray: true });
  });

  it('types a resource’s own id as id, but Element.id and Extension.url as System types', () => {
    expect(tree('Patient').byPath.get('Patient.id')!.types[0]).toMatchObject({ code: 'id', system: true });
    expect(tree('Patient').byPath.get('Patient.contact.id')!.types[0]).toMatchObject({ code: 'string', system: true });
    expect(tree('Extension').byPath.get('Extension.url')!.types[0]).toMatchObject({ code: 'uri', system: true });
    expect(tree('Patient').byPath.get('Patient.birthDate')!.types[0]).toMatchObject({ code: 'date', system: false });
  });

  it('hangs slices with dotted names and reslices under the element they slice, outside the base shape', () => {
    const sd = {
      resourceType: 'StructureDefinition',
      url: 'http://example.org/fhir/StructureDefinition/sliced-observation',
      type: 'Observation',
      kind: 'resource',
      derivation: 'constraint',
      baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Observation',
      differential: {
        element: [
          { id: 'Observation.identifier', path: 'Observation.identifier', slicing: { discriminator: [{ type: 'value', path: 'system' }], rules: 'closed' } },
          { id: 'Observation.identifier:device.measurement', path: 'Observation.identifier', sliceName: 'device.measurement', max: '1' },
          { id: 'Observation.identifier:device.measurement.system', path: 'Observation.identifier.system', min: 1, fixedUri: 'urn:ietf:rfc:3986' },
          { id: 'Observation.performer', path: 'Observation.performer', slicing: { discriminator: [{ type: 'type', path: '$this.resolve()' }], rules: 'open' } },
          { id: 'Observation.performer:team', path: 'Observation.performer', sliceName: 'team', slicing: { discriminator: [{ type: 'value', path: 'display' }], rules: 'open' } },
          { id: 'Observation.performer:team/primary', path: 'Observation.performer', sliceName: 'team/primary', max: '1' },
        ],
      },
    } as StructureDefinition;
    sd.snapshot = { element: generateSnapshot(sd, (url) => registry.structureDefinition(url)) };
    const t = parseElementTree(sd);
    expect(t.isProfile).toBe(true);
    const identifier = t.root.childByName.get('identifier')!;
    expect(identifier.slicing).toMatchObject({ rules: 'closed' });
    expect(identifier.slices.map((s) => s.sliceName)).toEqual(['device.measurement']);
    const slice = identifier.slices[0];
    expect(slice.childByName.get('system')).toMatchObject({ id: 'Observation.identifier:device.measurement.system', min: 1, fixed: { type: 'Uri', value: 'urn:ietf:rfc:3986' } });
    // the base shape is the element's: the slice's unfolded children do not leak into it
    expect(t.byPath.get('Observation.identifier.system')).toBeUndefined();
    expect(t.byPath.get('Observation.identifier')).toBe(identifier);
    expect(t.byId.get('Observation.identifier:device.measurement.system')).toBe(slice.childByName.get('system'));
    const performer = t.root.childByName.get('performer')!;
    expect(performer.slices.map((s) => s.sliceName)).toEqual(['team']);
    expect(performer.slices[0].slices.map((s) => s.sliceName)).toEqual(['team/primary']);
    expect(performer.slices[0].slices[0]).toMatchObject({ max: 1, checkCardinality: false });
  });
});

/**
 * Profiles (issue 4) compile into the same shapes: a profile's snapshot narrows cardinality
 * and unfolds datatypes, and the walker enforces it without knowing it is a profile.
 */
describe('a profile snapshot through the same compiler and walker', () => {
  // a Patient profile in the manner of US Core's: identifier with a system, a name
  const usCore = () => {
    const sd: StructureDefinition = {
      resourceType: 'StructureDefinition',
      url: 'http://example.org/fhir/StructureDefinition/identified-patient',
      name: 'IdentifiedPatient',
      status: 'active',
      kind: 'resource',
      abstract: false,
      type: 'Patient',
      baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Patient',
      derivation: 'constraint',
      differential: {
        element: [
          { id: 'Patient.identifier', path: 'Patient.identifier', min: 1 },
          { id: 'Patient.identifier.system', path: 'Patient.identifier.system', min: 1 },
          { id: 'Patient.name', path: 'Patient.name', min: 1 },
        ],
      },
    };
    sd.snapshot = { element: generateSnapshot(sd, (url) => registry.structureDefinition(url)) };
    return sd;
  };

  it('enforces the profile’s cardinalities, including inside unfolded datatypes', () => {
    const compiler = new ShapeCompiler(registry, compilePrimitiveTypes(registry));
    const shape = compiler.structure(usCore());
    const walk = new Walk((type) => compiler.type(type), 'Patient');
    walk.object({ resourceType: 'Patient', identifier: [{ value: '0101520000' }], gender: 'female' }, shape);
    expect(walk.issues.map((i) => `${i.code} ${i.expression?.[0]}`)).toEqual([
      'required Patient.identifier[0].system',
      'required Patient.name',
    ]);
  });

  it('keeps JSON array-ness from the base definition when a profile narrows max', () => {
    const sd = structuredClone(registry.structureDefinition('Patient')) as StructureDefinition;
    sd.url = 'http://example.org/fhir/StructureDefinition/one-name-patient';
    const name = sd.snapshot!.element!.find((e) => e.path === 'Patient.name')!;
    name.max = '1';
    const compiler = new ShapeCompiler(registry, compilePrimitiveTypes(registry));
    const shape = compiler.structure(sd);
    const walk = new Walk((type) => compiler.type(type), 'Patient');
    walk.object({ resourceType: 'Patient', name: [{ family: 'A' }, { family: 'B' }] }, shape);
    expect(walk.issues.map((i) => i.diagnostics)).toEqual(['Patient.name: 2 items, at most 1 allowed']);
  });

  it('still treats a primitive as a primitive when a profile unfolds its children', () => {
    const sd = structuredClone(registry.structureDefinition('Patient')) as StructureDefinition;
    sd.url = 'http://example.org/fhir/StructureDefinition/birthdate-unfolded';
    const elements = sd.snapshot!.element!;
    const at = elements.findIndex((e) => e.path === 'Patient.birthDate');
    const unfolded = (registry.structureDefinition('date') as StructureDefinition).snapshot!.element!.slice(1).map((e) => ({
      ...e,
      id: e.id!.replace(/^date/, 'Patient.birthDate'),
      path: e.path!.replace(/^date/, 'Patient.birthDate'),
    }));
    elements.splice(at + 1, 0, ...unfolded);
    const compiler = new ShapeCompiler(registry, compilePrimitiveTypes(registry));
    const walk = new Walk((type) => compiler.type(type), 'Patient');
    walk.object({ resourceType: 'Patient', birthDate: '1952-01-01' }, compiler.structure(sd));
    walk.object({ resourceType: 'Patient', birthDate: '1952-02-30' }, compiler.structure(sd));
    expect(walk.issues.map((i) => `${i.code} ${i.expression?.[0]}`)).toEqual(['value Patient.birthDate']);
  });
});
