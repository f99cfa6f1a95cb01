import type { StructureDefinition } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../../../src/fhir/definitions/load';
import type { DefinitionRegistry } from '../../../../src/fhir/definitions/registry';
import { prepareStoredLayer } from '../../../../src/fhir/definitions/stored';

/**
 * The registry's stored layer (definitions created through the API): each fork has its own, a
 * differential gets its snapshot, the file definitions cannot be redefined, and one broken
 * definition is reported without keeping the others out.
 */
let files: DefinitionRegistry;
beforeAll(() => {
  files = loadDefinitions();
});

const profile = (url: string, base = 'http://hl7.org/fhir/StructureDefinition/Observation', element = 'note'): StructureDefinition => ({
  resourceType: 'StructureDefinition',
  id: url.split('/').pop(),
  url,
  name: 'P',
  status: 'active',
  kind: 'resource',
  abstract: false,
  type: 'Observation',
  baseDefinition: base,
  derivation: 'constraint',
  differential: { element: [{ id: `Observation.${element}`, path: `Observation.${element}`, min: 1 }] },
});

it('keeps what one fork learns out of the registry it was forked from and out of other forks', () => {
  const one = files.fork();
  const other = files.fork();
  const { input } = prepareStoredLayer([profile('https://example.org/sd/a')], one);
  one.setStored({ ...input });
  expect(one.structureDefinition('https://example.org/sd/a')?.snapshot?.element?.length).toBeGreaterThan(10);
  expect(files.structureDefinition('https://example.org/sd/a')).toBeUndefined();
  expect(other.structureDefinition('https://example.org/sd/a')).toBeUndefined();
  one.setStored({ structureDefinitions: [], searchParameters: [] });
  expect(one.structureDefinition('https://example.org/sd/a')).toBeUndefined();
  expect(one.generation).toBe(2);
});

it('completes a stored profile on another stored profile', () => {
  const reg = files.fork();
  const { input, problems } = prepareStoredLayer([profile('https://example.org/sd/child', 'https://example.org/sd/parent', 'method'), profile('https://example.org/sd/parent')], reg);
  expect(problems).toEqual([]);
  reg.setStored(input);
  const child = reg.structureDefinition('https://example.org/sd/child')!;
  const min = (path: string) => child.snapshot!.element!.find((e) => e.id === path)?.min;
  expect([min('Observation.note'), min('Observation.method')]).toEqual([1, 1]);
});

it('reports a profile whose differential cannot be followed, and keeps the others', () => {
  const { input, problems } = prepareStoredLayer([profile('https://example.org/sd/bad', undefined, 'nonsense'), profile('https://example.org/sd/good')], files.fork());
  expect(problems).toEqual([{ key: 'StructureDefinition/bad', message: expect.stringContaining('Observation.nonsense') }]);
  expect(input.structureDefinitions.map((sd) => sd.url)).toEqual(['https://example.org/sd/good']);
});

it('never lets a stored definition replace a file one (by URL, or a SearchParameter by code)', () => {
  const reg = files.fork();
  const fake = { ...profile('http://hl7.org/fhir/StructureDefinition/Observation'), type: 'Patient' };
  const shadow = { resourceType: 'SearchParameter' as const, url: 'https://example.org/sp/code', name: 'code', status: 'active' as const, description: 'x', code: 'code', base: ['Observation' as const], type: 'token' as const, expression: 'Observation.id' };
  const added = { ...shadow, url: 'https://example.org/sp/new', code: 'new-one' };
  reg.setStored({ structureDefinitions: [fake], searchParameters: [shadow, added] });
  expect(reg.structureDefinition('http://hl7.org/fhir/StructureDefinition/Observation')?.type).toBe('Observation');
  expect(reg.searchParameter('Observation', 'code')?.url).toBe('http://hl7.org/fhir/SearchParameter/clinical-code');
  expect(reg.searchParameter('Observation', 'new-one')?.url).toBe('https://example.org/sp/new');
  expect(files.searchParameter('Observation', 'new-one')).toBeUndefined();
});
