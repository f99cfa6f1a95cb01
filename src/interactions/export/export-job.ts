// https://hl7.org/fhir/uv/bulkdata/export.html#response---complete-status
import type { DefinitionRegistry } from '../../fhir/definitions/registry';
import type { SearchRequest } from '../../fhir/search/ast';
import { parseSearch } from '../../fhir/search/parse';
import type { JobContext, JobKind } from '../../jobs/runner';
import type { ExportStorage } from '../../store/export-files';
import type { ExportBatch, ExportSelection } from '../../store/export-rows';
import type { Job } from '../../store/jobs';
import { Access, type AccessDeps } from '../access';
import { EXPORT_JOB_KIND, filterType, typeFilterSearch, type ExportParams } from './export-params';

/** One written file of the manifest. */
export interface ExportOutput {
  type: string;
  /** File name under the job (`Observation-1.ndjson`). */
  file: string;
  count: number;
}

/** The export's checkpoint: the types to write, where in them, and the files finished so far. */
export interface ExportProgress {
  types: string[];
  typeIndex: number;
  /** Last id written of the current type (keyset position); null at its start. */
  afterId: string | null;
  /** Number of the current type's next file. */
  part: number;
  outputs: ExportOutput[];
}

/** What the export job reads from and writes to. */
export interface ExportJobDeps {
  registry: DefinitionRegistry;
  accessDeps: AccessDeps;
  baseUrl: string;
  storage: ExportStorage;
  readBatch(selection: ExportSelection, afterId: string | null, limit: number): Promise<ExportBatch>;
  storedTypes(): Promise<string[]>;
  /** Rows per database round trip. */
  batchSize?: number;
}

/**
 * The export as a job: for each type, keyset batches of the rows the requesting client may read
 * (the search engine's access filter, recomputed from the stored auth context), streamed into
 * NDJSON files closed at the job's `maxFileBytes` (the row that crosses it is a file's last). A checkpoint follows every closed file, so a job taken
 * over after its instance died rewrites at most the one file that was open; memory holds one
 * batch at a time.
 */
export function exportJobKind(deps: ExportJobDeps): JobKind {
  return {
    kind: EXPORT_JOB_KIND,
    run: (job, ctx) => runExport(deps, job as Job<ExportParams>, ctx as JobContext<ExportProgress>),
    remove: (job) => deps.storage.deletePrefix(job.id),
  };
}

async function runExport(deps: ExportJobDeps, job: Job<ExportParams>, ctx: JobContext<ExportProgress>): Promise<{ outputs: ExportOutput[] }> {
  const params = job.params;
  const access = new Access(params.auth, deps.accessDeps);
  const progress = ctx.progress ?? { types: await exportTypes(deps, params, access), typeIndex: 0, afterId: null, part: 1, outputs: [] };
  const now = new Date(params.transactionTime);
  const filters = new Map<string, SearchRequest[]>();
  for (const filter of params.typeFilters) {
    const type = filterType(filter);
    filters.set(type, [...(filters.get(type) ?? []), typeFilterSearch(filter, deps.registry, now, deps.baseUrl)]);
  }
  const batchSize = deps.batchSize ?? 1000;
  while (progress.typeIndex < progress.types.length) {
    const type = progress.types[progress.typeIndex];
    const selection: ExportSelection = {
      type,
      anyOf: filters.get(type) ?? [],
      restrictedTo: restrictionSearches(deps, access, type, now),
      since: params.since,
      until: params.transactionTime,
      compartment: params.level === 'system' ? undefined : params.level === 'group' ? params.patients ?? [] : 'any',
      access: access.searchFilter(),
    };
    // the first batch that keeps a row opens the next file; a type without one more is done
    let first = await deps.readBatch(selection, progress.afterId, batchSize);
    while (first.rows.length === 0 && first.scanned === batchSize) {
      if (ctx.signal.aborted) throw new Error(`export interrupted (${String(ctx.signal.reason)})`);
      first = await deps.readBatch(selection, first.lastId, batchSize);
    }
    if (first.rows.length === 0) {
      Object.assign(progress, { typeIndex: progress.typeIndex + 1, afterId: null, part: 1 });
      await ctx.checkpoint(progress);
      continue;
    }
    const file = `${type}-${progress.part}.ndjson`;
    const written = { count: 0, lastId: progress.afterId };
    await deps.storage.put(`${job.id}/${file}`, lines(deps, selection, first, { batchSize, maxFileBytes: params.maxFileBytes }, written, ctx.signal));
    progress.outputs = [...progress.outputs.filter((o) => o.file !== file), { type, file, count: written.count }];
    Object.assign(progress, { afterId: written.lastId, part: progress.part + 1 });
    await ctx.checkpoint(progress);
  }
  return { outputs: progress.outputs };
}

/**
 * The lines of one file: the rows of `first`, then of further batches, until the type ends or
 * the file reaches its size limit. `written` follows along: the rows yielded, and the keyset
 * position to resume from (the last row written when the file ends inside a batch, else the
 * last row the batch looked at).
 */
async function* lines(
  deps: ExportJobDeps,
  selection: ExportSelection,
  first: ExportBatch,
  { batchSize, maxFileBytes }: { batchSize: number; maxFileBytes: number },
  written: { count: number; lastId: string | null },
  signal: AbortSignal,
): AsyncGenerator<string> {
  let bytes = 0;
  let batch = first;
  for (;;) {
    for (const row of batch.rows) {
      const line = `${row.content}\n`;
      yield line;
      written.count++;
      written.lastId = row.id;
      bytes += Buffer.byteLength(line);
      if (bytes >= maxFileBytes) break;
    }
    const full = bytes >= maxFileBytes;
    // ended inside the batch: the next file starts after the last row written
    if (full && written.lastId !== batch.rows[batch.rows.length - 1].id) return;
    written.lastId = batch.lastId;
    if (full || batch.scanned < batchSize) return;
    if (signal.aborted) throw new Error(`export interrupted (${String(signal.reason)})`);
    batch = await deps.readBatch(selection, batch.lastId, batchSize);
  }
}

/** `_type`, or every stored type; either way only the types the client may search. */
async function exportTypes(deps: ExportJobDeps, params: ExportParams, access: Access): Promise<string[]> {
  const candidates = params.types ?? (await deps.storedTypes()).filter((t) => deps.registry.isResourceType(t));
  return candidates.filter((t) => access.mayUse('search', t));
}

/** A SMART v2 scope's query restrictions (`system/Observation.rs?category=…`) as searches, one of which must match. */
function restrictionSearches(deps: ExportJobDeps, access: Access, type: string, now: Date): SearchRequest[] {
  const restrictions = access.restrictions('search', type);
  if (restrictions === null) return [];
  return restrictions.map(
    (alternative) => parseSearch({ resourceType: type, params: alternative, strict: true }, { registry: deps.registry, baseUrl: deps.baseUrl, now }).request,
  );
}
