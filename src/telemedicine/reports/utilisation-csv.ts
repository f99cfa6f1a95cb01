import { csvText } from './report-csv';
import type { Utilisation, UtilisationGroup, UtilisationReport } from './utilisation';

/**
 * The utilisation report as CSV, one row per group and a last row for the country. A suppressed
 * group (fewer than 5 citizens) has `suppressed` = true and empty figures.
 */
const FIGURES: Array<keyof Utilisation> = [
  'citizens',
  'citizenYearsBefore',
  'citizenYearsSince',
  'admissionsBefore',
  'admissionsSince',
  'admissionsPerCitizenYearBefore',
  'admissionsPerCitizenYearSince',
  'outpatientBefore',
  'outpatientSince',
  'outpatientPerCitizenYearBefore',
  'outpatientPerCitizenYearSince',
];
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export const UTILISATION_CSV_COLUMNS = ['grouping', 'code', 'name', 'enrolled_from', 'enrolled_to', 'suppressed', ...FIGURES.map(snake)];

export function utilisationCsv(report: UtilisationReport): string {
  const row = (grouping: string, g: UtilisationGroup) => [grouping, g.key, g.display, report.periodStart, report.periodEnd, String(!g.figures), ...FIGURES.map((f) => g.figures?.[f] ?? '')];
  return csvText([UTILISATION_CSV_COLUMNS, ...report.groups.map((g) => row(report.grouping, g)), row('country', report.total)]);
}
