import type { Db } from '../../store/db';
import { paramKey } from '../../fhir/search/param-key';
import type { AccessFilter } from '../../fhir/search/sql-builder';
import type { ReportInput } from './parameters';
import { EPISODE_EXTENSION } from './episode-reports';

/**
 * The care-plan and care-team reports' figures, in SQL: every EpisodeOfCare, CarePlan and Task
 * counted is one the caller may read (`scope` on its row). A CarePlan belongs to the episode
 * named by its episode-of-care extension.
 */

export const EPISODE_PERIOD = paramKey('EpisodeOfCare', 'date');
const CAREPLAN_PERIOD = paramKey('CarePlan', 'date');
const TASK_AUTHORED = paramKey('Task', 'authored-on');

/** One statement's bind values. */
export class Binds {
  readonly values: unknown[] = [];
  readonly bind = (value: unknown, cast?: string): string => {
    this.values.push(value);
    return `$${this.values.length}${cast ? `::${cast}` : ''}`;
  };
}

/** The visible, not deleted EpisodeOfCare rows (alias e) matching the report's episode filters. */
export function episodeWhere(b: Binds, scope: AccessFilter | undefined, input: ReportInput, periodOverlap: boolean): string {
  const parts = [`e.resource_type = 'EpisodeOfCare'`, 'NOT e.deleted'];
  if (scope) parts.push(scope('e', b.bind));
  if (input.organization) parts.push(`e.content::jsonb#>>'{managingOrganization,reference}' = ${b.bind(`Organization/${input.organization}`, 'text')}`);
  if (input.status) parts.push(`e.content::jsonb->>'status' = ${b.bind(input.status, 'text')}`);
  if (periodOverlap && input.period) {
    parts.push(`EXISTS (SELECT 1 FROM search_date pd WHERE pd.rid = e.rid AND pd.param = ${b.bind(EPISODE_PERIOD, 'int')}
      AND pd.low < ${b.bind(input.period.high ?? 'infinity', 'timestamptz')} AND pd.high > ${b.bind(input.period.low ?? '-infinity', 'timestamptz')})`);
  }
  if (input.conditionCode) {
    const system = input.conditionCode.system === undefined ? 'true' : `x->>'system' = ${b.bind(input.conditionCode.system, 'text')}`;
    parts.push(`EXISTS (SELECT 1 FROM jsonb_array_elements(e.content::jsonb->'diagnosis') dg
      JOIN resource cd ON cd.resource_type = 'Condition' AND NOT cd.deleted AND cd.id = substring(dg#>>'{condition,reference}' from '^Condition/(.+)$')
      WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(cd.content::jsonb#>'{code,coding}') x WHERE x->>'code' = ${b.bind(input.conditionCode.code, 'text')} AND ${system}))`);
  }
  return parts.join('\n       AND ');
}

/** The episode a resource's episode-of-care extension names (alias `x`'s content). */
const episodeOf = (alias: string, b: Binds) =>
  `substring((SELECT e#>>'{valueReference,reference}' FROM jsonb_array_elements(${alias}.content::jsonb->'extension') e WHERE e->>'url' = ${b.bind(EPISODE_EXTENSION, 'text')} LIMIT 1) from '^EpisodeOfCare/(.+)$')`;

/** `rid`'s date index rows of `param` overlap the period (always true without one). */
function overlaps(b: Binds, rid: string, param: number, period: ReportInput['period']): string {
  if (!period) return 'true';
  return `EXISTS (SELECT 1 FROM search_date d WHERE d.rid = ${rid} AND d.param = ${b.bind(param, 'int')}
    AND d.low < ${b.bind(period.high ?? 'infinity', 'timestamptz')} AND d.high > ${b.bind(period.low ?? '-infinity', 'timestamptz')})`;
}

/** Visible CarePlans (id, rid, content, episode) overlapping the period. */
function carePlans(b: Binds, scope: AccessFilter | undefined, period: ReportInput['period']): string {
  return `SELECT p.rid, p.id, p.content::jsonb AS c, ${episodeOf('p', b)} AS episode FROM resource p
     WHERE p.resource_type = 'CarePlan' AND NOT p.deleted${scope ? ` AND ${scope('p', b.bind)}` : ''} AND ${overlaps(b, 'p.rid', CAREPLAN_PERIOD, period)}`;
}

export interface ConditionGroupRow {
  system: string | null;
  code: string | null;
  episodes: number;
  carePlans: number;
}

