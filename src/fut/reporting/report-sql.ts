import type { PoolClient } from 'pg';
import { paramKey } from '../../fhir/search/param-key';
import type { AccessFilter } from '../../fhir/search/sql-builder';
import type { ReportInput } from './parameters';

/**
 * The figures of FUT's reports, aggregated in PostgreSQL over current versions and the search
 * index, within what the caller may read: `scope` is the search engine's access filter for the
 * caller, applied to every EpisodeOfCare row (the measurements, conditions and requests counted
 * are the episode's patient's, so they are within the same reach).
 *
 * A measurement belongs to an episode when it is basedOn a ServiceRequest carrying the
 * episode-of-care extension of that episode; entered-in-error measurements are not counted.
 */

export const EPISODE_EXTENSION = 'https://kolibri.dk/fhir/StructureDefinition/ext-episode-of-care';
const MEASUREMENT_TYPES = ['Observation', 'QuestionnaireResponse', 'Media'];
const BASED_ON = MEASUREMENT_TYPES.map((t) => paramKey(t, 'based-on'));
const STATUS = MEASUREMENT_TYPES.map((t) => paramKey(t, 'status'));
/** Observation.effective, QuestionnaireResponse.authored, Media.created. */
const MEASURED = [paramKey('Observation', 'date'), paramKey('QuestionnaireResponse', 'authored'), paramKey('Media', 'created')];
export const EPISODE_PERIOD = paramKey('EpisodeOfCare', 'date');
/** Episode statuses during which a citizen counts as enrolled. */
const ENROLLED = ['active', 'onhold', 'finished'];

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

/** CTEs `ep` (id, rid, content), `sr` (ServiceRequest id → episode) and `m` (measurement rid, type, episode). */
function measurementCtes(b: Binds, scope: AccessFilter | undefined, input: ReportInput, measuredIn?: { low?: string; high?: string }): string {
  const when = measuredIn
    ? `AND EXISTS (SELECT 1 FROM search_date d WHERE d.rid = r.rid AND d.param = ANY(${b.bind(MEASURED, 'int[]')})
         AND d.low >= ${b.bind(measuredIn.low ?? '-infinity', 'timestamptz')} AND d.low < ${b.bind(measuredIn.high ?? 'infinity', 'timestamptz')})`
    : '';
  return `ep AS (SELECT e.rid, e.id, e.content::jsonb AS c FROM resource e WHERE ${episodeWhere(b, scope, input, !measuredIn)}),
    sr AS (
      SELECT s.id, ep.id AS episode FROM resource s
        JOIN ep ON ep.id = substring((SELECT x#>>'{valueReference,reference}' FROM jsonb_array_elements(s.content::jsonb->'extension') x
                                      WHERE x->>'url' = ${b.bind(EPISODE_EXTENSION, 'text')} LIMIT 1) from '^EpisodeOfCare/(.+)$')
       WHERE s.resource_type = 'ServiceRequest' AND NOT s.deleted),
    m AS (
      SELECT DISTINCT r.rid, r.resource_type, sr.episode FROM search_reference br
        JOIN sr ON br.target_type = 'ServiceRequest' AND br.target_id = sr.id
        JOIN resource r ON r.rid = br.rid AND NOT r.deleted
       WHERE br.param = ANY(${b.bind(BASED_ON, 'int[]')})
         AND NOT EXISTS (SELECT 1 FROM search_token st WHERE st.rid = r.rid AND st.param = ANY(${b.bind(STATUS, 'int[]')}) AND st.value = 'entered-in-error')
         ${when})`;
}

export interface MeasurementStatsRow {
  episode: Record<string, unknown>;
  observations: number;
  questionnaireResponses: number;
  media: number;
}

/** Per visible episode (organization filter), its measurements by type, measured in `period`. */
export async function measurementStats(db: PoolClient, scope: AccessFilter | undefined, input: ReportInput): Promise<MeasurementStatsRow[]> {
  const b = new Binds();
  const sql = `WITH ${measurementCtes(b, scope, { ...input, period: undefined }, input.period ?? {})},
    counts AS (SELECT episode,
        count(*) FILTER (WHERE resource_type = 'Observation')::int AS o,
        count(*) FILTER (WHERE resource_type = 'QuestionnaireResponse')::int AS q,
        count(*) FILTER (WHERE resource_type = 'Media')::int AS md
      FROM m GROUP BY episode)
    SELECT ep.c AS episode, COALESCE(k.o, 0) AS o, COALESCE(k.q, 0) AS q, COALESCE(k.md, 0) AS md
      FROM ep LEFT JOIN counts k ON k.episode = ep.id ORDER BY ep.id`;
  const { rows } = await db.query(sql, b.values);
  return rows.map((r) => ({ episode: r.episode, observations: r.o, questionnaireResponses: r.q, media: r.md }));
}

