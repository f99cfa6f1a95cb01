import type { DiagnosisNames } from './diagnosis-names';
import type { Targets } from './targets';
import type { Grouping } from './episode-groups';
import type { GroupRow, MonthRow, TaskRow } from './rollout-figures';

/**
 * The rollout report's figures per group, joined with the target populations: pure, so the
 * MeasureReport, CSV and HTML renderings share one shape.
 */

export const TASK_CATEGORIES = ['measurement-for-assessment', 'missing-measurement', 'threshold-review', 'other'] as const;

export interface GroupFigures {
  /** Region / municipality / diagnosis code; 'unknown' when an episode has none. */
  key: string;
  display: string;
  activeCitizens: number;
  episodes: number;
  measurements: number;
  /** measurements / episodes active in the period (0 without episodes). */
  measurementsPerEpisode: number;
  citizensActive7Days: number;
  tasks: Record<string, number>;
  /** Target population (regions and municipalities, when configured). */
  target?: number;
  /** activeCitizens / target × 100, one decimal. */
  inclusionPercent?: number;
  /** The highest milestone reached (10, 50, 95), or 0. */
  milestoneReached?: number;
  /** Citizens with an active episode per month (YYYY-MM), for the chart. */
  months: Array<{ month: string; activeCitizens: number; inclusionPercent?: number }>;
}

export interface RolloutReport {
  grouping: Grouping;
  periodStart: string;
  /** Inclusive last day. */
  periodEnd: string;
  generated: string;
  milestones: number[];
  groups: GroupFigures[];
  total: GroupFigures;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Assemble the report from the SQL rows and the targets. */
export function assembleRollout(
  input: { grouping: Grouping; periodStart: string; periodEnd: string; generated: string; groups: GroupRow[]; tasks: TaskRow[]; months: MonthRow[] },
  targets: Targets,
  diagnoses: DiagnosisNames = {},
): RolloutReport {
  const keyOf = (k: string | null) => k ?? 'unknown';
  const keys = new Set<string>([...input.groups.map((g) => keyOf(g.key)), ...input.tasks.map((t) => keyOf(t.key))]);
  if (input.grouping !== 'diagnosis') for (const k of Object.keys(input.grouping === 'region' ? targets.regions : targets.municipalities)) keys.add(k);
  const groups = [...keys].sort(unknownLast).map((key) => {
    const row = input.groups.find((g) => keyOf(g.key) === key);
    const target = input.grouping === 'region' ? targets.regions[key]?.target : input.grouping === 'municipality' ? targets.municipalities[key]?.target : undefined;
    const tasks = Object.fromEntries(TASK_CATEGORIES.map((c) => [c, 0])) as Record<string, number>;
    for (const t of input.tasks) if (keyOf(t.key) === key) tasks[t.category] = (tasks[t.category] ?? 0) + t.n;
    const months = input.months.filter((m) => keyOf(m.key) === key).map((m) => ({ month: m.month, activeCitizens: m.activeCitizens, ...(target ? { inclusionPercent: round1((m.activeCitizens / target) * 100) } : {}) }));
    return figures(key, groupDisplay(input.grouping, key, targets, diagnoses), row, tasks, target, months, targets.milestones);
  });
  const sum = (f: (g: GroupFigures) => number) => groups.reduce((n, g) => n + f(g), 0);
  const totalTasks = Object.fromEntries(TASK_CATEGORIES.map((c) => [c, sum((g) => g.tasks[c] ?? 0)]));
  const targetSum = input.grouping === 'diagnosis' ? undefined : sum((g) => g.target ?? 0) || undefined;
  const total = figures(
    'DK',
    'Danmark',
    { key: 'DK', activeCitizens: sum((g) => g.activeCitizens), episodes: sum((g) => g.episodes), measurements: sum((g) => g.measurements), citizensActive7Days: sum((g) => g.citizensActive7Days) },
    totalTasks,
    targetSum,
    [],
    targets.milestones,
  );
  return { grouping: input.grouping, periodStart: input.periodStart, periodEnd: input.periodEnd, generated: input.generated, milestones: targets.milestones, groups, total };
}

function figures(
  key: string,
  display: string,
  row: GroupRow | undefined,
  tasks: Record<string, number>,
  target: number | undefined,
  months: GroupFigures['months'],
  milestones: number[],
): GroupFigures {
  const activeCitizens = row?.activeCitizens ?? 0;
  const episodes = row?.episodes ?? 0;
  const measurements = row?.measurements ?? 0;
  const inclusionPercent = target ? round1((activeCitizens / target) * 100) : undefined;
  return {
    key,
    display,
    activeCitizens,
    episodes,
    measurements,
    measurementsPerEpisode: episodes ? round1(measurements / episodes) : 0,
    citizensActive7Days: row?.citizensActive7Days ?? 0,
    tasks,
    ...(target ? { target, inclusionPercent, milestoneReached: Math.max(0, ...milestones.filter((m) => (inclusionPercent ?? 0) >= m)) } : {}),
    months,
  };
}

/** A group's name: the region's or municipality's from the targets file, the diagnosis's (the patient groups' diagnoses), else its code. */
export function groupDisplay(grouping: Grouping, key: string, targets: Targets, diagnoses: DiagnosisNames): string {
  const name = grouping === 'region' ? targets.regions[key]?.name : grouping === 'municipality' ? targets.municipalities[key]?.name : diagnoses[key];
  return name ?? (key === 'unknown' ? 'Unknown' : key);
}

export function unknownLast(a: string, b: string): number {
  return (a === 'unknown' ? 1 : 0) - (b === 'unknown' ? 1 : 0) || a.localeCompare(b);
}
