import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Clock } from '../clock';
import { composeIncludedIn } from '../fhir/definitions/included-in';
import { listJsonFiles, readJson } from '../fhir/definitions/load';
import { R4_PACKAGE_JSON, readR4Core } from '../fhir/definitions/r4-core';
import { PACKAGE_KINDS, packageInputFiles } from '../fhir/packages/fhir-package';
import { readPackageSet } from '../fhir/packages/package-set';
import type { IndexWriter } from '../store/index-writer';
import { builtinRows, lockSeed, recordSeed, seedFingerprint, storedKeys } from '../store/definition-rows';
import type { Storage } from '../store/storage';
import { kolibriImplementationGuide } from './implementation-guide';

/**
 * The definitions the server itself uses — the R4 base (StructureDefinitions, SearchParameters,
 * ValueSets, CodeSystems, OperationDefinitions), fhir-profiles/ and the implementation-guide
 * packages (KOLIBRI_IG_PACKAGES: also their ConceptMaps and NamingSystems) — published as ordinary
 * stored resources (with an ImplementationGuide naming Kolibri's), so read, search (`url`, `name`, `type`, `version`…), paging, `_include` and
 * history work on them exactly as on anything else.
 *
 * Why rows and not a read-only layer in front of search: a second search engine over memory
 * would have to merge its paging, sorting, `_include` and `_total` with the database's, for
 * little gain. The cost of rows is paid once: the ~3,250 resources are written at the first
 * start on a database (about 10 s; `text` narratives of the R4 base are left out, half the
 * bytes), and a fingerprint of the files (the R4 package, each profile file, each IG package, SEED_FORMAT) lets
 * every later start skip with one query. A changed fingerprint (a new package, an edited
 * profile) rewrites what changed, adds what is new and deletes what is gone. The rows are listed
 * in conformance_builtin, which makes them read-only (./definition-writes.ts).
 */

/** Bump when what is written from the same files changes (e.g. what is left out). */
const SEED_FORMAT = 'builtin-3';
const SEED_NAME = 'builtin';
const R4_KINDS = new Set(['StructureDefinition', 'SearchParameter', 'ValueSet', 'CodeSystem', 'OperationDefinition']);
/** Kolibri's own OperationDefinitions are the template loader's (src/telemedicine/template-loader.ts). */
const PROFILE_KINDS = new Set(['StructureDefinition', 'SearchParameter', 'ValueSet', 'CodeSystem', 'ImplementationGuide']);
const IG_KINDS: ReadonlySet<string> = new Set(PACKAGE_KINDS);
const BATCH = 200;

export interface SeedOptions {
  storage: Pick<Storage, 'definitions' | 'resourceStore'>;
  /** The search-index writer of the server (so the rows are searchable like any other). */
  indexWriter: IndexWriter;
  clock: Clock;
  profileDirs: readonly string[];
  /** KOLIBRI_IG_PACKAGES (already loaded into the registry, so known to be loadable). */
  igPackages?: readonly string[];
  /** Abort (shutdown): the transaction rolls back, and the next start seeds again. */
  signal?: AbortSignal;
}

export interface SeedResult {
  /** false when the fingerprint matched: nothing was read or written. */
  seeded: boolean;
  created: number;
  updated: number;
  deleted: number;
  ms: number;
}

