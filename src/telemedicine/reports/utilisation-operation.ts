import type { Operation } from '../../interactions/operation';
import { diagnosisNames } from './diagnosis-names';
import { dayAfter, inReportSnapshot, reportOperation, type ReportDeps, type RolloutParams } from './report-operation';
import type { Targets } from './targets';
import { assembleUtilisation, type UtilisationReport } from './utilisation';
import { utilisationCsv } from './utilisation-csv';
import { utilisationHtml } from './utilisation-html';
import { utilisationBundle } from './utilisation-measure-report';
import { utilisationFigures } from './cohort-figures';

/**
 * `GET /fhir/$utilisation-report` (system level): admissions and outpatient contacts per
 * citizen-year in the 12 months before enrolment and since, for the citizens enrolled in the
 * period, per region, municipality or diagnosis; groups of fewer than 5 citizens suppressed.
 * Same parameters, formats and authorization as `$rollout-report`.
 */
export function utilisationReportOperation(targets: Targets): Operation {
  return reportOperation('utilisation-report', targets, { build: buildUtilisationReport, csv: utilisationCsv, html: utilisationHtml, json: utilisationBundle });
}

export async function buildUtilisationReport(deps: ReportDeps, params: RolloutParams, targets: Targets): Promise<UtilisationReport> {
  const rows = await inReportSnapshot(deps, (db) => utilisationFigures(db, params.grouping, params.periodStart, dayAfter(params.periodEnd)));
  return assembleUtilisation({ ...params, generated: deps.clock.now().toISOString(), ...rows }, targets, diagnosisNames(deps.registry));
}
