import type { Resource } from '@medplum/fhirtypes';
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import { PACKAGE_KINDS, readFhirPackage, type FhirPackage } from './fhir-package';

/**
 * The implementation-guide packages a server loads (KOLIBRI_IG_PACKAGES), read and checked
 * together: in dependency order among themselves (a package's dependencies that are not among
 * them, such as hl7.fhir.r4.core, are the server's own base or simply absent), with every
 * definition that could not be used listed as a problem naming its package file and resource.
 */
export interface PackageSet {
  /** Dependencies before their dependents. */
  packages: FhirPackage[];
  /** The conformance resources to load (PACKAGE_KINDS), in load order. */
  entries: PackageEntry[];
  /** Files read but not loaded (other resource types: examples, ImplementationGuide, CapabilityStatement…). */
  ignored: PackageEntry[];
  problems: PackageProblem[];
}

export interface PackageEntry {
  pkg: FhirPackage;
  /** Path inside the package. */
  file: string;
  resource: Resource;
}

export interface PackageProblem {
  /** The package path (KOLIBRI_IG_PACKAGES entry). */
  source: string;
  file?: string;
  /** `Type/id` */
  resource?: string;
  message: string;
}

export function readPackageSet(paths: readonly string[]): PackageSet {
  const problems: PackageProblem[] = [];
  const read: FhirPackage[] = [];
  for (const path of paths) {
    try {
      read.push(readFhirPackage(path));
    } catch (err) {
      problems.push({ source: path, message: (err as Error).message.replace(`${path}: `, '') });
    }
  }
  const packages = dependencyOrder(read, problems);
  const entries: PackageEntry[] = [];
  const ignored: PackageEntry[] = [];
  const seen = new Map<string, PackageEntry>();
  for (const pkg of packages) {
    for (const f of pkg.files) {
      if (!f.resource) {
        problems.push({ source: pkg.source, file: f.name, message: f.error ?? 'unreadable' });
        continue;
      }
      const entry = { pkg, file: f.name, resource: f.resource };
      if (!PACKAGE_KINDS.includes(f.resource.resourceType)) {
        ignored.push(entry);
        continue;
      }
      const problem = definitionProblem(f.resource);
      if (problem) {
        problems.push(problemOf(entry, problem));
        continue;
      }
      const key = `${f.resource.resourceType}/${f.resource.id}`;
      const twin = seen.get(key);
      if (twin) {
        problems.push(problemOf(entry, `${key} is also in ${twin.pkg.name}#${twin.pkg.version} (${twin.file}): ids must be unique among the loaded packages`));
        continue;
      }
      seen.set(key, entry);
      entries.push(entry);
    }
  }
  return { packages, entries, ignored, problems };
}

export function problemOf(entry: PackageEntry, message: string): PackageProblem {
  return { source: entry.pkg.source, file: entry.file, resource: `${entry.resource.resourceType}/${entry.resource.id ?? '(no id)'}`, message };
}

/** One line: `package: file (Type/id): message`. */
export function problemText(p: PackageProblem): string {
  return `${p.source}${p.file ? `: ${p.file}` : ''}${p.resource ? ` (${p.resource})` : ''}: ${p.message}`;
}

/** Start-up stops on a broken package: the first problem on the first line, the rest below. */
export class PackageLoadError extends Error {
  constructor(readonly problems: readonly PackageProblem[]) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more; kolibri package inspect lists them)` : '';
    super(`implementation-guide package not loadable: ${problemText(problems[0])}${more}\n${problems.slice(1).map(problemText).join('\n')}`);
    this.name = 'PackageLoadError';
  }
}

/** What makes a definition unusable before snapshots are looked at, or undefined. */
function definitionProblem(r: Resource): string | undefined {
  const d = r as Resource & Record<string, unknown>;
  if (!r.id) return 'no id';
  if (r.resourceType !== 'NamingSystem' && typeof d.url !== 'string') return 'no canonical url';
  if (r.resourceType === 'StructureDefinition') {
    if (!d.type) return 'no type';
    const snapshot = (d.snapshot as { element?: unknown[] } | undefined)?.element?.length;
    const differential = (d.differential as { element?: unknown[] } | undefined)?.element?.length;
    if (!snapshot && !(differential && d.baseDefinition)) return 'neither a snapshot nor a differential with a baseDefinition';
  }
  if (r.resourceType === 'SearchParameter') {
    if (!d.code || !Array.isArray(d.base) || d.base.length === 0 || !d.type) return 'a SearchParameter needs code, base and type';
    if (typeof d.expression !== 'string') return 'no FHIRPath expression: it cannot be indexed';
    try {
      fhirpath.compile(d.expression, r4);
    } catch (err) {
      return `expression ${d.expression} does not parse: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  return undefined;
}

/** Dependencies first (only among the given packages); a cycle or a package given twice is a problem. */
function dependencyOrder(packages: FhirPackage[], problems: PackageProblem[]): FhirPackage[] {
  const byName = new Map<string, FhirPackage>();
  for (const p of packages) {
    const twin = byName.get(p.name);
    if (twin) problems.push({ source: p.source, message: `${p.name} is also given as ${twin.source}` });
    else byName.set(p.name, p);
  }
  const out: FhirPackage[] = [];
  const state = new Map<FhirPackage, 'visiting' | 'done'>();
  const visit = (p: FhirPackage, chain: string[]): void => {
    if (state.get(p) === 'done') return;
    if (state.get(p) === 'visiting') {
      problems.push({ source: p.source, message: `circular package dependencies: ${[...chain, p.name].join(' -> ')}` });
      return;
    }
    state.set(p, 'visiting');
    for (const dep of Object.keys(p.dependencies)) {
      const d = byName.get(dep);
      if (d) visit(d, [...chain, p.name]);
    }
    state.set(p, 'done');
    out.push(p);
  };
  for (const p of byName.values()) visit(p, []);
  return out;
}
