import type { DiagnosisNames } from './diagnosis-names';
import type { Grouping } from './episode-groups';
import { groupDisplay, unknownLast } from './rollout';
import type { SelfManagementCohortRow, SelfManagementRow } from './cohort-figures';
import type { Targets } from './targets';
import { SMALL_CELL } from './utilisation';

/**
 * The self-management report's figures per group: pure, so the MeasureReport, CSV and HTML
 * renderings share one shape. Every group lists the same follow-ups (those any group or the
 * country has answers for). A cell (a group's cohort, or a group at one follow-up) with fewer
 * than SMALL_CELL citizens is suppressed: no mean and no count.
 */

/** The standardised self-management questionnaire (fhir-profiles/templates/questionnaire-self-management-semcd6.json). */
export const SEMCD6_QUESTIONNAIRE = 'https://kolibri.dk/fhir/Questionnaire/self-management-semcd6';

export interface FollowUp {
  /** Months since enrolment: 0 = baseline. */
  month: number;
  /** Citizens with a scored response at this follow-up; absent when suppressed (fewer than SMALL_CELL, none included). */
  citizens?: number;
  /** Their mean SEMCD-6 score (1–10), two decimals; absent when suppressed. */
  meanScore?: number;
}

export interface SelfManagementGroup {
  key: string;
  display: string;
  /** Citizens enrolled in the period; absent when suppressed. */
  cohort?: number;
  followUps: FollowUp[];
}

export interface SelfManagementReport {
  grouping: Grouping;
  /** The cohort: citizens enrolled from periodStart to periodEnd (inclusive); answers up to periodEnd. */
  periodStart: string;
  periodEnd: string;
  generated: string;
  /** The follow-ups listed, in months (0, 3, 6, …). */
  months: number[];
  groups: SelfManagementGroup[];
  total: SelfManagementGroup;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function assembleSelfManagement(
  input: {
    grouping: Grouping;
    periodStart: string;
    periodEnd: string;
    generated: string;
    cohort: SelfManagementCohortRow[];
    scores: SelfManagementRow[];
    totalCohort: SelfManagementCohortRow[];
    totalScores: SelfManagementRow[];
  },
  targets: Targets,
  diagnoses: DiagnosisNames = {},
): SelfManagementReport {
  const keyOf = (k: string | null) => k ?? 'unknown';
  const months = [...new Set([0, ...input.scores.map((s) => s.month), ...input.totalScores.map((s) => s.month)])].sort((a, b) => a - b);
  const keys = [...new Set([...input.cohort.map((c) => keyOf(c.key)), ...input.scores.map((s) => keyOf(s.key))])].sort(unknownLast);
  const groups = keys.map((key) =>
    group(
      key,
      groupDisplay(input.grouping, key, targets, diagnoses),
      input.cohort.find((c) => keyOf(c.key) === key)?.citizens ?? 0,
      input.scores.filter((s) => keyOf(s.key) === key),
      months,
    ),
  );
  const { grouping, periodStart, periodEnd, generated } = input;
  return { grouping, periodStart, periodEnd, generated, months, groups, total: group('DK', 'Danmark', input.totalCohort[0]?.citizens ?? 0, input.totalScores, months) };
}

function group(key: string, display: string, cohort: number, scores: SelfManagementRow[], months: number[]): SelfManagementGroup {
  const shown = cohort >= SMALL_CELL;
  return {
    key,
    display,
    ...(shown ? { cohort } : {}),
    followUps: months.map((month) => {
      const row = scores.find((s) => s.month === month);
      if (!shown || !row || row.citizens < SMALL_CELL) return { month };
      return { month, citizens: row.citizens, meanScore: round2(row.meanScore) };
    }),
  };
}
