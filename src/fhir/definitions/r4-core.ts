import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';

/**
 * The FHIR R4 (4.0.1) base definitions, from the official package HL7 publishes with the
 * specification: `hl7.fhir.r4.examples` 4.0.1 (on npm, pinned in package.json), which holds
 * every core conformance resource of hl7.fhir.r4.core as one file each (`Type-id.json`), next
 * to the spec's examples. https://hl7.org/fhir/R4/downloads.html
 *
 * Read from it: the kinds below, by file name (the examples are never opened), less
 * - the HL7 v2 and v3 code tables (`ValueSet-v2-…`, `CodeSystem-v3-…`): terminology the spec
 *   republishes from terminology.hl7.org, not the spec's own definitions (R4 ships them apart from
 *   valuesets.json, in v2-tables.json and v3-codesystems.json);
 * - the examples of conformance resources (EXAMPLES);
 * - the SearchParameters of core extensions given only as XPath (`patient-extensions-Patient-age`,
 *   some without a base): nothing can index them. (`_text`, `_content` and `_query` have no
 *   expression either, but are kept: the server knows them, and answers that it does not support
 *   them.)
 */
export const R4_PACKAGE_JSON = require.resolve('hl7.fhir.r4.examples/package.json');
export const R4_DIR = dirname(R4_PACKAGE_JSON);

/** The kinds of base definitions read from the package. */
export const R4_KINDS: readonly string[] = ['StructureDefinition', 'SearchParameter', 'ValueSet', 'CodeSystem', 'OperationDefinition', 'CompartmentDefinition'];

const EXAMPLES: ReadonlySet<string> = new Set([
  'StructureDefinition-example-composition.json',
  'StructureDefinition-example-section-library.json',
  'SearchParameter-example.json',
  'SearchParameter-example-extension.json',
  'SearchParameter-example-reference.json',
  'OperationDefinition-example.json',
  'CompartmentDefinition-example.json',
  // `_filter`: a special parameter the search page defines, absent from R4's search-parameters.json
  'SearchParameter-filter.json',
]);

/** The package's files of the given kinds (all R4_KINDS by default) that are base definitions, sorted. */
export function r4CoreFiles(kinds: readonly string[] = R4_KINDS): string[] {
  const prefixes = kinds.map((k) => `${k}-`);
  return readdirSync(R4_DIR)
    .filter((f) => f.endsWith('.json') && prefixes.some((p) => f.startsWith(p)) && !EXAMPLES.has(f) && !/^(ValueSet|CodeSystem)-v[23]-/.test(f))
    .sort()
    .map((f) => join(R4_DIR, f));
}

/** The base definitions of the given kinds, parsed. */
export function readR4Core(kinds: readonly string[] = R4_KINDS): Resource[] {
  const out: Resource[] = [];
  for (const file of r4CoreFiles(kinds)) {
    const resource = JSON.parse(readFileSync(file, 'utf8')) as Resource & { expression?: string };
    if (resource.resourceType === 'SearchParameter' && !resource.expression && resource.id?.includes('-extensions-')) continue;
    out.push(resource);
  }
  return out;
}
