import type { Pool } from 'pg';
import { paramKey } from '../fhir/search/param-key';

const CARETEAM_ORGANIZATION = paramKey('CareTeam', 'managing-organization');
const CARETEAM_PARTICIPANT = paramKey('CareTeam', 'participant');
const EPISODE_TEAM = paramKey('EpisodeOfCare', 'team');
const EPISODE_PATIENT = paramKey('EpisodeOfCare', 'patient');

/** At most this many episodes are listed per request. */
export const MAX_LISTED_EPISODES = 1000;

export interface ListedResource {
  id: string;
  resource: Record<string, unknown>;
}

const rowsOf = (rows: Array<{ id: string; content: string }>): ListedResource[] =>
  rows.map((r) => ({ id: r.id, resource: JSON.parse(r.content) as Record<string, unknown> }));

/**
 * The current CareTeams managed by `organizationId` (its id), narrowed to those with
 * `practitionerId` as a participant when given. From the search index.
 */
export async function careTeamsOf(pool: Pool, organizationId: string, practitionerId: string | undefined): Promise<ListedResource[]> {
  const { rows } = await pool.query<{ id: string; content: string }>(
    `SELECT r.id, r.content FROM search_reference mo
       JOIN resource r ON r.rid = mo.rid AND r.resource_type = 'CareTeam' AND NOT r.deleted
      WHERE mo.param = $1 AND mo.target_type = 'Organization' AND mo.target_id = $2
        AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM search_reference pm WHERE pm.rid = mo.rid AND pm.param = $4
              AND pm.target_type = 'Practitioner' AND pm.target_id = $3))
      ORDER BY r.id`,
    [CARETEAM_ORGANIZATION, organizationId, practitionerId ?? null, CARETEAM_PARTICIPANT],
  );
  return rowsOf(rows);
}

/** Current EpisodesOfCare whose team includes one of `careTeamIds`, or of `patientId` (first MAX_LISTED_EPISODES + 1). */
export async function episodesOf(pool: Pool, by: { careTeamIds: string[] } | { patientId: string }): Promise<ListedResource[]> {
  const [param, type, ids] = 'patientId' in by ? [EPISODE_PATIENT, 'Patient', [by.patientId]] : [EPISODE_TEAM, 'CareTeam', by.careTeamIds];
  if (!ids.length) return [];
  const { rows } = await pool.query<{ id: string; content: string }>(
    `SELECT r.id, r.content FROM resource r
      WHERE r.resource_type = 'EpisodeOfCare' AND NOT r.deleted
        AND r.rid IN (SELECT ref.rid FROM search_reference ref WHERE ref.param = $1 AND ref.target_type = $2 AND ref.target_id = ANY($3::text[]))
      ORDER BY r.id LIMIT $4`,
    [param, type, ids, MAX_LISTED_EPISODES + 1],
  );
  return rowsOf(rows);
}
