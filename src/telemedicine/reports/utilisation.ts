import type { Grouping } from './episode-groups';
import { groupDisplay, unknownLast } from './rollout';
import type { DiagnosisNames } from './diagnosis-names';
import type { Targets } from './targets';
import type { UtilisationRow } from './cohort-figures';

/**
 * The utilisation report's figures per group: pure, so the MeasureReport, CSV and HTML renderings
 * share one shape. A group with fewer than SMALL_CELL citizens is suppressed: it keeps its key
 * and name but none of its figures (not even the citizen count).
 */

export const SMALL_CELL = 5;

export interface Utilisation {
  citizens: number;
  citizenYearsBefore: number;
  citizenYearsSince: number;
  admissionsBefore: number;
  admissionsSince: number;
  outpatientBefore: number;
  outpatientSince: number;
  /** Per citizen-year, two decimals (0 without citizen-years). */
  admissionsPerCitizenYearBefore: number;
  admissionsPerCitizenYearSince: number;
  outpatientPerCitizenYearBefore: number;
  outpatientPerCitizenYearSince: number;
}

export interface UtilisationGroup {
  key: string;
  display: string;
  /** Absent when suppressed (fewer than SMALL_CELL citizens). */
  figures?: Utilisation;
}

export interface UtilisationReport {
  grouping: Grouping;
  /** The cohort: citizens enrolled from periodStart to periodEnd (inclusive); follow-up ends with periodEnd. */
  periodStart: string;
  periodEnd: string;
  generated: string;
  groups: UtilisationGroup[];
  total: UtilisationGroup;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const rate = (n: number, years: number) => (years > 0 ? round2(n / years) : 0);

export function assembleUtilisation(
  input: { grouping: Grouping; periodStart: string; periodEnd: string; generated: string; groups: UtilisationRow[]; total: UtilisationRow[] },
  targets: Targets,
  diagnoses: DiagnosisNames = {},
): UtilisationReport {
  const groups = input.groups
    .map((row) => ({ row, key: row.key ?? 'unknown' }))
    .sort((a, b) => unknownLast(a.key, b.key))
    .map(({ row, key }) => group(key, groupDisplay(input.grouping, key, targets, diagnoses), row));
  return { ...input, groups, total: group('DK', 'Danmark', input.total[0]) };
}

function group(key: string, display: string, row: UtilisationRow | undefined): UtilisationGroup {
  if (!row || row.citizens < SMALL_CELL) return { key, display };
  return {
    key,
    display,
    figures: {
      citizens: row.citizens,
      citizenYearsBefore: round2(row.yearsBefore),
      citizenYearsSince: round2(row.yearsSince),
      admissionsBefore: row.admissionsBefore,
      admissionsSince: row.admissionsSince,
      outpatientBefore: row.outpatientBefore,
      outpatientSince: row.outpatientSince,
      admissionsPerCitizenYearBefore: rate(row.admissionsBefore, row.yearsBefore),
      admissionsPerCitizenYearSince: rate(row.admissionsSince, row.yearsSince),
      outpatientPerCitizenYearBefore: rate(row.outpatientBefore, row.yearsBefore),
      outpatientPerCitizenYearSince: rate(row.outpatientSince, row.yearsSince),
    },
  };
}
