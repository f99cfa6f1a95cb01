import { createHash } from 'node:crypto';
import type { Clock } from '../clock';
import type { DefinitionRegistry } from '../fhir/definitions/registry';
import type { IndexWriter } from '../store/index-writer';
import { periodJobId, SYSTEM_JOB_OWNER } from '../jobs/periodic';
import type { JobKind, RunnerLog } from '../jobs/runner';
import type { Storage } from '../store/storage';

/**
 * The search index is derived from the SearchParameters the server loads from files (the R4
 * package, fhir-profiles/, implementation-guide packages). When what they say changes (a new R4
 * package, an IG that adds parameters, an edited expression), rows indexed before no longer
 * match what a search compiles to. A fingerprint of the parameters is kept in the database
 * (conformance_seed, name `search-index`); a start that loads different parameters queues a
 * `reindex` job on the job runner, under an id derived from the fingerprints so every instance
 * starting alike queues it once. Any instance loading the same parameters runs it (batches, safe
 * beside writers, as `kolibri reindex`), checkpointing after each batch: one that dies half-way
 * stops renewing its lease and another resumes where it stopped. The fingerprint is recorded when
 * the whole index is rebuilt. A database with nothing but the built-in definitions just records it.
 */
const NAME = 'search-index';
/** Bump when what the extractor writes for the same SearchParameters changes (as migration 013's canonical rows did). */
const INDEX_FORMAT = 'index-1';

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

/** The job kind that rebuilds the index (owner {@link SYSTEM_JOB_OWNER}: no client sees it). */
export const REINDEX_JOB = 'reindex';
/** Kept a day after it is queued, for inspection; the runner's sweep then removes it. */
const REINDEX_JOB_TTL_SECONDS = 86_400;

/** What a reindex job is given: the fingerprint of the SearchParameters it rebuilds the index for. */
export interface ReindexParams {
  fingerprint: string;
}

/** A reindex job's checkpoint: resources rewritten so far, up to this rid. */
interface ReindexCheckpoint {
  afterRid: string;
  done: number;
}

export interface IndexCheckOptions {
  storage: Pick<Storage, 'definitions' | 'jobs'>;
  /** The registry loaded from files (before any stored layer). */
  registry: DefinitionRegistry;
  clock: Clock;
}

export type IndexCheckResult = { action: 'current' | 'recorded' } | { action: 'queued' | 'elsewhere'; job: string };

/**
 * At start: queue the reindex job if the loaded SearchParameters differ from those the index was
 * built with (`elsewhere` when another instance queued it already, or a reindex job is live).
 */
export async function queueReindexIfParametersChanged(options: IndexCheckOptions): Promise<IndexCheckResult> {
  const fingerprint = searchParameterFingerprint(options.registry);
  const rows = options.storage.definitions;
  const stored = await rows.fingerprint(NAME);
  if (stored === fingerprint) return { action: 'current' };
  if (stored === undefined && !(await rows.hasOwnResources())) {
    await rows.recordFingerprint(NAME, fingerprint, options.clock.now().toISOString());
    return { action: 'recorded' };
  }
  // from the fingerprint it replaces too: going back to earlier parameters is a job of its own
  const job = periodJobId(REINDEX_JOB, `${stored ?? ''}>${fingerprint}`);
  const params: ReindexParams = { fingerprint };
  const queued = await options.storage.jobs.enqueueOnce({ id: job, kind: REINDEX_JOB, owner: SYSTEM_JOB_OWNER, params, ttlSeconds: REINDEX_JOB_TTL_SECONDS });
  return { action: queued ? 'queued' : 'elsewhere', job };
}

export interface ReindexJobOptions {
  storage: Pick<Storage, 'definitions'>;
  /** The registry loaded from files (before any stored layer). */
  registry: DefinitionRegistry;
  indexWriter: IndexWriter;
  clock: Clock;
  log: Pick<RunnerLog, 'info'>;
  /** Resources per batch and checkpoint (default 500). */
  batchSize?: number;
}

/** What a finished reindex job stores as its result. */
export interface ReindexResult {
  action: 'current' | 'reindexed';
  /** Resources rewritten by every attempt together. */
  resources: number;
  /** Milliseconds the attempt that finished took. */
  ms: number;
}

/**
 * The reindex job: rebuilds the index in batches from its last checkpoint, stopping between
 * batches when the runner aborts it (shutdown, lease lost), and records the fingerprint when
 * done. An instance loading other SearchParameters than the job's fails the attempt rather than
 * index by them (the runner gives the job back, three attempts in all).
 */
export function reindexJobKind(options: ReindexJobOptions): JobKind {
  const rows = options.storage.definitions;
  return {
    kind: REINDEX_JOB,
    async run(job, ctx): Promise<ReindexResult> {
      const { fingerprint } = job.params as ReindexParams;
      if (fingerprint !== searchParameterFingerprint(options.registry)) throw new Error('this instance loads other SearchParameters than the reindex job was queued for');
      if ((await rows.fingerprint(NAME)) === fingerprint) return { action: 'current', resources: 0, ms: 0 };
      const started = Date.now();
      const from = ctx.progress as ReindexCheckpoint | null;
      let saving: Promise<void> = Promise.resolve();
      let lost: unknown;
      const progress = await rows.reindex(options.indexWriter, {
        signal: ctx.signal,
        afterRid: from?.afterRid,
        batchSize: options.batchSize,
        onProgress: (p) => {
          const checkpoint: ReindexCheckpoint = { afterRid: p.lastRid as string, done: (from?.done ?? 0) + p.done };
          // a failed checkpoint aborts ctx.signal: the rebuild stops before its next batch
          saving = saving.then(() => ctx.checkpoint(checkpoint)).catch((err: unknown) => void (lost ??= err));
        },
      });
      await saving;
      if (lost) throw lost;
      await rows.recordFingerprint(NAME, fingerprint, options.clock.now().toISOString());
      const result: ReindexResult = { action: 'reindexed', resources: (from?.done ?? 0) + progress.done, ms: Date.now() - started };
      options.log.info({ resources: result.resources, ms: result.ms }, 'search index rebuilt for changed SearchParameters');
      return result;
    },
  };
}
