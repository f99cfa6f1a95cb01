import type { CareContexts } from '../../auth/context-options';
import { paramKey } from '../../fhir/search/param-key';
import type { ReferenceLister } from '../../store/reference-lists';

const CARETEAM_ORGANIZATION = paramKey('CareTeam', 'managing-organization');
const CARETEAM_PARTICIPANT = paramKey('CareTeam', 'participant');
const EPISODE_TEAM = paramKey('EpisodeOfCare', 'team');
const EPISODE_PATIENT = paramKey('EpisodeOfCare', 'patient');

/** At most this many episodes are listed per request. */
export const MAX_LISTED_EPISODES = 1000;

/**
 * The care relationships the contexts endpoint lists, from the search index: an organization's
 * care teams (those a practitioner participates in), and the episodes of some teams or of one
 * patient.
 */
export function careContexts(list: ReferenceLister): CareContexts {
  return {
    careTeamsOf: (organizationId, practitionerId) =>
      list('CareTeam', [
        { param: CARETEAM_ORGANIZATION, targetType: 'Organization', targetIds: [organizationId] },
        ...(practitionerId === undefined ? [] : [{ param: CARETEAM_PARTICIPANT, targetType: 'Practitioner', targetIds: [practitionerId] }]),
      ]),
    episodesOf: (by) =>
      list(
        'EpisodeOfCare',
        ['patientId' in by ? { param: EPISODE_PATIENT, targetType: 'Patient', targetIds: [by.patientId] } : { param: EPISODE_TEAM, targetType: 'CareTeam', targetIds: by.careTeamIds }],
        MAX_LISTED_EPISODES + 1,
      ),
    maxEpisodes: MAX_LISTED_EPISODES,
  };
}
