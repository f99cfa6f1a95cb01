import type { KolibriModule } from '../../modules/module';
import type { JobStore } from '../../store/jobs';
import { loadReportingDefinitions } from './definitions';
import { reportingOperations } from './operations';
import { reportJobKind } from './report-job';

export interface FutReportingOptions {
  /** Where the report jobs are queued (the `job` table: the storage's `jobs`). */
  jobs: JobStore;
  /** How long a scheduled report is kept, in hours (default 24). */
  ttlHours?: number;
}

/**
 * FUT's reporting service as a module: for measurement statistics, patient total and patient
 * usage statistics, `$schedule-…` (asynchronous, on the instance's job runner), `$fetch-…` and
 * `$execute-…`, plus `$get-report-job-status`, at FUT's canonical URLs with FUT's parameters.
 * Each report covers the episodes of care the caller may read.
 */
export function futReportingModule(options: FutReportingOptions): KolibriModule {
  const deps = { jobs: options.jobs, ttlSeconds: (options.ttlHours ?? 24) * 3600 };
  return {
    name: 'fut-reporting',
    operations: reportingOperations(deps),
    jobKinds: (kindDeps) => [reportJobKind(kindDeps)],
    loadTemplates: (templateDeps) => loadReportingDefinitions(templateDeps),
  };
}
