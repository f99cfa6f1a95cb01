import { paramKey } from '../../fhir/search/param-key';
import { reachOfGrants, type CareGrants } from '../../store/care-grants';

const EPISODE_PATIENT = paramKey('EpisodeOfCare', 'patient');
const EPISODE_ORGANIZATION = paramKey('EpisodeOfCare', 'organization');
// Kolibri's own SearchParameters (fhir-profiles/searchparameter-*.json)
const EPISODE_TEAM = paramKey('EpisodeOfCare', 'team');
const CARETEAM_ORGANIZATION = paramKey('CareTeam', 'managing-organization');

const TEAM = { param: EPISODE_TEAM, targetType: 'CareTeam' };

/**
 * The patients a staff client reaches through care relationships (current versions only: ending
 * an episode's link ends the access): a clinician those with an EpisodeOfCare whose team
 * includes its care team; an organization those with an EpisodeOfCare it manages or cared for
 * by one of its teams (the Patients it registered the engine adds).
 */
export const careGrants: CareGrants = (policy) =>
  policy.kind === 'care-team'
    ? [{ patient: EPISODE_PATIENT, grantee: TEAM, to: { id: policy.careTeamId } }]
    : [
        { patient: EPISODE_PATIENT, grantee: { param: EPISODE_ORGANIZATION, targetType: 'Organization' }, to: { id: policy.organizationId } },
        { patient: EPISODE_PATIENT, grantee: TEAM, to: { id: policy.organizationId, through: { param: CARETEAM_ORGANIZATION, targetType: 'Organization' } } },
      ];

/** The care grants as the store compiles them (tests give it to the access filter directly). */
export const careReachSql = reachOfGrants(careGrants);
