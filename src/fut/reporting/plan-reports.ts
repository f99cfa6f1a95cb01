import type { AccessFilter } from '../../store/search/sql-builder';
import { scanResources } from '../../store/aggregate/resource-scan';
import { versionHistory } from '../../store/aggregate/version-history';
import type { Db } from '../../store/db';
import { EPISODE_EXTENSION, idOf, reportEpisodes, unique } from './episode-reports';
import type { ReportInput } from './parameters';

/**
 * The care-plan and care-team reports' figures, read through the store's aggregate API: every
 * EpisodeOfCare, CarePlan and Task counted is one the caller may read (`scope`, ANDed into each
 * read). A CarePlan belongs to the episode named by its episode-of-care extension.
 */

type Json = Record<string, unknown>;
interface Ref {
  reference?: string;
}
interface WithEpisode extends Json {
  id: string;
  status?: string;
  extension?: Array<{ url?: string; valueReference?: Ref }>;
}
interface CarePlanLike extends WithEpisode {
  instantiatesCanonical?: string[];
  careTeam?: Ref[];
}

/** Code-point order, nulls last. */
const byText = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1);
const episodeOf = (r: WithEpisode) => idOf(r.extension?.find((x) => x.url === EPISODE_EXTENSION)?.valueReference?.reference, 'EpisodeOfCare');

/** Visible CarePlans whose period overlaps the report's (all without one). */
function carePlans(db: Db, scope: AccessFilter | undefined, period: ReportInput['period']): Promise<CarePlanLike[]> {
  return scanResources<CarePlanLike>(db, 'CarePlan', { visible: scope, overlaps: period ? [{ code: 'date', low: period.low, high: period.high }] : undefined });
}

export interface ConditionGroupRow {
  system: string | null;
  code: string | null;
  episodes: number;
  carePlans: number;
}

/** Active episodes and active CarePlans (period overlap) per the code of the episode's first diagnosis Condition. */
export async function carePlanAndEpisodeStats(db: Db, scope: AccessFilter | undefined, input: ReportInput): Promise<ConditionGroupRow[]> {
  const episodes = await reportEpisodes(db, scope, { anonymized: true, organization: input.organization }, false);
  const firstCondition = (e: (typeof episodes)[number]) => idOf(e.diagnosis?.[0]?.condition?.reference, 'Condition');
  const conditions = new Map(
    (await scanResources<{ id: string; code?: { coding?: Array<{ system?: string; code?: string }> } }>(db, 'Condition', { ids: unique(episodes.map(firstCondition)) })).map((c) => [c.id, c]),
  );
  const plans = new Map<string, Set<string>>();
  for (const p of await carePlans(db, scope, input.period)) {
    const episode = episodeOf(p);
    if (p.status === 'active' && episode !== undefined) (plans.get(episode) ?? plans.set(episode, new Set()).get(episode)!).add(p.id);
  }
  const groups = new Map<string, { system: string | null; code: string | null; episodes: Set<string>; plans: Set<string> }>();
  for (const e of episodes) {
    const coding = conditions.get(firstCondition(e) ?? '')?.code?.coding?.[0];
    const [system, code] = [coding?.system ?? null, coding?.code ?? null];
    const key = JSON.stringify([system, code]);
    const group = groups.get(key) ?? groups.set(key, { system, code, episodes: new Set(), plans: new Set() }).get(key)!;
    if (e.status === 'active') group.episodes.add(e.id);
    for (const p of plans.get(e.id) ?? []) group.plans.add(p);
  }
  return [...groups.values()]
    .filter((g) => g.episodes.size > 0 || g.plans.size > 0)
    .sort((a, b) => byText(a.system, b.system) || byText(a.code, b.code))
    .map((g) => ({ system: g.system, code: g.code, episodes: g.episodes.size, carePlans: g.plans.size }));
}

export interface CarePlansByEpisodeRow {
  episode: Json;
  carePlans: Json[];
  planDefinitions: Json[];
  serviceRequests: Json[];
}

/** Per visible episode with CarePlans overlapping the period: them, the PlanDefinitions they instantiate and the episode's ServiceRequests. */
export async function carePlansByEpisode(db: Db, scope: AccessFilter | undefined, input: ReportInput): Promise<CarePlansByEpisodeRow[]> {
  const episodes = await reportEpisodes(db, scope, { anonymized: true, organization: input.organization }, false);
  const plans = await carePlans(db, scope, input.period);
  const withPlans = episodes.filter((e) => plans.some((p) => episodeOf(p) === e.id));
  if (!withPlans.length) return [];
  // in PostgreSQL's jsonb order, as the report's list always was
  const definitions = await scanResources<Json & { url?: string }>(db, 'PlanDefinition', {}, 'content');
  const requests = await scanResources<WithEpisode>(db, 'ServiceRequest');
  return withPlans.map((e) => {
    const mine = plans.filter((p) => episodeOf(p) === e.id);
    const canonicals = new Set(mine.flatMap((p) => (p.instantiatesCanonical ?? []).map((c) => c.split('|')[0])));
    return {
      episode: e,
      carePlans: mine,
      planDefinitions: definitions.filter((d) => d.url !== undefined && canonicals.has(d.url)),
      serviceRequests: requests.filter((s) => episodeOf(s) === e.id),
    };
  });
}

export interface CareTeamRow {
  careTeam: Json;
  episodes: number;
  carePlans: number;
  tasks: Array<{ category: string; count: number }>;
}

