import type { StructureDefinition } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../../../src/fhir/definitions/load';
import { generateSnapshot } from '../../../../src/fhir/definitions/snapshot';

const r4 = loadDefinitions();
const lookup = (url: string) => r4.structureDefinition(url);
const sd = (elements: object[], base = 'http://hl7.org/fhir/StructureDefinition/Observation'): StructureDefinition =>
  ({ resourceType: 'StructureDefinition', url: 'http://t/sd', baseDefinition: base, type: 'Observation', differential: { element: elements } }) as StructureDefinition;
const ids = (elements: { id?: string }[]) => elements.map((e) => e.id);

it('merges constraints into base elements, adding constraints to the inherited ones', () => {
  const snap = generateSnapshot(sd([{ id: 'Observation', path: 'Observation', constraint: [{ key: 'x-1', severity: 'error', human: 'h', expression: 'true' }] }, { id: 'Observation.subject', path: 'Observation.subject', min: 1 }]), lookup);
  expect(snap.find((e) => e.id === 'Observation.subject')?.min).toBe(1);
  expect(snap[0].constraint?.map((c) => c.key)).toEqual(['dom-2', 'dom-3', 'dom-4', 'dom-5', 'dom-6', 'obs-6', 'obs-7', 'x-1']);
  expect(snap[0].constraint?.at(-1)?.source).toBe('http://t/sd');
});

it('unfolds a datatype to constrain its children, and a renamed choice narrows value[x]', () => {
  const snap = generateSnapshot(sd([{ id: 'Observation.valueQuantity.system', path: 'Observation.valueQuantity.system', fixedUri: 'http://unitsofmeasure.org' }]), lookup);
  const value = snap.find((e) => e.id === 'Observation.value[x]');
  expect(value?.type?.map((t) => t.code)).toEqual(['Quantity']);
  expect(snap.find((e) => e.id === 'Observation.value[x].system')?.fixedUri).toBe('http://unitsofmeasure.org');
  expect(ids(snap)).toContain('Observation.value[x].comparator');
});

it('inserts slices after the sliced element with their own unfolded children', () => {
  const snap = generateSnapshot(sd([
    { id: 'Observation.identifier', path: 'Observation.identifier', slicing: { discriminator: [{ type: 'value', path: 'system' }], rules: 'open' } },
    { id: 'Observation.identifier:a', path: 'Observation.identifier', sliceName: 'a', min: 1 },
    { id: 'Observation.identifier:a.system', path: 'Observation.identifier.system', fixedUri: 'urn:a' },
  ]), lookup);
  const at = ids(snap).indexOf('Observation.identifier:a');
  expect(ids(snap)[at - 1]).toBe('Observation.identifier');
  expect(snap[at].sliceName).toBe('a');
  expect(snap[at].slicing).toBeUndefined();
  expect(snap.find((e) => e.id === 'Observation.identifier:a.system')?.fixedUri).toBe('urn:a');
  expect(ids(snap)[ids(snap).length - 1]).toBe('Observation.component.referenceRange');
});

it('fails loudly on what it cannot address', () => {
  expect(() => generateSnapshot(sd([{ id: 'Observation.nothing', path: 'Observation.nothing' }]), lookup)).toThrow(/not in the base/);
  expect(() => generateSnapshot(sd([], 'http://unknown/base'), lookup)).toThrow(/unknown/);
});

it('reads slice names that contain dots against the element path', () => {
  const snap = generateSnapshot(sd([
    { id: 'Observation.identifier', path: 'Observation.identifier', slicing: { discriminator: [{ type: 'value', path: 'system' }], rules: 'open' } },
    { id: 'Observation.identifier:device.measurement', path: 'Observation.identifier', sliceName: 'device.measurement', max: '1' },
    { id: 'Observation.identifier:device.measurement.system', path: 'Observation.identifier.system', min: 1, fixedUri: 'urn:ietf:rfc:3986' },
  ]), lookup);
  const slice = snap.find((e) => e.id === 'Observation.identifier:device.measurement');
  expect(slice).toMatchObject({ sliceName: 'device.measurement', max: '1' });
  expect(snap.find((e) => e.id === 'Observation.identifier:device.measurement.system')).toMatchObject({ min: 1, fixedUri: 'urn:ietf:rfc:3986' });
  expect(ids(snap).filter((id) => id?.startsWith('Observation.identifier:device.measurement.')).length).toBe(8);
});

it('reslices a slice: the reslice follows its slice and the slice’s children', () => {
  const snap = generateSnapshot(sd([
    { id: 'Observation.performer', path: 'Observation.performer', slicing: { discriminator: [{ type: 'type', path: '$this.resolve()' }], rules: 'open' } },
    { id: 'Observation.performer:team', path: 'Observation.performer', sliceName: 'team', max: '2', slicing: { discriminator: [{ type: 'value', path: 'identifier.system' }], rules: 'open' } },
    { id: 'Observation.performer:team/primary', path: 'Observation.performer', sliceName: 'team/primary', max: '1' },
    { id: 'Observation.performer:team/primary.display', path: 'Observation.performer.display', min: 1 },
  ]), lookup);
  const list = ids(snap);
  const team = list.indexOf('Observation.performer:team');
  const primary = list.indexOf('Observation.performer:team/primary');
  expect(team).toBeGreaterThan(list.indexOf('Observation.performer'));
  expect(primary).toBeGreaterThan(team);
  expect(list.slice(team + 1, primary).every((id) => id?.startsWith('Observation.performer:team.'))).toBe(true);
  expect(snap[primary]).toMatchObject({ sliceName: 'team/primary', max: '1' });
  expect(snap[primary].slicing).toBeUndefined();
  expect(snap.find((e) => e.id === 'Observation.performer:team/primary.display')?.min).toBe(1);
  // the slice itself keeps its own constraints: its children were never unfolded
  expect(list.some((id) => id?.startsWith('Observation.performer:team.'))).toBe(false);
});
