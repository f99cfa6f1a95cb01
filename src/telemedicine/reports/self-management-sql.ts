import type { PoolClient } from 'pg';
import { ENROLLED_STATUSES, episodesWithKey, ref, startOf, type Grouping } from './report-sql';

/**
 * The self-management report's SQL, run in the report's snapshot with the local time zone set.
 * The cohort and its groups are the utilisation report's: citizens whose enrolment date (the
 * first start of their active, onhold or finished episodes in the group) lies in [$1, $2).
 * Answers: QuestionnaireResponses to the SEMCD-6 Questionnaire ($3, any version) with status
 * completed or amended, by `subject`, placed by `authored` (local time). A response's score is the
 * mean of its items answered 1–10, and it has none with fewer than 4 of the 6 answered (more than
 * two missing). A response belongs to the nearest follow-up (k × 3 months, k = days since
 * enrolment ÷ 91.3125, rounded; k = 0 is the baseline) from 14 days before enrolment up to $2; a
 * citizen counts once per follow-up, with the first scored response of that follow-up.
 * `enrolled` and `scored` are MATERIALIZED for the same reason as the utilisation report's.
 */

export interface SelfManagementCohortRow {
  key: string | null;
  citizens: number;
}

export interface SelfManagementRow {
  key: string | null;
  /** Months since enrolment: 0 (baseline), 3, 6, … */
  month: number;
  citizens: number;
  meanScore: number;
}

/** The standardised self-management questionnaire (fhir-profiles/templates/) and its items. */
export const SEMCD6_QUESTIONNAIRE = 'https://kolibri.dk/fhir/Questionnaire/self-management-semcd6';
export const SEMCD6_ITEMS = ['semcd-1', 'semcd-2', 'semcd-3', 'semcd-4', 'semcd-5', 'semcd-6'];
const QUARTER_DAYS = 365.25 / 4;

const ENROLLED = `
  enrolled AS MATERIALIZED (
    SELECT key, patient, min(starts) AS enrolled FROM epk WHERE ${ENROLLED_STATUSES} AND patient IS NOT NULL
     GROUP BY key, patient HAVING min(starts) >= $1::timestamptz AND min(starts) < $2::timestamptz)`;

const SCORED = `
  answered AS (
    SELECT ${ref('subject,reference', 'Patient')} AS patient, ${startOf(`c->>'authored'`)} AS at,
           (SELECT array_agg((i#>>'{answer,0,valueInteger}')::numeric) FROM jsonb_array_elements(c->'item') i
             WHERE i->>'linkId' = ANY($4::text[]) AND jsonb_typeof(i#>'{answer,0,valueInteger}') = 'number'
               AND (i#>>'{answer,0,valueInteger}')::numeric BETWEEN 1 AND 10) AS items
      FROM resource r, LATERAL (SELECT r.content::jsonb AS c) j
     WHERE r.resource_type = 'QuestionnaireResponse' AND NOT r.deleted AND split_part(c->>'questionnaire', '|', 1) = $3
       AND c->>'status' IN ('completed', 'amended') AND c->>'authored' IS NOT NULL),
  scored AS MATERIALIZED (
    SELECT patient, at, (SELECT avg(x) FROM unnest(items) x) AS score FROM answered WHERE cardinality(items) >= 4)`;

/** Per group (or the country as key 'DK'): the cohort's size. */
export async function selfManagementCohort(db: PoolClient, grouping: Grouping | 'country', start: string, end: string): Promise<SelfManagementCohortRow[]> {
  const sql = `WITH ${episodesWithKey(grouping)}, ${ENROLLED}
    SELECT key, count(*)::int AS citizens FROM enrolled GROUP BY key ORDER BY key NULLS LAST`;
  const { rows } = await db.query(sql, [start, end]);
  return rows as SelfManagementCohortRow[];
}

/** Per group (or the country as key 'DK') and follow-up: citizens with a scored response and their mean score. */
export async function selfManagementScores(db: PoolClient, grouping: Grouping | 'country', start: string, end: string, questionnaire: string): Promise<SelfManagementRow[]> {
  const sql = `WITH ${episodesWithKey(grouping)}, ${ENROLLED}, ${SCORED},
    placed AS (
      SELECT e.key, e.patient, s.at, s.score, round(extract(epoch FROM s.at - e.enrolled) / 86400 / ${QUARTER_DAYS})::int AS k
        FROM enrolled e JOIN scored s ON s.patient = e.patient AND s.at >= e.enrolled - interval '14 days' AND s.at < $2::timestamptz),
    firsts AS (SELECT DISTINCT ON (key, patient, k) key, k, score FROM placed ORDER BY key, patient, k, at)
    SELECT key, k * 3 AS month, count(*)::int AS citizens, avg(score)::float8 AS mean FROM firsts GROUP BY key, k ORDER BY key NULLS LAST, k`;
  const { rows } = await db.query(sql, [start, end, questionnaire, SEMCD6_ITEMS]);
  return rows.map((r) => ({ key: r.key, month: r.month, citizens: r.citizens, meanScore: r.mean }));
}
