import { DateTime } from 'luxon';
import { scanResources } from '../../store/aggregate/resource-scan';
import { countPerLabelDay, referencedTargets } from '../../store/aggregate/referencing-counts';
import type { Db } from '../../store/db';
import { EPISODE_EXTENSION } from '../scheduler/missing-task';
import { ZONE } from '../scheduler/slots';
import { SUBMISSIONS } from '../scheduler/submissions';
import { activeIn, boundOf, idOf, readEpisodes, type Grouping, type ReportEpisode } from './episode-groups';

/**
 * The rollout report's counts over [start, end) (dates, local), read in one snapshot (see
 * report-operation.ts) with the episodes and groups of episode-groups.ts:
 * - a measurement is a submission (scheduler/submissions.ts: an Observation or
 *   QuestionnaireResponse basedOn a ServiceRequest, not entered-in-error) measured in the period,
 *   counted for the episode its ServiceRequest names (ext-episode-of-care);
 * - a citizen is active 7 days with measurements on at least 7 distinct local days in a group;
 * - Tasks count by Task.code (category) when authoredOn is in the period, grouped by their episode.
 */

export interface GroupRow {
  key: string | null;
  activeCitizens: number;
  episodes: number;
  measurements: number;
  citizensActive7Days: number;
}

export interface TaskRow {
  key: string | null;
  category: string;
  n: number;
}

export interface MonthRow {
  key: string | null;
  month: string;
  activeCitizens: number;
}

/** A group's key (null: the episode has none). */
type Key = string | null;
type KeyOf = (e: ReportEpisode) => Key;

interface WithEpisode {
  extension?: Array<{ url?: string; valueReference?: { reference?: string } }>;
}
interface TaskLike extends WithEpisode {
  code?: { coding?: Array<{ code?: string }> };
}

/** The episode an `ext-episode-of-care` extension names. */
const episodeOf = (r: WithEpisode) => idOf(r.extension?.find((x) => x.url === EPISODE_EXTENSION)?.valueReference?.reference, 'EpisodeOfCare');

function bump<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** The map's value at `key`, made when missing. */
export function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = make()));
  return value;
}

const setOf = <K, V>(map: Map<K, Set<V>>, key: K): Set<V> => entry(map, key, () => new Set<V>());

export async function rolloutFigures(db: Db, grouping: Grouping, start: string, end: string): Promise<{ groups: GroupRow[]; tasks: TaskRow[]; months: MonthRow[] }> {
  const episodes = await readEpisodes(db);
  const byId = new Map(episodes.map((e) => [e.id, e]));
  const keyOf = (e: ReportEpisode) => e.groups[grouping];
  return {
    groups: await groupFigures(db, episodes, byId, keyOf, start, end),
    tasks: await taskFigures(db, byId, keyOf, start, end),
    months: monthlyCitizens(episodes, keyOf, start, end),
  };
}

/** Per-group figures: groups with an episode active in the period. */
async function groupFigures(
  db: Db,
  episodes: readonly ReportEpisode[],
  byId: ReadonlyMap<string, ReportEpisode>,
  keyOf: KeyOf,
  start: string,
  end: string,
): Promise<GroupRow[]> {
  const [from, to] = [boundOf(start), boundOf(end)];
  const citizens = new Map<Key, Set<string>>();
  const active = new Map<Key, number>();
  for (const e of episodes) {
    if (!activeIn(e, from, to)) continue;
    bump(active, keyOf(e));
    if (e.patient !== null) setOf(citizens, keyOf(e)).add(e.patient);
  }
  // the ServiceRequests measured against in the period, labelled with the episode they name
  const requests = await scanResources<WithEpisode & { id: string }>(db, 'ServiceRequest', { ids: await referencedTargets(db, SUBMISSIONS, start, end) });
  const labels = new Map(requests.flatMap((r) => (byId.has(episodeOf(r) ?? '') ? [[r.id, episodeOf(r) as string] as const] : [])));
  const measurements = new Map<Key, number>();
  const days = new Map<Key, Map<string, Set<string>>>();
  for (const { label, day, n } of await countPerLabelDay(db, SUBMISSIONS, labels, start, end)) {
    const e = byId.get(label) as ReportEpisode;
    bump(measurements, keyOf(e), n);
    if (e.patient !== null) setOf(entry(days, keyOf(e), () => new Map<Key, Set<string>>()), e.patient).add(day);
  }
  return [...active].map(([key, n]) => ({
    key: key,
    activeCitizens: citizens.get(key)?.size ?? 0,
    episodes: n,
    measurements: measurements.get(key) ?? 0,
    citizensActive7Days: [...(days.get(key)?.values() ?? [])].filter((d) => d.size >= 7).length,
  }));
}

/** Tasks authored in the period per group and category (Task.code). */
async function taskFigures(db: Db, byId: ReadonlyMap<string, ReportEpisode>, keyOf: KeyOf, start: string, end: string): Promise<TaskRow[]> {
  const counts = new Map<Key, Map<string, number>>();
  for (const task of await scanResources<TaskLike>(db, 'Task', { dates: [{ code: 'authored-on', from: start, to: end }] })) {
    const episode = byId.get(episodeOf(task) ?? '');
    if (!episode) continue;
    bump(entry(counts, keyOf(episode), () => new Map<string, number>()), task.code?.coding?.[0]?.code ?? 'unknown');
  }
  return [...counts].flatMap(([key, perCategory]) => [...perCategory].map(([category, n]) => ({ key: key, category, n })));
}

/** Citizens with an active episode in each month of the period, per group (for the chart). */
function monthlyCitizens(episodes: readonly ReportEpisode[], keyOf: KeyOf, start: string, end: string): MonthRow[] {
  const rows: MonthRow[] = [];
  const until = boundOf(end);
  for (let month = DateTime.fromISO(start, { zone: ZONE }).startOf('month'); month.toMillis() < until; month = month.plus({ months: 1 })) {
    const [from, to] = [month.toMillis(), month.plus({ months: 1 }).toMillis()];
    const citizens = new Map<Key, Set<string>>();
    for (const e of episodes) {
      if (!activeIn(e, from, to)) continue;
      const set = setOf(citizens, keyOf(e));
      if (e.patient !== null) set.add(e.patient);
    }
    for (const [key, set] of citizens) rows.push({ key: key, month: month.toFormat('yyyy-MM'), activeCitizens: set.size });
  }
  return rows;
}
