import { csvText } from './report-csv';
import type { SelfManagementGroup, SelfManagementReport } from './self-management';

/**
 * The self-management report as CSV: one row per group and follow-up, then the country's rows.
 * `enrolled_citizens` is the group's cohort; `citizens` and `mean_score` the follow-up's. A
 * suppressed cell (fewer than 5 citizens) has `suppressed` = true and those cells empty.
 */
export const SELF_MANAGEMENT_CSV_COLUMNS = ['grouping', 'code', 'name', 'enrolled_from', 'enrolled_to', 'enrolled_citizens', 'follow_up_months', 'suppressed', 'citizens', 'mean_score'];

export function selfManagementCsv(report: SelfManagementReport): string {
  const rows = (grouping: string, g: SelfManagementGroup) =>
    g.followUps.map((f) => [grouping, g.key, g.display, report.periodStart, report.periodEnd, g.cohort ?? '', f.month, String(f.citizens === undefined), f.citizens ?? '', f.meanScore ?? '']);
  return csvText([SELF_MANAGEMENT_CSV_COLUMNS, ...report.groups.flatMap((g) => rows(report.grouping, g)), ...rows('country', report.total)]);
}
