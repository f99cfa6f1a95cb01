import { join } from 'node:path';
import type { ImplementationGuide } from '@medplum/fhirtypes';
import { builtinResources } from '../../../../src/conformance/builtin-seed';
import { listJsonFiles } from '../../../../src/fhir/definitions/load';

/** What is published as built-in definitions (src/conformance/builtin-seed.ts), read from the files. */
const resources = builtinResources(listJsonFiles(join(__dirname, '../../../../fhir-profiles')));
const count = (type: string) => resources.filter((r) => r.resourceType === type).length;

it('has the R4 base definitions the server loads and Kolibri’s, each type/id and URL once', () => {
  expect(count('StructureDefinition')).toBeGreaterThan(600);
  expect(count('SearchParameter')).toBeGreaterThan(1300);
  expect(count('ValueSet')).toBeGreaterThan(600);
  expect(count('CodeSystem')).toBeGreaterThan(400);
  expect(count('OperationDefinition')).toBe(46);
  const keys = resources.map((r) => `${r.resourceType}/${r.id}`);
  expect(new Set(keys).size).toBe(keys.length);
  expect(keys).toEqual(expect.arrayContaining(['StructureDefinition/kolibri-observation', 'ValueSet/triage-colour', 'SearchParameter/episodeofcare-team']));
});

it('leaves out the R4 narratives and meta, keeps Kolibri’s own text', () => {
  const patient = resources.find((r) => r.resourceType === 'StructureDefinition' && r.id === 'Patient') as { text?: unknown; meta?: unknown };
  expect(patient.text).toBeUndefined();
  expect(patient.meta).toBeUndefined();
});

it('names every Kolibri definition in the ImplementationGuide', () => {
  const ig = resources.find((r) => r.resourceType === 'ImplementationGuide') as ImplementationGuide;
  const named = ig.definition!.resource.map((r) => r.reference.reference).sort();
  // Kolibri's own, and its definitions of the national infrastructure's search parameters at FUT's canonical URLs (fhir-profiles/fut-search)
  const own = (url = '') => url.startsWith('https://kolibri.dk/') || url.startsWith('http://ehealth.sundhed.dk/fhir/SearchParameter/');
  const kolibri = resources.filter((r) => own((r as { url?: string }).url) && r.resourceType !== 'ImplementationGuide').map((r) => `${r.resourceType}/${r.id}`).sort();
  expect(named).toEqual(kolibri);
  expect(kolibri.length).toBeGreaterThan(25);
});

it("publishes ValueSet/diagnoses as the registry uses it: one include per patient group's diagnoses ValueSet", () => {
  const diagnoses = resources.find((r) => r.resourceType === 'ValueSet' && r.id === 'diagnoses') as { compose?: { include?: Array<{ valueSet?: string[] }> } };
  expect(diagnoses.compose?.include?.map((i) => i.valueSet?.[0])).toEqual(
    ['diabetes', 'hjertesvigt', 'ibd', 'kol', 'pregnancy-complications', 'wound-care'].map((g) => `https://kolibri.dk/fhir/ValueSet/${g}-diagnoses`),
  );
});
