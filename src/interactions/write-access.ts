import type { Resource } from '@medplum/fhirtypes';
import {
  CITIZEN_WRITABLE,
  DEFINITIONAL_TYPES,
  GRANT_TYPES,
  SERVER_WRITTEN_TYPES,
  isStaff,
  ownOrganization,
  type AccessPolicy,
} from '../auth/access-policy';
import { referenceId } from '../auth/context';
import { forbidden } from '../fhir/outcome';
import type { Access, Db } from './access';

/**
 * Who may write what: the ownership and grant rules (README, "Access control"). Called inside
 * the write's transaction after the row lock, with the exact version replaced (`before`,
 * undefined for a create) and the version to be stored (`after`, undefined for a delete), so
 * the check and the write see the same state. The caller has made sure `before` is visible
 * (a hidden resource answers as a missing one); refusals here are 403.
 */
export async function authorizeWrite(access: Access, db: Db, type: string, before: Resource | undefined, after: Resource | undefined): Promise<void> {
  // what was reached before this write may not be reached after it (an episode ends, a team changes)
  if (GRANT_TYPES.has(type)) access.resetReach();
  const policy = access.policy;
  if (policy.kind === 'unrestricted') {
    for (const r of [before, after]) if (r) access.deps.patientCompartments(r).forEach((p) => access.touched.add(p));
    return;
  }
  if (SERVER_WRITTEN_TYPES.has(type)) throw forbidden(`${type} resources are written by the server only`);
  if (DEFINITIONAL_TYPES.has(type)) {
    if (policy.kind !== 'operator') throw forbidden(`${type} is a definition shared by every organization: only an operator client may change it`);
    return;
  }
  if (policy.kind === 'operator') {
    if (type === 'Organization') return;
    throw forbidden(`An operator client writes definitional resources and the Organization directory, not ${type}`);
  }
  if (policy.kind === 'none') throw forbidden('This token has no context to write in');
  if (policy.kind === 'patient' && !CITIZEN_WRITABLE.has(type)) throw forbidden(`A citizen's app may not write ${type} resources`);
  // records bound to an organization element are that organization's, whoever created them
  let boundToOrganization = false;
  switch (type) {
    case 'Organization':
      return organizationRule(policy, before, after);
    case 'CareTeam':
      careTeamRule(policy, before, after);
      boundToOrganization = organizationsOf(before, 'managingOrganization').length > 0;
      break;
    case 'EpisodeOfCare':
      return episodeRule(access, db, before, after);
    case 'PractitionerRole':
      // bound to its organization when it names one; otherwise the record of whoever created it
      sameOrganization(policy, 'PractitionerRole', 'organization', before, after);
      boundToOrganization = organizationsOf(before, 'organization').length > 0;
      break;
  }
  // an update's result keeps the owner of the version it replaces: checked once, on that one
  if (before) await recordRule(access, db, before, 'stored', !boundToOrganization);
  if (after) await recordRule(access, db, after, 'written', false);
}

/**
 * Patient data: every patient of the version replaced and of the result must be reached (a write
 * may not move a resource to someone else's patient). A record in no compartment belongs to its
 * owner organization; a citizen writes none.
 */
async function recordRule(access: Access, db: Db, resource: Resource, role: 'stored' | 'written', checkOwner: boolean): Promise<void> {
  const type = resource.resourceType;
  let patients = access.deps.patientCompartments(resource);
  if (patients.length === 0 && role === 'written') {
    const inherited = await access.deps.inheritedPatients(resource, db);
    // a pointer that does not resolve is refused like one into a hidden compartment
    if (inherited.unresolved.length) throw outsideCare(type);
    patients = inherited.patients;
  } else if (patients.length === 0) {
    patients = (await access.ownershipOf(resource, db)).accessPatients ?? [];
  }
  if (patients.length) {
    const reachable = await access.reachable(patients, db);
    if (patients.some((p) => !reachable.has(p))) throw outsideCare(type);
    patients.forEach((p) => access.touched.add(p));
    return;
  }
  const policy = access.policy;
  if (!isStaff(policy)) throw forbidden(`You may not write ${type} resources outside your own records`);
  if (!checkOwner) return; // a create becomes the caller's organization's record
  const { owner } = await access.ownershipOf(resource, db);
  if (owner === undefined || owner !== ownOrganization(policy)) {
    throw forbidden(`${type}/${resource.id} belongs to ${owner ? 'another organization' : 'no organization'}; only its owner organization's clients may change it`);
  }
}

/** The refusal of a write that would touch a patient the caller does not reach. */
export const outsideCare = (type: string) => forbidden(`You may not write data of a patient outside your care relationships (${type})`);

/**
 * The write rules of a create when they come down to one question the database answers: does
 * the caller reach every patient of the new resource's compartment (`patients`)? For the
 * unrestricted caller there is no question (`check` false). Undefined where a create needs the
 * rules of authorizeWrite in full: care relationships and their grants (Patient, EpisodeOfCare,
 * CareTeam), the organization-bound and definitional types, the server's own types, a resource
 * in no compartment (owner or inherited access), and every refusal that needs no data (those
 * are made there, with their own texts). The answer is authorizeWrite's for the same create.
 */
