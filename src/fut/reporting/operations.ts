import { cprFreeUuid } from '../../audit/cpr';
import type { Bundle, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { badRequest, FhirError, forbidden, notFound } from '../../fhir/outcome';
import type { Access } from '../../interactions/access';
import type { Operation, OperationContext, OperationDeps } from '../../interactions/operation';
import type { InteractionResult } from '../../interactions/types';
import type { Job, JobStore } from '../../store/jobs';
import { futOperation } from '../canonical';
import { parametersOf, parseReportInput, type ReportInput } from './parameters';
import { REPORT_JOB_KIND, type ReportJobParams } from './report-job';
import { REPORTS } from './report-list';
import type { Report } from './reports';
import { pendingBinary, reportBinary, runReport, type ReportResult } from './run-report';


export interface ReportOperationDeps {
  jobs: JobStore;
  /** How long a scheduled report is kept (seconds). */
  ttlSeconds: number;
}

/**
 * Who may ask for a report: staff (system and clinician clients) and KOLIBRI_AUTH=off, with a
 * scope allowing search of EpisodeOfCare; a report that is not anonymized also needs search of
 * Patient. The figures are those of the episodes the caller may read.
 */
export function authorizeReport(access: Access, input?: ReportInput): void {
  const kind = access.auth.kind;
  if (kind !== 'system' && kind !== 'clinician' && kind !== 'development') throw forbidden('Reports are for staff: system and clinician clients');
  access.requireScope('search', 'EpisodeOfCare');
  if (input && !input.anonymized) access.requireScope('search', 'Patient');
}

const canonical = (code: string) => futOperation(`-s-${code}`);

/** A report's operation `$<verb>-<report>`: its Parameters read and checked, the caller authorized, then `run`. */
function reportOperation(verb: string, report: Report, run: (req: OperationDeps, input: ReportInput, body: unknown) => Promise<InteractionResult>): Operation {
  const name = `${verb}-${report.key}`;
  return {
    name,
    levels: ['system'],
    methods: ['POST'],
    definition: canonical(name),
    authorize: (access) => authorizeReport(access),
    handler: async ({ deps: req, body }) => {
      const input = parseReportInput(body, report.parameters);
      authorizeReport(req.access, input);
      return run(req, input, body);
    },
  };
}

/** `$schedule-…`: queue the report; answers the placeholder Binary whose id is the job's. */
const scheduleOperation = (report: Report, deps: ReportOperationDeps) =>
  reportOperation('schedule', report, async (req, input, body) => {
    const params: ReportJobParams = { report: report.key, input, parameters: echo(body), auth: { ...req.access.auth, tokenId: undefined } };
    const job = await deps.jobs.enqueue({ id: cprFreeUuid(), kind: REPORT_JOB_KIND, owner: req.access.auth.clientId, params, ttlSeconds: deps.ttlSeconds });
    return { status: 200, body: pendingBinary(job.id) };
  });

/** `$fetch-…`: the caller's newest scheduled report with the same parameters. */
const fetchOperation = (report: Report, deps: ReportOperationDeps) =>
  reportOperation('fetch', report, async (req, input) => {
    const jobs = (await deps.jobs.listOwned(req.access.auth.clientId, [REPORT_JOB_KIND])) as Job<ReportJobParams>[];
    const job = jobs.find((j) => j.params.report === report.key && sameInput(j.params.input, input));
    if (!job) throw notFound(`No ${report.key} report with these parameters was scheduled by this client (or it expired); ask $schedule-${report.key} first`);
    if (job.state === 'failed') throw new FhirError(500, [{ severity: 'error', code: 'exception', diagnostics: 'The report failed; schedule it again' }]);
    if (job.state !== 'done') return { status: 200, body: pendingBinary(job.id) };
    return { status: 200, body: reportBinary(job.id, job.result as ReportResult) };
  });

/** `$execute-…`: the report computed now, in the request. */
const executeOperation = (report: Report) =>
  reportOperation('execute', report, async (req, input, body) => {
    const result = await runReport(req.store, report, req.access.searchFilter(), input, echo(body), req.clock.now());
    return { status: 200, body: reportBinary(cprFreeUuid(), result) };
  });

const STATES: Record<Job['state'], string> = { queued: 'QUEUED', running: 'RUNNING', done: 'DONE', failed: 'FAILED', cancelled: 'CANCELLED' };

/** `$get-report-job-status`: the caller's scheduled reports as a Bundle of Parameters. */
function jobStatusOperation(deps: ReportOperationDeps): Operation {
  return {
    name: 'get-report-job-status',
    levels: ['system'],
    methods: ['GET', 'POST'],
    definition: canonical('get-report-job-status'),
    authorize: (access) => authorizeReport(access),
    handler: async ({ deps: req, body, query }: OperationContext) => {
      if (Object.keys(query).length || parametersOf(body).length) throw badRequest('$get-report-job-status takes no parameters', ['Parameters.parameter']);
      const jobs = (await deps.jobs.listOwned(req.access.auth.clientId, [REPORT_JOB_KIND])) as Job<ReportJobParams>[];
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'collection',
        entry: jobs.map((job) => ({ fullUrl: `urn:uuid:${job.id}`, resource: jobParameters(job) })),
      };
      return { status: 200, body: bundle };
    },
  };
}

function jobParameters(job: Job<ReportJobParams>): Parameters {
  const final = job.state === 'done' || job.state === 'failed';
  const parts: ParametersParameter[] = [
    { name: 'reportClass', valueString: job.params.report },
    { name: 'userId', valueString: job.owner },
    { name: 'status', valueString: STATES[job.state] },
    { name: 'job', valueString: job.id },
    { name: 'parameters', resource: job.params.parameters },
    { name: 'created', valueDateTime: job.createdAt },
  ];
  if (final) parts.push({ name: 'ended', valueDateTime: job.updatedAt });
  return { resourceType: 'Parameters', id: job.id, parameter: [{ name: 'reportJob', part: parts }] };
}

/** The Parameters the caller sent, as sent (an empty body: none). */
function echo(body: unknown): Parameters {
  const p = body as Parameters | undefined;
  return { resourceType: 'Parameters', ...(p?.parameter ? { parameter: p.parameter } : {}) };
}

function sameInput(a: ReportInput, b: ReportInput): boolean {
  const norm = (x: ReportInput) => JSON.stringify(x, Object.keys({ anonymized: 0, organization: 0, period: 0, conditionCode: 0, status: 0, low: 0, high: 0, system: 0, code: 0 }));
  return norm(a) === norm(b);
}

/** The reporting family: `$schedule-…`, `$fetch-…`, `$execute-…` of each report, and `$get-report-job-status`. */
export function reportingOperations(deps: ReportOperationDeps): Operation[] {
  return [...REPORTS.flatMap((r) => [scheduleOperation(r, deps), fetchOperation(r, deps), executeOperation(r)]), jobStatusOperation(deps)];
}
