import { createHash } from 'node:crypto';
import type { Clock } from '../clock';
import type { DefinitionRegistry } from '../fhir/definitions/registry';
import type { IndexWriter } from '../store/index-writer';
import type { ReindexProgress } from '../store/reindex';
import type { Storage } from '../store/storage';

/**
 * The search index is derived from the SearchParameters the server loads from files (the R4
 * package, fhir-profiles/, implementation-guide packages). When what they say changes (a new R4
 * package, an IG that adds parameters, an edited expression), rows indexed before no longer
 * match what a search compiles to. A fingerprint of the parameters is kept in the database
 * (conformance_seed, name `search-index`); a start that loads different parameters rebuilds the
 * whole index in the background (the reindex job, as `kolibri reindex` runs it: batches, safe
 * beside writers) and records the new fingerprint when done. One instance does it (an advisory
 * lock; the others skip); one stopped half-way leaves the old fingerprint, so the next start
 * begins again. A database with nothing but the built-in definitions just records it.
 */
const NAME = 'search-index';
/** Bump when what the extractor writes for the same SearchParameters changes (as migration 013's canonical rows did). */
const INDEX_FORMAT = 'index-1';
const LOCK = 0x4b6f6c69; // 'Koli'

/** sha256 over every file-defined SearchParameter that indexing reads: type, code, kind, expression, targets, components. */
export function searchParameterFingerprint(registry: DefinitionRegistry): string {
  const lines: string[] = [];
  for (const type of ['Resource', 'DomainResource', ...registry.resourceTypes()]) {
    for (const sp of registry.searchParameters(type)) {
      const components = (sp.component ?? []).map((c) => `${c.definition}=${c.expression}`).join(',');
      lines.push(`${type}.${sp.code}\t${sp.type}\t${sp.expression ?? ''}\t${(sp.target ?? []).join(',')}\t${components}`);
    }
  }
  return createHash('sha256').update(INDEX_FORMAT).update('\0').update(lines.sort().join('\n')).digest('hex');
}

/** Record that the index was just rebuilt whole with the registry's file SearchParameters (`kolibri reindex` without --type). */
export async function recordIndexBuiltWith(storage: Pick<Storage, 'definitions'>, registry: DefinitionRegistry, clock: Clock): Promise<void> {
  await storage.definitions.recordFingerprint(NAME, searchParameterFingerprint(registry), clock.now().toISOString());
}

export interface IndexJobOptions {
  storage: Pick<Storage, 'definitions'>;
  /** The registry loaded from files (before any stored layer). */
  registry: DefinitionRegistry;
  indexWriter: IndexWriter;
  clock: Clock;
  signal?: AbortSignal;
}

export type IndexJobResult = { action: 'current' | 'recorded' | 'elsewhere' } | { action: 'reindexed'; progress: ReindexProgress; ms: number };

/** Rebuild the index if the loaded SearchParameters differ from those it was built with. */
export async function reindexIfParametersChanged(options: IndexJobOptions): Promise<IndexJobResult> {
  const fingerprint = searchParameterFingerprint(options.registry);
  const rows = options.storage.definitions;
  if ((await rows.fingerprint(NAME)) === fingerprint) return { action: 'current' };
  let result: IndexJobResult = { action: 'elsewhere' };
  await rows.whileLocked(LOCK, async () => {
    // another instance may have finished while we waited
    const stored = await rows.fingerprint(NAME);
    if (stored === fingerprint) {
      result = { action: 'current' };
      return;
    }
    if (stored === undefined && !(await rows.hasOwnResources())) {
      result = { action: 'recorded' };
    } else {
      const started = Date.now();
      const progress = await rows.reindex(options.indexWriter, { signal: options.signal });
      result = { action: 'reindexed', progress, ms: Date.now() - started };
    }
    await rows.recordFingerprint(NAME, fingerprint, options.clock.now().toISOString());
  });
  return result;
}
