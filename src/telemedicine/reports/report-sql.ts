import type { PoolClient } from 'pg';
import { paramKey } from '../../fhir/search/param-key';
import { EPISODE_EXTENSION } from '../scheduler/missing-task';

/**
 * The rollout report's counts, in SQL over the resource table (current versions) and the search
 * index, in one READ ONLY snapshot with the session time zone Europe/Copenhagen (so a date-only
 * period or episode start means local midnight, and "distinct days" are local days).
 *
 * Definitions (README "Scheduler and reports"):
 * - an episode is active in [start, end) when its status is active, onhold or finished and its
 *   period overlaps (period.start < end; no period.end, or period.end — a date meaning the whole
 *   day — after start);
 * - its group: region = the managing Organization's region code, or its partOf Organization's;
 *   municipality = the managing Organization's municipality code; diagnosis = the first 4
 *   characters of the SKS code of the episode's first diagnosis Condition;
 * - a measurement is an Observation or QuestionnaireResponse basedOn a ServiceRequest of the
 *   episode (ext-episode-of-care), measured (effective / authored) in the period, not
 *   entered-in-error;
 * - Tasks count by Task.code (category) when authoredOn is in the period, grouped by their episode.
 */

export type Grouping = 'region' | 'municipality' | 'diagnosis';
export const GROUPINGS: readonly Grouping[] = ['region', 'municipality', 'diagnosis'];

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

const BASED_ON = [paramKey('Observation', 'based-on'), paramKey('QuestionnaireResponse', 'based-on')];
const WHEN = [paramKey('Observation', 'date'), paramKey('QuestionnaireResponse', 'authored')];
const STATUS = [paramKey('Observation', 'status'), paramKey('QuestionnaireResponse', 'status')];
const TASK_AUTHORED = paramKey('Task', 'authored-on');

export const ref = (path: string, type: string) => `substring(c#>>'{${path}}' from '^${type}/(.+)$')`;
const codeOf = (array: string, system: string) => `(SELECT x->>'code' FROM jsonb_array_elements(${array}) x WHERE x->>'system' = '${system}' LIMIT 1)`;
const idOf = (system: string) => `(SELECT x->>'value' FROM jsonb_array_elements(c->'identifier') x WHERE x->>'system' = '${system}' LIMIT 1)`;
/**
 * A FHIR dateTime as the first and the last instant it can mean: "2026", "2026-05" and
 * "2026-05-14" are valid dateTimes (https://hl7.org/fhir/R4/datatypes.html#dateTime) that a bare
 * ::timestamptz cast rejects.
 */
export const startOf = (text: string) =>
  `CASE length(${text}) WHEN 4 THEN (${text} || '-01-01')::timestamptz WHEN 7 THEN (${text} || '-01')::timestamptz ELSE (${text})::timestamptz END`;
const endOf = (text: string) =>
  `CASE length(${text}) WHEN 4 THEN (${text} || '-01-01')::date + interval '1 year' WHEN 7 THEN (${text} || '-01')::date + interval '1 month' WHEN 10 THEN (${text})::date + 1 ELSE (${text})::timestamptz END`;

