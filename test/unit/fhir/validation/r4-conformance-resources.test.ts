import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { R4_DIR } from '../../../../src/fhir/definitions/r4-core';
import { loadDefinitions } from '../../../../src/fhir/definitions/load';
import { createValidator, type ResourceValidator } from '../../../../src/fhir/validation/validator';

/**
 * The largest body of real R4 instances at hand is the specification's own conformance
 * resources, from the official package the base definitions are read from
 * (hl7.fhir.r4.examples 4.0.1): every StructureDefinition, SearchParameter, ValueSet, CodeSystem
 * (the v2 and v3 tables included), ConceptMap, NamingSystem, OperationDefinition and
 * CompartmentDefinition published with R4. All of them
 * must pass validation with no errors — structure, bindings, invariants, core profiles in
 * meta.profile, extensions by their definitions: a false error here would also reject a
 * vendor's valid resource. Warnings (e.g. the core's own `name` best-practice invariants
 * sdf-0/vsd-0/csd-0/spd-0, codes outside extensible bindings) are allowed.
 * The few resources that really violate R4 are listed in GENUINE_VIOLATIONS with the reason
 * and their exact errors, so that a new error anywhere fails this test. (Four ValueSets name a
 * StructureDefinition in meta.profile that R4 never published, e.g.
 * valueset-endpoint-connection-type: a warning that it was not checked, as with any unknown
 * profile under the default KOLIBRI_UNKNOWN_PROFILES=warning.)
 */
const GENUINE_VIOLATIONS: Record<string, { reason: string; expressions: string[] }> = {
  'http://hl7.org/fhir/SearchParameter/codesystem-extensions-CodeSystem-author': { reason: 'an extension search parameter published without a base', expressions: ['SearchParameter.base'] },
  'http://hl7.org/fhir/SearchParameter/codesystem-extensions-CodeSystem-effective': { reason: 'an extension search parameter published without a base', expressions: ['SearchParameter.base'] },
  'http://hl7.org/fhir/SearchParameter/codesystem-extensions-CodeSystem-end': { reason: 'an extension search parameter published without a base', expressions: ['SearchParameter.base'] },
  'http://hl7.org/fhir/SearchParameter/codesystem-extensions-CodeSystem-keyword': { reason: 'an extension search parameter published without a base', expressions: ['SearchParameter.base'] },
  'http://hl7.org/fhir/SearchParameter/codesystem-extensions-CodeSystem-workflow': { reason: 'an extension search parameter published without a base', expressions: ['SearchParameter.base'] },
  'http://hl7.org/fhir/SearchParameter/valueset-extensions-ValueSet-author': { reason: 'an extension search parameter published without a base', expressions: ['SearchParameter.base'] },
  'http://hl7.org/fhir/SearchParameter/valueset-extensions-ValueSet-effective': { reason: 'an extension search parameter published without a base', expressions: ['SearchParameter.base'] },
  'http://hl7.org/fhir/SearchParameter/valueset-extensions-ValueSet-end': { reason: 'an extension search parameter published without a base', expressions: ['SearchParameter.base'] },
  'http://hl7.org/fhir/SearchParameter/valueset-extensions-ValueSet-keyword': { reason: 'an extension search parameter published without a base', expressions: ['SearchParameter.base'] },
  'http://hl7.org/fhir/SearchParameter/valueset-extensions-ValueSet-workflow': { reason: 'an extension search parameter published without a base', expressions: ['SearchParameter.base'] },
  'http://hl7.org/fhir/StructureDefinition/Definition': { reason: 'a logical model (pattern) neither abstract nor derived (sdf-4)', expressions: ['StructureDefinition'] },
  'http://hl7.org/fhir/StructureDefinition/Event': { reason: 'a logical model (pattern) neither abstract nor derived (sdf-4)', expressions: ['StructureDefinition'] },
  'http://hl7.org/fhir/StructureDefinition/FiveWs': { reason: 'a logical model (pattern) neither abstract nor derived (sdf-4)', expressions: ['StructureDefinition'] },
  'http://hl7.org/fhir/StructureDefinition/Request': { reason: 'a logical model (pattern) neither abstract nor derived (sdf-4)', expressions: ['StructureDefinition'] },
  'http://hl7.org/fhir/SearchParameter/questionnaireresponse-extensions-QuestionnaireResponse-item-subject': { reason: 'its id is longer than the 64 characters an id may have', expressions: ['SearchParameter.id'] },
  'http://dicom.nema.org/resources/ontology/DCM': { reason: 'its narrative is over the 1 MiB a string may hold', expressions: ['CodeSystem.text.div'] },
  'http://hl7.org/fhir/ValueSet/c80-doc-typecodes': { reason: 'its narrative is over the 1 MiB a string may hold', expressions: ['ValueSet.text.div'] },
};
const KINDS = ['StructureDefinition', 'SearchParameter', 'ValueSet', 'CodeSystem', 'ConceptMap', 'NamingSystem', 'OperationDefinition', 'CompartmentDefinition'];

let validator: ResourceValidator;
const resources: Resource[] = [];
beforeAll(() => {
  validator = createValidator(loadDefinitions());
  for (const file of readdirSync(R4_DIR)) {
    if (KINDS.some((k) => file.startsWith(`${k}-`))) resources.push(JSON.parse(readFileSync(join(R4_DIR, file), 'utf8')) as Resource);
  }
});

it('reads a large and varied sample of R4 resources', () => {
  expect(resources.length).toBeGreaterThan(4000);
  const types = new Set(resources.map((r) => r.resourceType));
  for (const t of ['StructureDefinition', 'SearchParameter', 'ValueSet', 'CodeSystem', 'ConceptMap', 'CompartmentDefinition']) {
    expect(types).toContain(t);
  }
});

it('finds no errors in the R4 specification’s own resources but the explained ones', () => {
  const failures: string[] = [];
  const explained: Record<string, string[]> = {};
  for (const resource of resources) {
    const url = (resource as { url?: string }).url ?? resource.id ?? '?';
    for (const issue of validator.validate(resource)) {
      if (issue.severity !== 'error') continue;
      if (GENUINE_VIOLATIONS[url]) (explained[url] ??= []).push(issue.expression?.[0] ?? '');
      else failures.push(`${url}: ${issue.diagnostics}`);
    }
  }
  expect(failures).toEqual([]);
  expect(explained).toEqual(Object.fromEntries(Object.entries(GENUINE_VIOLATIONS).map(([url, v]) => [url, v.expressions])));
}, 120_000);

it('does find an error planted deep inside one of them', () => {
  const sd = structuredClone(resources.find((r) => r.id === 'Observation')) as unknown as {
    snapshot: { element: { min: unknown }[] };
  };
  sd.snapshot.element[3].min = '0';
  expect(validator.validate(sd).map((i) => i.expression?.[0])).toEqual(['StructureDefinition.snapshot.element[3].min']);
});
