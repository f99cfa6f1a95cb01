import { TASK_CATEGORIES, type GroupFigures, type RolloutReport } from './rollout';

/**
 * The rollout report as CSV (RFC 4180: comma-separated, CRLF, quoted when needed), one row per
 * group and a last row for the whole country. Numbers use a dot as decimal separator.
 */
export const CSV_COLUMNS = [
  'grouping',
  'code',
  'name',
  'period_start',
  'period_end',
  'active_citizens',
  'citizens_submitting_7_days',
  'episodes',
  'measurements',
  'measurements_per_episode',
  ...TASK_CATEGORIES.map((c) => `tasks_${c.replace(/-/g, '_')}`),
  'target',
  'inclusion_percent',
  'milestone_reached',
] as const;

export function rolloutCsv(report: RolloutReport): string {
  const row = (grouping: string, g: GroupFigures) => [
    grouping,
    g.key,
    g.display,
    report.periodStart,
    report.periodEnd,
    g.activeCitizens,
    g.citizensActive7Days,
    g.episodes,
    g.measurements,
    g.measurementsPerEpisode,
    ...TASK_CATEGORIES.map((c) => g.tasks[c] ?? 0),
    g.target ?? '',
    g.inclusionPercent ?? '',
    g.milestoneReached ?? '',
  ];
  const lines = [[...CSV_COLUMNS], ...report.groups.map((g) => row(report.grouping, g)), row('country', report.total)];
  return csvText(lines);
}

/** Rows as RFC 4180 CSV text. */
export function csvText(lines: Array<Array<string | number>>): string {
  return lines.map((cells) => cells.map(cell).join(',')).join('\r\n') + '\r\n';
}

function cell(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
