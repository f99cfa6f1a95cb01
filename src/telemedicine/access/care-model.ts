import type { AccessModel } from '../../interactions/access-model';
import { careContexts } from './care-contexts';
import { careGrants } from './care-reach-sql';
import { careTeamRule, episodeRule } from './care-write-rules';

/**
 * The telemedicine care model (README, "Access control"): an EpisodeOfCare grants its managing
 * organization and the care teams in its `team` access to its patient; a CareTeam belongs to its
 * managing organization, whose staff reach the patients of the episodes it cares in.
 */
export const careModel: AccessModel = {
  grants: careGrants,
  grantTypes: ['EpisodeOfCare', 'CareTeam'],
  writeRules: { CareTeam: careTeamRule, EpisodeOfCare: episodeRule },
  contexts: careContexts,
  reachHint: 'once an EpisodeOfCare of your care team includes the patient',
};
