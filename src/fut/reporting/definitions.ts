import type { OperationDefinition, OperationDefinitionParameter } from '@medplum/fhirtypes';
import type { TemplateDeps } from '../../modules/module';
import { REPORTS } from './report-list';
import type { Report } from './reports';
import { declaredFutDefinition } from '../declared-operations';
import { upsertDefinitions } from '../../modules/definitions';

/**
 * The OperationDefinitions of the reporting family, written from the same tables the routes are
 * built from (the reports' parameter specs), so what each declares is what its route accepts.
 * Stored at start-up under FUT's canonical URLs, read and searched like any other resource.
 */
const RETURN_BINARY: OperationDefinitionParameter = {
  name: 'return',
  use: 'out',
  min: 0,
  max: '1',
  type: 'Binary',
  documentation: 'The report: a ZIP archive (contentType application/zip, base64 in Binary.data) with a ReportHeader file and the report’s JSON files.',
};

function definition(code: string, title: string, description: string, affectsState: boolean, parameter: OperationDefinitionParameter[]): OperationDefinition {
  return declaredFutDefinition({ futId: `-s-${code}`, code, title, description, affectsState, system: true, type: false, instance: false, parameter });
}

function reportParameters(report: Report): OperationDefinitionParameter[] {
  return [
    ...report.parameters.map((p) => ({ name: p.name, use: 'in' as const, min: p.min, max: '1', type: p.type, documentation: p.documentation })),
    RETURN_BINARY,
  ];
}

export function reportingDefinitions(): OperationDefinition[] {
  const out: OperationDefinition[] = [];
  for (const r of REPORTS) {
    out.push(
      definition(`schedule-${r.key}`, `Schedule: ${r.title}`, `${r.description} Queues the report on the job runner and answers at once with a text/plain Binary "*NOT GENERATED YET*" whose id is the job's; $fetch-${r.key} with the same parameters, or $get-report-job-status, tell when it is done.`, true, reportParameters(r)),
      definition(`fetch-${r.key}`, `Fetch: ${r.title}`, `${r.description} Answers the newest report this client scheduled with the same parameters: the ZIP when done, the "*NOT GENERATED YET*" Binary while it runs; 404 when none was scheduled (or it expired).`, false, reportParameters(r)),
      definition(`execute-${r.key}`, `Execute: ${r.title}`, `${r.description} Computes the report in the request and answers it.`, false, reportParameters(r)),
    );
  }
  out.push(
    definition('get-report-job-status', 'Report job status', 'The reports this client scheduled (not expired): a Bundle (collection) of Parameters, one per report, each with a reportJob part holding reportClass, userId, status (QUEUED, RUNNING, DONE, FAILED), job (the id), parameters (as sent), created and, when finished, ended. Takes no parameters.', false, [
      { name: 'return', use: 'out', min: 0, max: '1', type: 'Bundle', documentation: 'Bundle of Parameters, one per scheduled report.' },
    ]),
  );
  return out;
}

/** Store the reporting definitions at start-up. */
export const loadReportingDefinitions = (deps: TemplateDeps) => upsertDefinitions(deps, reportingDefinitions());
