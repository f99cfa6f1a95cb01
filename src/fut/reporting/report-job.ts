import type { Parameters } from '@medplum/fhirtypes';
import type { AuthContext } from '../../auth/context';
import { Access } from '../../interactions/access';
import type { JobKind } from '../../jobs/runner';
import type { JobKindDeps } from '../../modules/module';
import type { Job } from '../../store/jobs';
import type { ReportInput } from './parameters';
import { REPORTS } from './report-list';
import type { Report } from './reports';
import { runReport } from './run-report';

export const REPORT_JOB_KIND = 'fut-report';

/** A scheduled report: which, with what, for whom (the caller's auth, to recompute its reach when it runs). */
export interface ReportJobParams {
  report: Report['key'];
  input: ReportInput;
  /** The Parameters as the caller sent them (listed by $get-report-job-status). */
  parameters: Parameters;
  auth: AuthContext;
}

/** The report job: computed within the caller's reach as of when it runs; the ZIP is the job's result. */
export function reportJobKind(deps: JobKindDeps): JobKind {
  return {
    kind: REPORT_JOB_KIND,
    run: async (job) => {
      const params = (job as Job<ReportJobParams>).params;
      const report = REPORTS.find((r) => r.key === params.report);
      if (!report) throw new Error(`unknown report ${params.report}`);
      const scope = new Access(params.auth, deps.accessDeps).searchFilter();
      return runReport(deps.store, report, scope, params.input, params.parameters, deps.clock.now());
    },
  };
}