/** Active episodes and active CarePlans (period overlap) per the code of the episode's first diagnosis Condition. */
export async function carePlanAndEpisodeStats(db: Db, scope: AccessFilter | undefined, input: ReportInput): Promise<ConditionGroupRow[]> {
  const b = new Binds();
  const sql = `WITH ep AS (
      SELECT e.id, e.content::jsonb->>'status' AS status, cd.content::jsonb#>'{code,coding,0}' AS coding
        FROM resource e
        LEFT JOIN resource cd ON cd.resource_type = 'Condition' AND NOT cd.deleted
          AND cd.id = substring(e.content::jsonb#>>'{diagnosis,0,condition,reference}' from '^Condition/(.+)$')
       WHERE ${episodeWhere(b, scope, { anonymized: true, organization: input.organization }, false)}),
    cp AS (${carePlans(b, scope, input.period)} AND p.content::jsonb->>'status' = 'active')
    SELECT ep.coding->>'system' AS system, ep.coding->>'code' AS code,
           count(DISTINCT ep.id) FILTER (WHERE ep.status = 'active')::int AS episodes, count(DISTINCT cp.id)::int AS plans
      FROM ep LEFT JOIN cp ON cp.episode = ep.id
     GROUP BY 1, 2 HAVING count(DISTINCT ep.id) FILTER (WHERE ep.status = 'active') > 0 OR count(DISTINCT cp.id) > 0
     ORDER BY 1 NULLS LAST, 2 NULLS LAST`;
  const { rows } = await db.query(sql, b.values);
  return rows.map((r) => ({ system: r.system, code: r.code, episodes: r.episodes, carePlans: r.plans }));
}

export interface CarePlansByEpisodeRow {
  episode: Record<string, unknown>;
  carePlans: Record<string, unknown>[];
  planDefinitions: Record<string, unknown>[];
  serviceRequests: Record<string, unknown>[];
}

/** Per visible episode with CarePlans overlapping the period: them, the PlanDefinitions they instantiate and the episode's ServiceRequests. */
export async function carePlansByEpisode(db: Db, scope: AccessFilter | undefined, input: ReportInput): Promise<CarePlansByEpisodeRow[]> {
  const b = new Binds();
  const sql = `WITH ep AS (SELECT e.id, e.content::jsonb AS c FROM resource e WHERE ${episodeWhere(b, scope, { anonymized: true, organization: input.organization }, false)}),
    cp AS (${carePlans(b, scope, input.period)})
    SELECT ep.c AS episode,
      (SELECT jsonb_agg(cp.c ORDER BY cp.id) FROM cp WHERE cp.episode = ep.id) AS plans,
      (SELECT COALESCE(jsonb_agg(DISTINCT pd.content::jsonb), '[]') FROM cp
         CROSS JOIN LATERAL jsonb_array_elements_text(COALESCE(cp.c->'instantiatesCanonical', '[]')) ic
         JOIN resource pd ON pd.resource_type = 'PlanDefinition' AND NOT pd.deleted AND pd.content::jsonb->>'url' = split_part(ic, '|', 1)
        WHERE cp.episode = ep.id) AS definitions,
      (SELECT COALESCE(jsonb_agg(s.content::jsonb ORDER BY s.id), '[]') FROM resource s
        WHERE s.resource_type = 'ServiceRequest' AND NOT s.deleted AND ${episodeOf('s', b)} = ep.id) AS requests
      FROM ep WHERE EXISTS (SELECT 1 FROM cp WHERE cp.episode = ep.id) ORDER BY ep.id`;
  const { rows } = await db.query(sql, b.values);
  return rows.map((r) => ({ episode: r.episode, carePlans: r.plans, planDefinitions: r.definitions, serviceRequests: r.requests }));
}

export interface CareTeamRow {
  careTeam: Record<string, unknown>;
  episodes: number;
  carePlans: number;
  tasks: Array<{ category: string; count: number }>;
}

/**
 * Per CareTeam (of `organization`, else every team with something counted): the visible
 * episodes it is a team of (period overlap), CarePlans it is a care team of (period overlap) and
 * Tasks it owns (authored in the period) by category (Task.code).
 */
