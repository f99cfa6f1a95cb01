import { amendCompartment } from './compartment-amendments';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
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
import { completeSnapshots, type StructureLookup } from './snapshot';
import { R4_PACKAGE_JSON, r4CoreFiles, readR4Core } from './r4-core';
import { packageInputFiles, type FhirPackage } from '../packages/fhir-package';
import { PackageLoadError, problemOf, readPackageSet, type PackageEntry, type PackageProblem, type PackageSet } from '../packages/package-set';
import { composeIncludedIn } from './included-in';

export interface LoadOptions {
  /** Folders with the project's own conformance resources (JSON files: single resources or Bundles). */
  profileDirs?: string[];
  /** FHIR NPM packages (implementation guides: `.tgz` or folders) loaded after them (KOLIBRI_IG_PACKAGES). */
  igPackages?: string[];
  /** Where the prepared definitions may be cached between starts (see cache.ts); none = no cache. */
  cacheDir?: string;
}

/** Definitions sorted by kind, as the registry takes them. */
export type Input = Required<RegistryInput>;

/** The kinds the registry holds (OperationDefinitions, ConceptMaps and NamingSystems are served from the database only). */
const REGISTRY_KINDS = ['StructureDefinition', 'SearchParameter', 'ValueSet', 'CodeSystem', 'CompartmentDefinition'];

/**
 * Load the R4 base definitions (./r4-core.ts), the project's own and the implementation-guide
 * packages, once, into a registry. A package definition that cannot be used (see
 * ../packages/package-set.ts, or a snapshot that cannot be generated) throws a PackageLoadError
 * naming its file and resource: start-up stops rather than serve half a guide.
 */
export function loadDefinitions(options: LoadOptions = {}): DefinitionRegistry {
  const profileFiles = (options.profileDirs ?? []).flatMap(listJsonFiles);
  const packages = options.igPackages ?? [];
  const inputs = [R4_PACKAGE_JSON, ...profileFiles, ...packages.flatMap(packageInputFiles)];
  const input = cached(options.cacheDir, inputs, () => prepare(profileFiles, readPackageSet(packages)));
  return new DefinitionRegistry(input);
}

/** Read, complete and slim every definition (what the cache keeps). */
function prepare(profileFiles: readonly string[], packages: PackageSet): Input {
  const input: Input = {
    structureDefinitions: [],
    searchParameters: [],
    valueSets: [],
    codeSystems: [],
    compartmentDefinitions: [],
    implementationGuides: packages.packages.map(implementationGuideUrl),
  };
  for (const r of readR4Core(REGISTRY_KINDS)) collect(r, input, 'R4');
  for (const file of profileFiles) collect(readJson(file), input, file);
  const own = input.structureDefinitions.length;
  const problems: PackageProblem[] = [...packages.problems];
  const taken = takenIds(input);
  for (const e of packages.entries) {
    const key = `${e.resource.resourceType}/${e.resource.id}`;
    if (taken.has(key)) problems.push(problemOf(e, `${key} is already a base or Kolibri definition: give it another id`));
    else collect(e.resource, input, e.file);
  }
  const lookup = structureLookup(input.structureDefinitions);
  // Profiles are authored as differentials; give each a snapshot once, at load.
  completeSnapshots(input.structureDefinitions.slice(0, own), lookup);
  const fromPackages = new Map(packages.entries.map((e) => [e.resource, e]));
  for (const sd of input.structureDefinitions.slice(own)) {
    try {
      completeSnapshots([sd], lookup);
    } catch (err) {
      problems.push(problemOf(fromPackages.get(sd) as PackageEntry, (err as Error).message));
    }
  }
  if (problems.length) throw new PackageLoadError(problems);
  input.structureDefinitions = input.structureDefinitions.map(slimStructureDefinition);
  input.valueSets = composeIncludedIn(input.valueSets).map(slimValueSet);
  input.codeSystems = input.codeSystems.map(slimCodeSystem);
  input.compartmentDefinitions = input.compartmentDefinitions.map(amendCompartment);
  return input;
}

/** A package's ImplementationGuide canonical: its own ImplementationGuide resource's, else made from the package's canonical and name. */
function implementationGuideUrl(pkg: FhirPackage): string {
  const ig = pkg.files.find((f) => f.resource?.resourceType === 'ImplementationGuide' && (f.resource as { url?: string }).url)?.resource as { url: string } | undefined;
  return ig?.url ?? `${(pkg.canonical ?? `urn:package:${pkg.name}`).replace(/\/+$/, '')}/ImplementationGuide/${pkg.name}`;
}

/** `Type/id` of the base and profile definitions (the core OperationDefinitions by file name). */
function takenIds(input: Input): Set<string> {
  const taken = new Set<string>();
  for (const list of [input.structureDefinitions, input.searchParameters, input.valueSets, input.codeSystems]) for (const r of list) taken.add(`${r.resourceType}/${r.id}`);
  for (const file of r4CoreFiles(['OperationDefinition'])) taken.add(`OperationDefinition/${basename(file, '.json').slice('OperationDefinition-'.length)}`);
  return taken;
}

/** StructureDefinitions by canonical (`url|version` for that version), and core types by name. */
function structureLookup(sds: readonly StructureDefinition[]): StructureLookup {
  const byUrl = new Map<string, StructureDefinition>();
  for (const sd of sds) {
    if (!sd.url) continue;
    byUrl.set(sd.url, sd);
    if (sd.version) byUrl.set(`${sd.url}|${sd.version}`, sd);
  }
  return (url) => byUrl.get(url) ?? byUrl.get(url.split('|')[0]) ?? byUrl.get(`http://hl7.org/fhir/StructureDefinition/${url}`);
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
