import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { Clock } from '../clock';
import type { DefinitionRegistry } from '../fhir/definitions/registry';
import { hasOwnResources, recordFingerprint, seedFingerprint, whileLocked } from '../store/definition-rows';
import type { IndexWriter } from '../store/index-writer';
import { reindex, type ReindexProgress } from '../store/reindex';

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
export async function recordIndexBuiltWith(pool: Pool, registry: DefinitionRegistry, clock: Clock): Promise<void> {
  await recordFingerprint(pool, NAME, searchParameterFingerprint(registry), clock.now().toISOString());
}

export interface IndexJobOptions {
  pool: Pool;
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
  if ((await seedFingerprint(options.pool, NAME)) === fingerprint) return { action: 'current' };
  let result: IndexJobResult = { action: 'elsewhere' };
  await whileLocked(options.pool, LOCK, async () => {
    // another instance may have finished while we waited
    const stored = await seedFingerprint(options.pool, NAME);
    if (stored === fingerprint) {
      result = { action: 'current' };
      return;
    }
    if (stored === undefined && !(await hasOwnResources(options.pool))) {
      result = { action: 'recorded' };
    } else {
      const started = Date.now();
      const progress = await reindex(options.pool, options.indexWriter, { signal: options.signal });
      result = { action: 'reindexed', progress, ms: Date.now() - started };
    }
    await recordFingerprint(options.pool, NAME, fingerprint, options.clock.now().toISOString());
  });
  return result;
}
