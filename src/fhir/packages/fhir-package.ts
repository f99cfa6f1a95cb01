import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { readTarGz } from './tar';

/**
 * A FHIR NPM package (an implementation guide's published form): a `.tgz` as `npm pack` or the
 * IG publisher writes it, or an unpacked folder holding `package/package.json`. Its resources are
 * the JSON files directly in `package/`; examples and other material live in subfolders
 * (`example/`, `other/`, `openapi/`) and are not read.
 * https://confluence.hl7.org/display/FHIR/NPM+Package+Specification
 *
 * A profile folder with its own manifest (`package.json` in the folder itself, as
 * fhir-profiles/ has) is read the way KOLIBRI_PROFILE_DIRS reads folders: its subfolders too,
 * except `examples/`.
 */
export interface FhirPackage {
  /** `name` of package.json, e.g. `hl7.fhir.uv.ips`. */
  name: string;
  version: string;
  /** package.json `dependencies`: package name → version. */
  dependencies: Record<string, string>;
  canonical?: string;
  /** The path the package was read from. */
  source: string;
  files: PackageFile[];
}

export interface PackageFile {
  /** Path inside the package, e.g. `package/StructureDefinition-x.json`. */
  name: string;
  resource?: Resource;
  /** Why the file could not be read as a resource. */
  error?: string;
}

/** The kinds of conformance resources an implementation-guide package contributes (its ImplementationGuide is published too). */
export const PACKAGE_KINDS: readonly string[] = ['StructureDefinition', 'ValueSet', 'CodeSystem', 'ConceptMap', 'NamingSystem', 'SearchParameter', 'OperationDefinition', 'ImplementationGuide'];

/** Read a package from a `.tgz` or a folder; throws naming the path when it is not a FHIR package. */
export function readFhirPackage(path: string): FhirPackage {
  const { entries, nested } = isFolder(path) ? folderEntries(path) : { entries: tarEntries(path), nested: false };
  const manifest = entries.get('package/package.json');
  if (!manifest) throw new Error(`${path}: not a FHIR package (no package/package.json)`);
  let pkg: { name?: string; version?: string; dependencies?: Record<string, string>; canonical?: string };
  try {
    pkg = JSON.parse(manifest().toString('utf8'));
  } catch (err) {
    throw new Error(`${path}: package/package.json is not JSON: ${(err as Error).message}`);
  }
  if (!pkg.name || !pkg.version) throw new Error(`${path}: package/package.json needs a name and a version`);
  const files: PackageFile[] = [];
  for (const [name, read] of [...entries].sort(([a], [b]) => a.localeCompare(b))) {
    if (!(nested ? /^package\/.+\.json$/ : /^package\/[^/]+\.json$/).test(name) || name === 'package/package.json' || name.endsWith('/.index.json')) continue;
    try {
      const resource = JSON.parse(read().toString('utf8')) as Resource;
      if (typeof resource?.resourceType !== 'string') files.push({ name, error: 'no resourceType' });
      else files.push({ name, resource });
    } catch (err) {
      files.push({ name, error: `not JSON: ${(err as Error).message}` });
    }
  }
  return { name: pkg.name, version: pkg.version, dependencies: pkg.dependencies ?? {}, canonical: pkg.canonical, source: path, files };
}

type Entries = Map<string, () => Buffer>;

function tarEntries(path: string): Entries {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw new Error(`${path}: cannot read the package: ${(err as Error).message}`);
  }
  let files: Map<string, Buffer>;
  try {
    files = readTarGz(data);
  } catch (err) {
    throw new Error(`${path}: not a gzipped tar archive: ${(err as Error).message}`);
  }
  // some tools write `./package/…`
  return new Map([...files].map(([name, body]) => [name.replace(/^\.\//, ''), () => body]));
}

/** A folder holding package/ (its top level), or a profile folder with a manifest (nested, without examples/); files are read when asked for. */
function folderEntries(path: string): { entries: Entries; nested: boolean } {
  const nested = !existsSync(join(path, 'package', 'package.json'));
  const root = nested ? path : join(path, 'package');
  const out: Entries = new Map();
  for (const file of nested ? profileFolderFiles(root) : readdirSync(root).map((n) => join(root, n))) {
    if (statSync(file).isFile()) out.set(`package/${relative(root, file).split(sep).join('/')}`, () => readFileSync(file));
  }
  return { entries: out, nested };
}

/** Every file of a profile folder and its subfolders but examples/ (as load.ts listJsonFiles). */
function profileFolderFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (!statSync(path).isDirectory()) return [path];
      return name === 'examples' ? [] : profileFolderFiles(path);
    });
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The files a package is read from (for cache keys and fingerprints): the archive, or the folder's JSON files. */
export function packageInputFiles(path: string): string[] {
  if (!isFolder(path)) return [path];
  const { entries } = folderEntries(path);
  const root = existsSync(join(path, 'package', 'package.json')) ? join(path, 'package') : path;
  return [...entries.keys()].filter((n) => n.endsWith('.json')).sort().map((n) => join(root, n.slice('package/'.length)));
}
