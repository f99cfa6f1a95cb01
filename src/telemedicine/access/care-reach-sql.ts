import { paramKey } from '../../fhir/search/param-key';
import type { Bind, StaffPolicy } from '../../store/access-sql';

const EPISODE_PATIENT = paramKey('EpisodeOfCare', 'patient');
const EPISODE_ORGANIZATION = paramKey('EpisodeOfCare', 'organization');
// Kolibri's own SearchParameters (fhir-profiles/searchparameter-*.json)
const EPISODE_TEAM = paramKey('EpisodeOfCare', 'team');
const CARETEAM_ORGANIZATION = paramKey('CareTeam', 'managing-organization');

/**
 * The patients a staff client reaches through care relationships, read from the search index
 * (current versions only: ending an episode's link ends the access): a clinician those with an
 * EpisodeOfCare whose team includes its care team; an organization those with an EpisodeOfCare
 * it manages or cared for by one of its teams (the Patients it registered the engine adds).
 */
export function careReachSql(policy: StaffPolicy, bind: Bind): string {
  if (policy.kind === 'care-team') {
    // drive from the team (index on param, target_id), then the episode's patient by rid
    return `SELECT ep.target_id FROM search_reference et
        JOIN search_reference ep ON ep.rid = et.rid AND ep.param = ${EPISODE_PATIENT} AND ep.target_type = 'Patient'
        WHERE et.param = ${EPISODE_TEAM} AND et.target_id = ${bind(policy.careTeamId, 'text')} AND et.target_type = 'CareTeam'`;
  }
  const org = bind(policy.organizationId, 'text');
  return `SELECT ep.target_id FROM search_reference eo
          JOIN search_reference ep ON ep.rid = eo.rid AND ep.param = ${EPISODE_PATIENT} AND ep.target_type = 'Patient'
          WHERE eo.param = ${EPISODE_ORGANIZATION} AND eo.target_id = ${org} AND eo.target_type = 'Organization'
        UNION ALL
        SELECT ep.target_id FROM search_reference mo
          JOIN resource ct ON ct.rid = mo.rid
          JOIN search_reference et ON et.param = ${EPISODE_TEAM} AND et.target_id = ct.id AND et.target_type = 'CareTeam'
          JOIN search_reference ep ON ep.rid = et.rid AND ep.param = ${EPISODE_PATIENT} AND ep.target_type = 'Patient'
          WHERE mo.param = ${CARETEAM_ORGANIZATION} AND mo.target_id = ${org} AND mo.target_type = 'Organization'`;
}