export async function careTeamStats(db: Db, scope: AccessFilter | undefined, input: ReportInput): Promise<CareTeamRow[]> {
  const b = new Binds();
  const visible = (alias: string) => (scope ? ` AND ${scope(alias, b.bind)}` : '');
  const org = input.organization ? b.bind(`Organization/${input.organization}`, 'text') : undefined;
  const sql = `WITH teams AS (
      SELECT t.id, t.content::jsonb AS c FROM resource t WHERE t.resource_type = 'CareTeam' AND NOT t.deleted
        ${org ? `AND EXISTS (SELECT 1 FROM jsonb_array_elements(t.content::jsonb->'managingOrganization') mo WHERE mo->>'reference' = ${org})` : ''}),
    ep AS (
      SELECT substring(tm->>'reference' from '^CareTeam/(.+)$') AS team, count(DISTINCT e.id)::int AS n
        FROM resource e CROSS JOIN LATERAL jsonb_array_elements(COALESCE(e.content::jsonb->'team', '[]')) tm
       WHERE e.resource_type = 'EpisodeOfCare' AND NOT e.deleted${visible('e')} AND ${overlaps(b, 'e.rid', EPISODE_PERIOD, input.period)} GROUP BY 1),
    cp AS (
      SELECT substring(tm->>'reference' from '^CareTeam/(.+)$') AS team, count(DISTINCT p.id)::int AS n
        FROM resource p CROSS JOIN LATERAL jsonb_array_elements(COALESCE(p.content::jsonb->'careTeam', '[]')) tm
       WHERE p.resource_type = 'CarePlan' AND NOT p.deleted${visible('p')} AND ${overlaps(b, 'p.rid', CAREPLAN_PERIOD, input.period)} GROUP BY 1),
    tk AS (
      SELECT substring(k.content::jsonb#>>'{owner,reference}' from '^CareTeam/(.+)$') AS team,
             COALESCE(k.content::jsonb#>>'{code,coding,0,code}', 'unknown') AS category, count(*)::int AS n
        FROM resource k
       WHERE k.resource_type = 'Task' AND NOT k.deleted${visible('k')}
         ${input.period ? `AND EXISTS (SELECT 1 FROM search_date d WHERE d.rid = k.rid AND d.param = ${b.bind(TASK_AUTHORED, 'int')} AND d.low >= ${b.bind(input.period.low ?? '-infinity', 'timestamptz')} AND d.low < ${b.bind(input.period.high ?? 'infinity', 'timestamptz')})` : ''}
       GROUP BY 1, 2)
    SELECT teams.c AS team, COALESCE(ep.n, 0) AS episodes, COALESCE(cp.n, 0) AS plans,
           COALESCE((SELECT jsonb_agg(jsonb_build_object('category', tk.category, 'count', tk.n) ORDER BY tk.category) FROM tk WHERE tk.team = teams.id), '[]') AS tasks
      FROM teams LEFT JOIN ep ON ep.team = teams.id LEFT JOIN cp ON cp.team = teams.id
     WHERE ${org ? 'true' : '(ep.n > 0 OR cp.n > 0 OR EXISTS (SELECT 1 FROM tk WHERE tk.team = teams.id))'}
     ORDER BY teams.id`;
  const { rows } = await db.query(sql, b.values);
  return rows.map((r) => ({ careTeam: r.team, episodes: r.episodes, carePlans: r.plans, tasks: r.tasks }));
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
  const b = new Binds();
  const sql = `WITH ep AS (SELECT e.id FROM resource e WHERE ${episodeWhere(b, scope, { anonymized: true, organization: input.organization, conditionCode: input.conditionCode }, false)}),
    cp AS (SELECT p.id, split_part(p.c->'instantiatesCanonical'->>0, '|', 1) AS plan FROM (${carePlans(b, scope, input.period)}) p JOIN ep ON ep.id = p.episode),
    v AS (
      SELECT rv.id, rv.content::jsonb->>'status' AS status, rv.last_updated AS since,
             lead(rv.last_updated) OVER (PARTITION BY rv.id ORDER BY rv.version_id) AS until
        FROM resource_version rv JOIN cp ON rv.resource_type = 'CarePlan' AND rv.id = cp.id WHERE rv.content IS NOT NULL),
    per AS (SELECT id, status, extract(epoch FROM sum(COALESCE(until, ${b.bind(now.toISOString(), 'timestamptz')}) - since)) AS seconds FROM v GROUP BY id, status)
    SELECT cp.plan, per.status, count(*)::int AS n, min(seconds)::float8 AS min, max(seconds)::float8 AS max, sum(seconds)::float8 AS sum, avg(seconds)::float8 AS avg
      FROM per JOIN cp ON cp.id = per.id GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2`;
  const { rows } = await db.query(sql, b.values);
  return rows.map((r) => ({ plan: r.plan, status: r.status, count: r.n, min: r.min, max: r.max, sum: r.sum, average: r.avg }));
}
