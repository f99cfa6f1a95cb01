import type { Resource } from '@medplum/fhirtypes';
import { isStaff, ownOrganization, type AccessPolicy } from '../../auth/access-policy';
import { referenceId } from '../../auth/context';
import { forbidden } from '../../fhir/outcome';
import type { WriteRule } from '../../interactions/access-model';
import { organizationsOf, sameOrganization } from '../../interactions/organization-binding';

/**
 * A CareTeam grants access to episodes' patients: it belongs to its managing organization, and a
 * clinician may change only its own team. Bound to that organization once it names one;
 * otherwise the record of whoever created it.
 */
export const careTeamRule: WriteRule = (access, _db, before, after) => {
  const policy = access.policy;
  if (!before && after && organizationsOf(after, 'managingOrganization').length === 0) {
    throw forbidden(`A CareTeam you create must be managed by your own organization (managingOrganization = Organization/${ownOrganization(policy)})`);
  }
  sameOrganization(policy, 'CareTeam', 'managingOrganization', before, after);
  if (before && policy.kind === 'care-team' && (before.id !== policy.careTeamId || !after)) throw forbidden('A clinician may change only the care team it works in, and not delete it');
  return organizationsOf(before, 'managingOrganization').length > 0 ? 'organization-bound' : 'records';
};

/**
 * An EpisodeOfCare is the care relationship that grants access to its patient. It is opened by
 * the organization that manages it, for a patient that organization already reaches (one it
 * registered, or one shared with it by an episode's team): enrolling another organization's
 * patient by id is refused. Managing organization and patient never change; teams may (adding
 * another organization's care team shares the patient with it: the owner's consent).
 */
export const episodeRule: WriteRule = async (access, db, before, after) => {
  const policy = access.policy;
  if (!isStaff(policy)) throw forbidden('Care relationships (EpisodeOfCare) are opened by staff of the managing organization');
  const own = ownOrganization(policy) as string;
  const managing = (r: Resource | undefined) => organizationsOf(r, 'managingOrganization')[0];
  const patient = (r: Resource | undefined) => (r as { patient?: { reference?: string } } | undefined)?.patient?.reference;
  const teams = (r: Resource | undefined) =>
    ((r as { team?: Array<{ reference?: string }> } | undefined)?.team ?? []).map((t) => t.reference).filter((t): t is string => !!t?.startsWith('CareTeam/')).map(referenceId);
  const inTeam = (r: Resource | undefined) => policy.kind !== 'care-team' || teams(r).includes(policy.careTeamId);
  if (before) {
    if (managing(before) !== own || !inTeam(before)) throw forbidden(`EpisodeOfCare/${before.id} is managed by another organization or team; only they may change it`);
    if (after && (managing(after) !== managing(before) || patient(after) !== patient(before))) {
      throw forbidden('An EpisodeOfCare keeps its patient and managing organization: open a new episode instead');
    }
  } else if (after) {
    if (managing(after) !== own) throw forbidden(`An EpisodeOfCare you open must be managed by your own organization (managingOrganization = Organization/${own})`);
    if (!inTeam(after)) throw forbidden('A clinician opens an EpisodeOfCare with its own care team in team');
    const ref = patient(after);
    const id = ref?.startsWith('Patient/') ? referenceId(ref) : undefined;
    const organization: AccessPolicy = { kind: 'organization', organizationId: own };
    const reached = id ? await access.deps.reachablePatients(organization, [id], db) : new Set<string>();
    if (!id || !reached.has(id)) {
      throw forbidden(
        'You may open an EpisodeOfCare only for a patient your organization registered or already cares for; a patient cared for elsewhere is shared with you by its care relationship (its episode\'s team)',
      );
    }
  }
  return 'allowed' as const;
};