/** Episodes with their group keys ($1 = grouping is not a bind: it picks a column from a fixed list). */
const EPISODES = `
  orgs0 AS (
    SELECT o.id, ${idOf('urn:iso:std:iso:3166:-2')} AS region, ${idOf('http://hl7.dk/fhir/core/CodeSystem/dk-core-municipality-codes')} AS municipality,
           ${ref('partOf,reference', 'Organization')} AS parent
      FROM resource o, LATERAL (SELECT o.content::jsonb AS c) j WHERE o.resource_type = 'Organization' AND NOT o.deleted),
  orgs AS (SELECT a.id, COALESCE(a.region, p.region) AS region, a.municipality FROM orgs0 a LEFT JOIN orgs0 p ON p.id = a.parent),
  ep0 AS (
    SELECT e.id, ${ref('patient,reference', 'Patient')} AS patient, c->>'status' AS status,
           ${startOf(`c#>>'{period,start}'`)} AS starts, ${endOf(`c#>>'{period,end}'`)} AS ends,
           ${ref('managingOrganization,reference', 'Organization')} AS org, substring(c#>'{diagnosis,0}'#>>'{condition,reference}' from '^Condition/(.+)$') AS condition
      FROM resource e, LATERAL (SELECT e.content::jsonb AS c) j WHERE e.resource_type = 'EpisodeOfCare' AND NOT e.deleted),
  ep AS (
    SELECT ep0.*, o.region, o.municipality,
           left(${codeOf(`cd.content::jsonb#>'{code,coding}'`, 'urn:oid:1.2.208.176.2.4')}, 4) AS diagnosis
      FROM ep0 LEFT JOIN orgs o ON o.id = ep0.org
      LEFT JOIN resource cd ON cd.resource_type = 'Condition' AND cd.id = ep0.condition AND NOT cd.deleted),
  epk AS (SELECT ep.*, GROUPKEY AS key FROM ep)`;

const ACTIVE = (start: string, end: string) => `${ENROLLED_STATUSES} AND starts < ${end} AND (ends IS NULL OR ends > ${start})`;

const SUBMISSIONS = `
  srep AS (
    SELECT s.id, substring((SELECT x#>>'{valueReference,reference}' FROM jsonb_array_elements(s.content::jsonb->'extension') x WHERE x->>'url' = '${EPISODE_EXTENSION}' LIMIT 1) from '^EpisodeOfCare/(.+)$') AS episode
      FROM resource s WHERE s.resource_type = 'ServiceRequest' AND NOT s.deleted),
  sub AS (
    SELECT DISTINCT b.rid, d.low AS at, srep.episode
      FROM search_reference b
      JOIN search_date d ON d.rid = b.rid AND d.param = ANY($3::int[]) AND d.low >= $1 AND d.low < $2
      JOIN srep ON srep.id = b.target_id
     WHERE b.param = ANY($4::int[]) AND b.target_type = 'ServiceRequest'
       AND NOT EXISTS (SELECT 1 FROM search_token x WHERE x.rid = b.rid AND x.param = ANY($5::int[]) AND x.value = 'entered-in-error'))`;

function groupKey(grouping: Grouping): string {
  return { region: 'region', municipality: 'municipality', diagnosis: 'diagnosis' }[grouping];
}

/**
 * The CTEs ending in `epk` (episodes with id, patient, status, starts, ends and `key`): the
 * grouping's key, or one key 'DK' for the whole country.
 */
export function episodesWithKey(grouping: Grouping | 'country'): string {
  return EPISODES.replace('GROUPKEY', grouping === 'country' ? `'DK'::text` : groupKey(grouping));
}

/** Episode statuses that count as enrolled. */
export const ENROLLED_STATUSES = "status IN ('active', 'onhold', 'finished')";

/** Per-group figures for [start, end). */
export async function groupFigures(db: PoolClient, grouping: Grouping, start: string, end: string): Promise<GroupRow[]> {
  const sql = `WITH ${episodesWithKey(grouping)}, ${SUBMISSIONS},
    active AS (SELECT key, count(DISTINCT patient)::int AS citizens, count(*)::int AS episodes FROM epk WHERE ${ACTIVE('$1', '$2')} GROUP BY key),
    meas AS (SELECT epk.key, count(*)::int AS n FROM sub JOIN epk ON epk.id = sub.episode GROUP BY epk.key),
    days AS (SELECT epk.key, epk.patient FROM sub JOIN epk ON epk.id = sub.episode GROUP BY epk.key, epk.patient HAVING count(DISTINCT sub.at::date) >= 7),
    seven AS (SELECT key, count(DISTINCT patient)::int AS n FROM days GROUP BY key)
    SELECT a.key, a.citizens, a.episodes, COALESCE(m.n, 0) AS measurements, COALESCE(s.n, 0) AS seven
      FROM active a LEFT JOIN meas m ON m.key IS NOT DISTINCT FROM a.key LEFT JOIN seven s ON s.key IS NOT DISTINCT FROM a.key
     ORDER BY a.key NULLS LAST`;
  const { rows } = await db.query(sql, [start, end, WHEN, BASED_ON, STATUS]);
  return rows.map((r) => ({ key: r.key, activeCitizens: r.citizens, episodes: r.episodes, measurements: r.measurements, citizensActive7Days: r.seven }));
}

/** Tasks authored in [start, end) per group and category (Task.code). */
export async function taskFigures(db: PoolClient, grouping: Grouping, start: string, end: string): Promise<TaskRow[]> {
  const sql = `WITH ${episodesWithKey(grouping)},
    tasks AS (
      SELECT substring((SELECT x#>>'{valueReference,reference}' FROM jsonb_array_elements(c->'extension') x WHERE x->>'url' = '${EPISODE_EXTENSION}' LIMIT 1) from '^EpisodeOfCare/(.+)$') AS episode,
             COALESCE(c#>>'{code,coding,0,code}', 'unknown') AS category
        FROM search_date d JOIN resource t ON t.rid = d.rid AND t.resource_type = 'Task' AND NOT t.deleted, LATERAL (SELECT t.content::jsonb AS c) j
       WHERE d.param = $3 AND d.low >= $1 AND d.low < $2)
    SELECT epk.key, tasks.category, count(*)::int AS n FROM tasks JOIN epk ON epk.id = tasks.episode GROUP BY epk.key, tasks.category ORDER BY 1, 2`;
  const { rows } = await db.query(sql, [start, end, TASK_AUTHORED]);
  return rows as TaskRow[];
}

/** Citizens with an active episode in each month of [start, end), per group (for the chart). */
export async function monthlyCitizens(db: PoolClient, grouping: Grouping, start: string, end: string): Promise<MonthRow[]> {
  const sql = `WITH ${episodesWithKey(grouping)},
    months AS (SELECT m AS ms, m + interval '1 month' AS me FROM generate_series(date_trunc('month', $1::timestamptz), $2::timestamptz - interval '1 second', interval '1 month') m)
    SELECT epk.key, to_char(months.ms, 'YYYY-MM') AS month, count(DISTINCT epk.patient)::int AS n
      FROM months JOIN epk ON ${ACTIVE('months.ms', 'months.me')}
     GROUP BY epk.key, months.ms ORDER BY 1, 2`;
  const { rows } = await db.query(sql, [start, end]);
  return rows.map((r) => ({ key: r.key, month: r.month, activeCitizens: r.n }));
}
