import type { Resource } from '@medplum/fhirtypes';
import { CITIZEN_WRITABLE, DEFINITIONAL_TYPES, SERVER_WRITTEN_TYPES, isStaff, ownOrganization, type AccessPolicy } from '../auth/access-policy';
import { forbidden } from '../fhir/outcome';
import type { Access, Db } from './access';
import { organizationsOf, sameOrganization } from './organization-binding';

/**
 * Who may write what: the ownership rules (README, "Access control"), with the write rules of
 * the care model's types (access-model.ts) in their place. Called inside the write's
 * transaction after the row lock, with the exact version replaced (`before`, undefined for a
 * create) and the version to be stored (`after`, undefined for a delete), so the check and the
 * write see the same state. The caller has made sure `before` is visible
 * (a hidden resource answers as a missing one); refusals here are 403.
 */
export async function authorizeWrite(access: Access, db: Db, type: string, before: Resource | undefined, after: Resource | undefined): Promise<void> {
  // what was reached before this write may not be reached after it (a care relationship ends)
  if (access.deps.grantTypes.has(type)) access.resetReach();
  const policy = access.policy;
  if (policy.kind === 'unrestricted') {
    for (const r of [before, after]) if (r) access.trail.touch(access.deps.patientCompartments(r));
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
  const rule = access.deps.writeRules[type];
  if (type === 'Organization') return organizationRule(policy, before, after);
  if (type === 'PractitionerRole') {
    // bound to its organization when it names one; otherwise the record of whoever created it
    sameOrganization(policy, 'PractitionerRole', 'organization', before, after);
    boundToOrganization = organizationsOf(before, 'organization').length > 0;
  } else if (rule) {
    const outcome = await rule(access, db, before, after);
    if (outcome === 'allowed') {
      for (const r of [before, after]) if (r) access.trail.touch(access.deps.patientCompartments(r));
      return;
    }
    boundToOrganization = outcome === 'organization-bound';
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
    access.trail.touch(patients);
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
  if (access.deps.grantTypes.has(type) || access.deps.writeRules[type]) return undefined;
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