export interface PatientTotalRow {
  episode: Record<string, unknown>;
  patient: Record<string, unknown> | null;
  conditions: Record<string, unknown>[];
  serviceRequests: Record<string, unknown>[];
  measurements: Record<string, unknown>[];
}

/**
 * Per visible episode (organization, period overlap, conditionCode and status filters): its
 * Patient, diagnosis Conditions, ServiceRequests and measurements, gathered by the database.
 */
export async function patientTotals(db: PoolClient, scope: AccessFilter | undefined, input: ReportInput): Promise<PatientTotalRow[]> {
  const b = new Binds();
  const sql = `WITH ${measurementCtes(b, scope, input)}
    SELECT ep.c AS episode,
      (SELECT p.content::jsonb FROM resource p WHERE p.resource_type = 'Patient' AND NOT p.deleted
          AND p.id = substring(ep.c#>>'{patient,reference}' from '^Patient/(.+)$')) AS patient,
      (SELECT COALESCE(jsonb_agg(cd.content::jsonb ORDER BY cd.id), '[]') FROM resource cd
        WHERE cd.resource_type = 'Condition' AND NOT cd.deleted
          AND cd.id IN (SELECT substring(dg#>>'{condition,reference}' from '^Condition/(.+)$') FROM jsonb_array_elements(ep.c->'diagnosis') dg)) AS conditions,
      (SELECT COALESCE(jsonb_agg(s.content::jsonb ORDER BY s.id), '[]') FROM sr JOIN resource s ON s.resource_type = 'ServiceRequest' AND s.id = sr.id
        WHERE sr.episode = ep.id) AS requests,
      (SELECT COALESCE(jsonb_agg(r.content::jsonb ORDER BY r.resource_type, r.id), '[]') FROM m JOIN resource r ON r.rid = m.rid
        WHERE m.episode = ep.id) AS measurements
      FROM ep ORDER BY ep.id`;
  const { rows } = await db.query(sql, b.values);
  return rows.map((r) => ({ episode: r.episode, patient: r.patient, conditions: r.conditions, serviceRequests: r.requests, measurements: r.measurements }));
}

export interface UsageMonthRow {
  /** YYYY-MM */
  month: string;
  withEpisode: number;
  activeSevenDays: number;
}

export interface UsageYearRow {
  year: string;
  withEpisode: number;
  activeSevenDays: number;
}

/**
 * Unique patients with an enrolled (active, on hold or finished) visible episode in each month
 * from the month of the earliest such episode's start to the current one (at most ten years
 * back), and those whose episode covered at least seven days of the month (up to `now`); the
 * same per calendar year.
 */
export async function patientUsage(db: PoolClient, scope: AccessFilter | undefined, now: Date): Promise<{ months: UsageMonthRow[]; years: UsageYearRow[] }> {
  const b = new Binds();
  const nowBind = b.bind(now.toISOString(), 'timestamptz');
  const ctes = `WITH ep AS (
      SELECT substring(e.content::jsonb#>>'{patient,reference}' from '^Patient/(.+)$') AS patient, pd.low, LEAST(pd.high, ${nowBind}) AS high
        FROM resource e JOIN search_date pd ON pd.rid = e.rid AND pd.param = ${b.bind(EPISODE_PERIOD, 'int')}
       WHERE ${episodeWhere(b, scope, { anonymized: true }, false)} AND e.content::jsonb->>'status' = ANY(${b.bind(ENROLLED, 'text[]')})
         AND pd.low > '-infinity' AND pd.low <= ${nowBind}),
    months AS (
      SELECT ms, ms + interval '1 month' AS me FROM generate_series(
        date_trunc('month', GREATEST((SELECT min(low) FROM ep), ${nowBind} - interval '10 years')),
        ${nowBind}, interval '1 month') ms
       WHERE EXISTS (SELECT 1 FROM ep)),
    cover AS (
      SELECT months.ms, ep.patient, LEAST(ep.high, months.me) - GREATEST(ep.low, months.ms) AS days
        FROM months JOIN ep ON ep.low < months.me AND ep.high > months.ms),
    per_month AS (SELECT ms, patient, max(days) >= interval '7 days' AS seven FROM cover GROUP BY ms, patient)`;
  const per = (label: string) => `${ctes}
    SELECT to_char(months.ms, '${label}') AS at, count(DISTINCT pm.patient)::int AS n, count(DISTINCT pm.patient) FILTER (WHERE pm.seven)::int AS seven
      FROM months LEFT JOIN per_month pm ON pm.ms = months.ms GROUP BY 1 ORDER BY 1`;
  const { rows: monthRows } = await db.query(per('YYYY-MM'), b.values);
  const { rows: yearRows } = await db.query(per('YYYY'), b.values);
  return {
    months: monthRows.map((r) => ({ month: r.at, withEpisode: r.n, activeSevenDays: r.seven })),
    years: yearRows.map((r) => ({ year: r.at, withEpisode: r.n, activeSevenDays: r.seven })),
  };
}
