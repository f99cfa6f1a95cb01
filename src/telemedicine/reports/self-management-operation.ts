import type { Operation } from '../../interactions/operation';
import { diagnosisNames } from './diagnosis-names';
import { dayAfter, inReportSnapshot, reportOperation, type ReportDeps, type RolloutParams } from './report-operation';
import { assembleSelfManagement, SEMCD6_QUESTIONNAIRE, type SelfManagementReport } from './self-management';
import { selfManagementCsv } from './self-management-csv';
import { selfManagementHtml } from './self-management-html';
import { selfManagementBundle } from './self-management-measure-report';
import { selfManagementFigures } from './cohort-figures';
import type { Targets } from './targets';

/**
 * `GET /fhir/$self-management-report` (system level): the mean SEMCD-6 self-management score at
 * baseline and at each 3-month follow-up of the citizens enrolled in the period, per region,
 * municipality or diagnosis; cells of fewer than 5 citizens suppressed. Same parameters, formats
 * and authorization as `$rollout-report`.
 */
export function selfManagementReportOperation(targets: Targets): Operation {
  return reportOperation('self-management-report', targets, { build: buildSelfManagementReport, csv: selfManagementCsv, html: selfManagementHtml, json: selfManagementBundle });
}

export async function buildSelfManagementReport(deps: ReportDeps, params: RolloutParams, targets: Targets): Promise<SelfManagementReport> {
  const rows = await inReportSnapshot(deps, (db) => selfManagementFigures(db, params.grouping, params.periodStart, dayAfter(params.periodEnd), SEMCD6_QUESTIONNAIRE));
  return assembleSelfManagement({ ...params, generated: deps.clock.now().toISOString(), ...rows }, targets, diagnosisNames(deps.registry));
}
