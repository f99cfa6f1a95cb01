// https://hl7.org/fhir/uv/bulkdata/export.html
import { cprFreeUuid } from '../../audit/cpr';
import type { Readable } from 'node:stream';
import type { Group } from '@medplum/fhirtypes';
import { FhirError, informational, notFound } from '../../fhir/outcome';
import type { ExportStorage } from '../../store/export-files';
import type { Job, JobStore } from '../../store/jobs';
import { checkId } from '../resource-input';
import type { InteractionDeps, InteractionResult } from '../types';
import type { ExportOutput, ExportProgress } from './export-job';
import { EXPORT_JOB_KIND, parseExportQuery, requireRespondAsync, type ExportParams } from './export-params';

/** What the export requests need besides the interaction deps. */
export interface ExportRequestDeps {
  jobs: JobStore;
  storage: ExportStorage;
  /** KOLIBRI_EXPORT_TTL_HOURS in seconds: how long a job and its files are kept. */
  ttlSeconds: number;
  /** KOLIBRI_EXPORT_MAX_FILE_MB in bytes, for the jobs started from now. */
  maxFileBytes: number;
  /** Tell this instance's runner a job is waiting (optional: runners also poll). */
  wake?: () => void;
}

export interface KickOff {
  level: ExportParams['level'];
  groupId?: string;
  params: ReadonlyArray<readonly [string, string]>;
  prefer: string | string[] | undefined;
  /** The kick-off URL as requested (manifest `request`). */
  url: string;
}

/** Seconds a client should wait before polling again. */
const RETRY_AFTER = '2';

/** The kick-off: check, queue a job owned by the caller, answer 202 with the status URL. */
export async function exportKickOff(deps: InteractionDeps, exp: ExportRequestDeps, input: KickOff): Promise<InteractionResult> {
  requireRespondAsync(input.prefer);
  const query = parseExportQuery(input.params, deps.registry);
  for (const type of query.types ?? []) deps.access.requireScope('search', type);
  const params: ExportParams = {
    ...query,
    level: input.level,
    request: input.url,
    transactionTime: deps.clock.now().toISOString(),
    maxFileBytes: exp.maxFileBytes,
    auth: { ...deps.access.auth, tokenId: undefined },
  };
  if (input.level === 'group') Object.assign(params, { groupId: input.groupId, patients: await groupMembers(deps, input.groupId as string) });
  const job = await exp.jobs.enqueue({ id: cprFreeUuid(), kind: EXPORT_JOB_KIND, owner: deps.access.auth.clientId, params, ttlSeconds: exp.ttlSeconds });
  exp.wake?.();
  return {
    status: 202,
    headers: { 'content-location': statusUrl(deps.baseUrl, job.id) },
    body: informational(`Export queued; poll ${statusUrl(deps.baseUrl, job.id)}`),
  };
}

/** The Group's member patients (active ones), once the caller may read the Group at all. */
async function groupMembers(deps: InteractionDeps, id: string): Promise<string[]> {
  checkId(id);
  deps.access.requireScope('read', 'Group');
  const stored = await deps.access.readCurrent('Group', id);
  if (!stored || stored.deleted || !stored.json) throw notFound(`Group/${id} is not known`);
  const group = JSON.parse(stored.json as string) as Group;
  await deps.access.ensureVisible(group, `Group/${id}`);
  const refs = (group.member ?? []).filter((m) => !m.inactive).map((m) => m.entity?.reference ?? '');
  return [...new Set(refs.filter((r) => r.startsWith('Patient/')).map((r) => r.slice('Patient/'.length)))];
}

/**
 * The caller's own live job: another client's job, a cancelled, expired or unknown one answer
 * the same 404, so a job id tells nobody else anything.
 */
async function ownJob(deps: InteractionDeps, exp: ExportRequestDeps, id: string): Promise<Job<ExportParams>> {
  const job = await exp.jobs.get(id);
  if (!job || job.kind !== EXPORT_JOB_KIND || job.owner !== deps.access.auth.clientId || job.state === 'cancelled') {
    throw notFound(`No export ${id}`);
  }
  return job as Job<ExportParams>;
}

/** Status: 202 with X-Progress while it runs, the manifest when done, an OperationOutcome when it failed. */
export async function exportStatus(deps: InteractionDeps, exp: ExportRequestDeps, id: string): Promise<InteractionResult> {
  const job = await ownJob(deps, exp, id);
  const expires = new Date(job.expiresAt).toUTCString();
  if (job.state === 'queued' || job.state === 'running') {
    const progress = job.progress as ExportProgress | null;
    const count = (progress?.outputs ?? []).reduce((n, o) => n + o.count, 0);
    const text = progress ? `${job.state}: ${count} resources written, type ${Math.min(progress.typeIndex + 1, progress.types.length)} of ${progress.types.length}` : job.state;
    return { status: 202, headers: { 'x-progress': text, 'retry-after': RETRY_AFTER } };
  }
  if (job.state === 'failed') {
    throw new FhirError(500, [{ severity: 'error', code: 'exception', diagnostics: 'The export failed; start a new one' }]);
  }
  const outputs = (job.result as { outputs: ExportOutput[] }).outputs;
  const manifest = {
    transactionTime: job.params.transactionTime,
    request: job.params.request,
    requiresAccessToken: true,
    output: outputs.map((o) => ({ type: o.type, url: `${deps.baseUrl}/$export-file/${job.id}/${o.file}`, count: o.count })),
    error: [],
  };
  return { status: 200, headers: { expires }, body: JSON.stringify(manifest) };
}

/** DELETE on the status URL: the job is cancelled (its runner stops) and its files removed. */
export async function exportCancel(deps: InteractionDeps, exp: ExportRequestDeps, id: string): Promise<InteractionResult> {
  await ownJob(deps, exp, id);
  if (!(await exp.jobs.cancel(id, deps.access.auth.clientId))) throw notFound(`No export ${id}`);
  await exp.storage.deletePrefix(id);
  return { status: 202, body: informational(`Export ${id} cancelled and its files removed`) };
}

/** One file of a finished export of the caller's, as a stream. */
export async function exportFile(deps: InteractionDeps, exp: ExportRequestDeps, id: string, file: string): Promise<Readable> {
  const job = await ownJob(deps, exp, id);
  const outputs = job.state === 'done' ? (job.result as { outputs: ExportOutput[] }).outputs : [];
  const listed = outputs.some((o) => o.file === file);
  const stream = listed ? await exp.storage.get(`${id}/${file}`) : undefined;
  if (!stream) throw notFound(`No export file ${file}`);
  return stream;
}

function statusUrl(baseUrl: string, id: string): string {
  return `${baseUrl}/$export-status/${id}`;
}
