import { referenceId, type AuthContext } from './context';
import type { ResourceLookup } from './token-context';

/** A resource as the data layer lists it: id and current content. */
export interface Listed {
  id: string;
  resource: Record<string, unknown>;
}

/** The care relationships a care model lists as contexts (a module's; without one, none are listed). */
export interface CareContexts {
  /** Current CareTeams managed by an organization (by id), with the practitioner as participant when given. */
  careTeamsOf(organizationId: string, practitionerId: string | undefined): Promise<Listed[]>;
  /** Current EpisodesOfCare of some care teams or of one patient, at most `maxEpisodes` + 1. */
  episodesOf(by: { careTeamIds: string[] } | { patientId: string }): Promise<Listed[]>;
  maxEpisodes: number;
}

export interface ContextOptionsDeps {
  lookup: ResourceLookup;
  care?: CareContexts;
  /** The FHIR base URL (each option's `url`). */
  baseUrl: string;
}

const NO_CARE: CareContexts = { careTeamsOf: async () => [], episodesOf: async () => [], maxEpisodes: 0 };

interface Option {
  id: string;
  url: string;
  name?: string;
}

/**
 * `GET /resource/ehealth-connect/contexts`: the contexts the caller may take with a
 * `refresh_token` grant, in the national infrastructure's shape (`organizations`, `care_teams`
 * with their `affiliation`, and `warning_details`) plus `episodes_of_care` and `patients`.
 * Ids are bare, as there; `url` is the absolute URL a client sends back.
 *
 * Only what the token endpoint would accept is listed: a clinician's own organization, the
 * active care teams of that organization it is a participant of, and the episodes (and their
 * patients) whose team includes one of them; a citizen's own patient and its episodes; a system
 * or operator client its organization. Nothing of another organization appears.
 */
export async function listContextOptions(deps: ContextOptionsDeps, auth: AuthContext): Promise<Record<string, unknown>> {
  const option = (type: string, id: string, name?: unknown): Option => ({
    id,
    url: `${deps.baseUrl}/${type}/${id}`,
    ...(typeof name === 'string' && name ? { name } : {}),
  });
  const care = deps.care ?? NO_CARE;
  const warnings: string[] = [];
  const organizationId = auth.organization ? referenceId(auth.organization) : undefined;
  const organization = organizationId ? option('Organization', organizationId, (await deps.lookup('Organization', organizationId))?.name) : undefined;
  const result: Record<string, unknown> = { organizations: organization ? [organization] : [], care_teams: [] };

  let episodes: Listed[] = [];
  if (auth.kind === 'clinician' && organization) {
    const teams = auth.practitioner
      ? (await care.careTeamsOf(organization.id, referenceId(auth.practitioner))).filter((t) => !['inactive', 'entered-in-error'].includes(t.resource.status as string))
      : [];
    result.care_teams = teams.map((t) => ({ ...option('CareTeam', t.id, t.resource.name), affiliation: organization }));
    episodes = await care.episodesOf({ careTeamIds: teams.map((t) => t.id) });
    const teamIds = new Set(teams.map((t) => `CareTeam/${t.id}`));
    result.episodes_of_care = shown(episodes, care.maxEpisodes, warnings).map((e) => ({
      ...episodeOption(option, e),
      care_teams: referencesOf(e.resource.team).filter((r) => teamIds.has(r)).map(referenceId),
    }));
  } else if (auth.kind === 'citizen' && auth.patient) {
    episodes = await care.episodesOf({ patientId: referenceId(auth.patient) });
    result.episodes_of_care = shown(episodes, care.maxEpisodes, warnings).map((e) => episodeOption(option, e));
  }
  if (auth.kind === 'clinician' || auth.kind === 'citizen') {
    const patients = new Set((result.episodes_of_care as Array<{ patient?: string }>).map((e) => e.patient).filter((p): p is string => !!p));
    if (auth.kind === 'citizen' && auth.patient) patients.add(referenceId(auth.patient));
    result.patients = [...patients].sort().map((id) => option('Patient', id));
  }
  result.warning_details = warnings;
  return result;
}

function shown(episodes: Listed[], max: number, warnings: string[]): Listed[] {
  if (episodes.length <= max) return episodes;
  warnings.push(`more than ${max} episodes of care: the first ${max} are listed`);
  return episodes.slice(0, max);
}

function episodeOption(option: (type: string, id: string) => Option, e: Listed) {
  const patient = referencesOf(e.resource.patient)[0];
  return {
    ...option('EpisodeOfCare', e.id),
    ...(typeof e.resource.status === 'string' ? { status: e.resource.status } : {}),
    ...(patient?.startsWith('Patient/') ? { patient: referenceId(patient) } : {}),
  };
}

function referencesOf(value: unknown): string[] {
  return (Array.isArray(value) ? value : value ? [value] : [])
    .map((r) => (r as { reference?: unknown })?.reference)
    .filter((r): r is string => typeof r === 'string');
}