export function createReach(access: Access, type: string, resource: Resource): { patients: string[]; check: boolean } | undefined {
  if (GRANT_TYPES.has(type)) return undefined;
  const patients = access.deps.patientCompartments(resource);
  const policy = access.policy;
  if (policy.kind === 'unrestricted') return { patients, check: false };
  if (patients.length === 0 || SERVER_WRITTEN_TYPES.has(type) || DEFINITIONAL_TYPES.has(type) || ORGANIZATION_RULED.has(type)) return undefined;
  if (policy.kind === 'patient' ? !CITIZEN_WRITABLE.has(type) : !isStaff(policy)) return undefined;
  return { patients, check: true };
}

/** Types with a rule of their own in authorizeWrite besides the patients' (see its switch). */
const ORGANIZATION_RULED: ReadonlySet<string> = new Set(['Organization', 'CareTeam', 'EpisodeOfCare', 'PractitionerRole']);

/** Organizations are registered by the operator; an organization's own system client keeps its record (not its place in the hierarchy). */
function organizationRule(policy: AccessPolicy, before: Resource | undefined, after: Resource | undefined): void {
  if (!before || !after) throw forbidden('Organizations are registered and removed by the operator');
  if (policy.kind !== 'organization' || before.id !== policy.organizationId) throw forbidden(`Only Organization/${before.id}'s own system clients or the operator may change it`);
  const parent = (r: Resource) => (r as { partOf?: { reference?: string } }).partOf?.reference;
  if (parent(before) !== parent(after)) throw forbidden('Organization.partOf is changed by the operator only');
}

const organizationsOf = (r: Resource | undefined, element: string): string[] => {
  const value = (r as Record<string, unknown> | undefined)?.[element];
  return (Array.isArray(value) ? value : value ? [value] : [])
    .map((v: { reference?: string }) => v?.reference)
    .filter((ref): ref is string => typeof ref === 'string' && ref.startsWith('Organization/'))
    .map(referenceId);
};

/**
 * A record bound to an organization element (PractitionerRole.organization, CareTeam.managingOrganization):
 * names only the caller's own organization when created (or first bound), is changed only by
 * that organization and never moves to another. One that names none is its creator's record.
 */
function sameOrganization(policy: AccessPolicy, type: string, element: string, before: Resource | undefined, after: Resource | undefined): void {
  const own = ownOrganization(policy) as string;
  const was = organizationsOf(before, element);
  const will = organizationsOf(after, element);
  if (was.length) {
    if (!was.includes(own)) throw forbidden(`${type}/${before?.id} belongs to another organization; only its own organization's clients may change it`);
    if (after && [...new Set(was)].sort().join() !== [...new Set(will)].sort().join()) throw forbidden(`${type}.${element} cannot be changed: a record stays with its organization`);
  } else if (will.some((o) => o !== own)) {
    throw forbidden(`A ${type} may name only your own organization (Organization/${own}) in ${element}`);
  }
}

/** A CareTeam grants access to episodes' patients: it belongs to its managing organization, and a clinician may change only its own team. */
function careTeamRule(policy: AccessPolicy, before: Resource | undefined, after: Resource | undefined): void {
  if (!before && after && organizationsOf(after, 'managingOrganization').length === 0) {
    throw forbidden(`A CareTeam you create must be managed by your own organization (managingOrganization = Organization/${ownOrganization(policy)})`);
  }
  sameOrganization(policy, 'CareTeam', 'managingOrganization', before, after);
  if (before && policy.kind === 'care-team' && (before.id !== policy.careTeamId || !after)) throw forbidden('A clinician may change only the care team it works in, and not delete it');
}

/**
 * An EpisodeOfCare is the care relationship that grants access to its patient. It is opened by
 * the organization that manages it, for a patient that organization already reaches (one it
 * registered, or one shared with it by an episode's team): enrolling another organization's
 * patient by id is refused. Managing organization and patient never change; teams may (adding
 * another organization's care team shares the patient with it: the owner's consent).
 */
async function episodeRule(access: Access, db: Db, before: Resource | undefined, after: Resource | undefined): Promise<void> {
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
  for (const r of [before, after]) if (r) access.deps.patientCompartments(r).forEach((p) => access.touched.add(p));
}

/**
 * Whether the caller may create a resource at an id of its choosing (update-as-create): only
 * where it could see any resource of the type, so that a PUT to a hidden id cannot be told
 * from a PUT to a free one.
 */
export function mayCreateAtChosenId(access: Access, type: string): boolean {
  return access.unrestricted || everyRowVisible(type);
}

/**
 * Types of which every client sees every row (definitions and the directory outside patient
 * compartments): a write to one of their ids reveals nothing, so it is refused with 403 when
 * the caller may not make it, not answered as for a missing resource.
 */
export function everyRowVisible(type: string): boolean {
  return DEFINITIONAL_TYPES.has(type) || type === 'Organization' || type === 'Practitioner' || type === 'PractitionerRole';
}