/** How many distinct resources name each CareTeam in `refs`. */
function perTeam<T extends { id: string }>(resources: readonly T[], refs: (r: T) => Ref[] | undefined): Map<string, number> {
  const teams = new Map<string, Set<string>>();
  for (const r of resources) {
    for (const ref of refs(r) ?? []) {
      const team = idOf(ref.reference, 'CareTeam');
      if (team !== undefined) (teams.get(team) ?? teams.set(team, new Set()).get(team)!).add(r.id);
    }
  }
  return new Map([...teams].map(([team, ids]) => [team, ids.size]));
}

/**
 * Per CareTeam (of `organization`, else every team with something counted): the visible
 * episodes it is a team of (period overlap), CarePlans it is a care team of (period overlap) and
 * Tasks it owns (authored in the period) by category (Task.code).
 */
export async function careTeamStats(db: Db, scope: AccessFilter | undefined, input: ReportInput): Promise<CareTeamRow[]> {
  const org = input.organization ? `Organization/${input.organization}` : undefined;
  const period = input.period;
  const overlaps = period ? [{ code: 'date', low: period.low, high: period.high }] : undefined;
  const teams = (await scanResources<Json & { id: string; managingOrganization?: Ref[] }>(db, 'CareTeam')).filter(
    (t) => !org || (t.managingOrganization ?? []).some((m) => m.reference === org),
  );
  const episodes = perTeam(await scanResources<Json & { id: string; team?: Ref[] }>(db, 'EpisodeOfCare', { visible: scope, overlaps }), (e) => e.team);
  const plans = perTeam(await carePlans(db, scope, period), (p) => p.careTeam);
  const dates = period ? [{ code: 'authored-on', from: period.low ?? '-infinity', to: period.high ?? 'infinity' }] : undefined;
  const tasks = new Map<string, Map<string, number>>();
  for (const k of await scanResources<Json & { owner?: Ref; code?: { coding?: Array<{ code?: string }> } }>(db, 'Task', { visible: scope, dates })) {
    const team = idOf(k.owner?.reference, 'CareTeam');
    if (team === undefined) continue;
    const perCategory = tasks.get(team) ?? tasks.set(team, new Map()).get(team)!;
    const category = k.code?.coding?.[0]?.code ?? 'unknown';
    perCategory.set(category, (perCategory.get(category) ?? 0) + 1);
  }
  return teams
    .map((t) => ({
      careTeam: t,
      episodes: episodes.get(t.id) ?? 0,
      carePlans: plans.get(t.id) ?? 0,
      tasks: [...(tasks.get(t.id) ?? [])].sort(([a], [b]) => byText(a, b)).map(([category, count]) => ({ category, count })),
    }))
    .filter((r) => org || r.episodes > 0 || r.carePlans > 0 || r.tasks.length > 0);
}

export interface StatusDurationRow {
  /** The PlanDefinition canonical the CarePlans instantiate (null: none). */
  plan: string | null;
  status: string;
  count: number;
  /** Seconds. */
  min: number;
  max: number;
  sum: number;
  average: number;
}

/**
 * Time the visible CarePlans (of visible episodes of `organization` with a diagnosis of
 * `conditionCode`, period overlapping) spent in each status, from their version history: each
 * version's status lasts until the next version (the current one until `now`); per CarePlan the
 * time in a status is summed, then count, min, max, sum and average per PlanDefinition and status.
 */
export async function carePlanStatusDurations(db: Db, scope: AccessFilter | undefined, input: ReportInput, now: Date): Promise<StatusDurationRow[]> {
  const episodes = new Set((await reportEpisodes(db, scope, { anonymized: true, organization: input.organization, conditionCode: input.conditionCode }, false)).map((e) => e.id));
  const plans = new Map(
    (await carePlans(db, scope, input.period)).filter((p) => episodes.has(episodeOf(p) ?? '')).map((p) => [p.id, p.instantiatesCanonical?.[0]?.split('|')[0] ?? null] as const),
  );
  // each version (deletes left out) lasts until the next one, the last until now
  const versions = (await versionHistory<{ status?: string }>(db, 'CarePlan', [...plans.keys()])).filter((v) => v.resource !== null);
  const perPlanStatus = new Map<string, number>();
  versions.forEach((v, i) => {
    const next = versions[i + 1]?.id === v.id ? versions[i + 1].at : now.getTime() / 1000;
    const key = JSON.stringify([v.id, v.resource?.status ?? null]);
    perPlanStatus.set(key, (perPlanStatus.get(key) ?? 0) + (next - v.at));
  });
  const groups = new Map<string, { plan: string | null; status: string; seconds: number[] }>();
  for (const [key, seconds] of perPlanStatus) {
    const [id, status] = JSON.parse(key) as [string, string];
    const plan = plans.get(id) ?? null;
    const groupKey = JSON.stringify([plan, status]);
    (groups.get(groupKey) ?? groups.set(groupKey, { plan, status, seconds: [] }).get(groupKey)!).seconds.push(seconds);
  }
  return [...groups.values()]
    .sort((a, b) => byText(a.plan, b.plan) || byText(a.status, b.status))
    .map(({ plan, status, seconds }) => {
      const sum = seconds.reduce((s, x) => s + x, 0);
      return { plan, status, count: seconds.length, min: Math.min(...seconds), max: Math.max(...seconds), sum, average: sum / seconds.length };
    });
}