/** Write the built-in definitions unless the database already has these files' ones. */
export async function seedBuiltinDefinitions(options: SeedOptions): Promise<SeedResult> {
  const started = Date.now();
  const profileFiles = options.profileDirs.flatMap(listJsonFiles);
  const igPackages = options.igPackages ?? [];
  const fingerprint = fingerprintOf([R4_PACKAGE_JSON, ...profileFiles, ...igPackages.flatMap(packageInputFiles)]);
  const result: SeedResult = { seeded: false, created: 0, updated: 0, deleted: 0, ms: 0 };
  if ((await options.storage.definitions.fingerprint(SEED_NAME)) === fingerprint) return { ...result, ms: Date.now() - started };
  // A store of its own: no commit listener (these are not changes anyone reacts to), no access rules.
  const store = options.storage.resourceStore({ indexWriter: options.indexWriter, clock: options.clock });
  await store.transaction(async (tx) => {
    await lockSeed(tx.client);
    // another instance may have seeded while we waited for the lock
    if ((await seedFingerprint(tx.client, SEED_NAME)) === fingerprint) return;
    result.seeded = true;
    const resources = builtinResources(profileFiles, igPackages);
    const existing = await builtinRows(tx.client);
    const taken = await storedKeys(tx.client, [...new Set(resources.map((r) => r.resourceType))]);
    let pending = 0;
    for (const r of resources) {
      options.signal?.throwIfAborted();
      const key = `${r.resourceType}/${r.id}`;
      const before = existing.get(key);
      existing.delete(key);
      if (before?.content && sameContent(before.content, r)) continue;
      // a create is one round trip, an update three: most of a first seed is creates
      if (taken.has(key)) {
        const { created } = await tx.update(r, { allowCreate: true });
        created ? result.created++ : result.updated++;
      } else {
        await tx.create(r, { id: r.id });
        result.created++;
      }
      if (++pending % BATCH === 0) await tx.flushIndex();
    }
    // what the files no longer have
    for (const key of existing.keys()) {
      const [type, id] = key.split('/');
      if (await tx.delete(type, id)) result.deleted++;
    }
    await recordSeed(tx.client, SEED_NAME, fingerprint, resources.map((r) => ({ resourceType: r.resourceType, id: r.id as string })), tx.now);
  });
  return { ...result, ms: Date.now() - started };
}

/** Every built-in definition, once per type and id (the first file wins) and once per canonical URL (and version). */
export function builtinResources(profileFiles: readonly string[], igPackages: readonly string[] = []): Resource[] {
  const out = new Map<string, Resource>();
  const urls = new Set<string>();
  const add = (r: Resource, kinds: ReadonlySet<string>, keepText: boolean) => {
    if (r.resourceType === 'Bundle') {
      for (const e of (r as Bundle).entry ?? []) if (e.resource) add(e.resource, kinds, keepText);
      return;
    }
    if (!kinds.has(r.resourceType) || !r.id) return;
    const key = `${r.resourceType}/${r.id}`;
    const url = `${r.resourceType} ${(r as { url?: string }).url ?? key}|${(r as { version?: string }).version ?? ''}`;
    if (out.has(key) || urls.has(url)) return;
    urls.add(url);
    const { meta: _meta, ...rest } = r;
    out.set(key, keepText ? rest : withoutText(rest));
  };
  for (const r of readR4Core([...R4_KINDS])) add(r, R4_KINDS, false);
  const r4 = out.size;
  for (const file of profileFiles) add(readJson(file), PROFILE_KINDS, true);
  const kolibri = [...out.values()].slice(r4);
  if (kolibri.length) add(kolibriImplementationGuide(kolibri), PROFILE_KINDS, true);
  for (const e of readPackageSet(igPackages).entries) add(e.resource, IG_KINDS, false);
  // stored as the registry uses them: a ValueSet with the group ValueSets that name it (ext-included-in)
  return composeIncludedIn([...out.values()]);
}

function withoutText(r: Resource): Resource {
  const { text: _text, ...rest } = r as Resource & { text?: unknown };
  return rest as Resource;
}

/** Stored content equals the file's, apart from the meta the store stamps (and puts after the id). */
function sameContent(stored: string, r: Resource): boolean {
  const { meta: _stamped, ...was } = JSON.parse(stored) as Resource;
  const { resourceType, id, meta: _meta, ...rest } = r;
  return JSON.stringify(was) === JSON.stringify({ resourceType, id, ...rest });
}

/** sha256 over the inputs' contents (not their paths, so any checkout of the same files matches). */
function fingerprintOf(files: readonly string[]): string {
  const hash = createHash('sha256').update(SEED_FORMAT).update('\0');
  for (const f of files) hash.update(readFileSync(f)).update('\0');
  return hash.digest('hex');
}
