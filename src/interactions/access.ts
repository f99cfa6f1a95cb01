import type { Resource } from '@medplum/fhirtypes';
import { accessPolicy, SHARED_TYPES, seesUnassigned, type AccessPolicy } from '../auth/access-policy';
import { referenceId, type AuthContext } from '../auth/context';
import { allows, insufficientScope, restrictionsFor, type Interaction } from '../auth/permissions';
import { forbidden, notFound } from '../fhir/outcome';
import type { AccessFilter } from '../fhir/search/sql-builder';
import type { StoredVersion } from '../store/versions';

/** What access checks need from below: patient look-ups in the database, compartments in memory. */
export interface AccessDeps {
  /** Which of the ids the policy reaches. */
  reachablePatients(policy: AccessPolicy, ids: readonly string[]): Promise<Set<string>>;
  /** Which of the care teams belong to the organization (CareTeam.managingOrganization). */
  teamsOfOrganization(teamIds: readonly string[], organizationId: string): Promise<Set<string>>;
  /** Patient ids whose compartment the resource is in (R4 Patient CompartmentDefinition). */
  patientCompartments(resource: Resource): string[];
  /** The search engine's SQL slot for a policy. */
  searchFilter(policy: AccessPolicy): AccessFilter | undefined;
  /** The current version and which patients of its indexed compartment the policy reaches, in one query. */
  readReaching(policy: AccessPolicy, resourceType: string, id: string): Promise<{ version: StoredVersion; reachable: string[] } | undefined>;
}

/**
 * One request's access decisions: SMART scopes (which interactions on which types) and the
 * access model (which patients' data). A read of something the caller may not see answers 404
 * (no existence leak); a write answers 403. Search gets the same rule as SQL. Every patient
 * whose data a request touches is recorded in `touched` for the AuditEvent.
 */
export class Access {
  readonly policy: AccessPolicy;
  /** Patients whose data this request read or wrote. */
  readonly touched = new Set<string>();
  /**
   * Patients whose data this request asked for and was refused (a read by id of a resource in
   * their compartment that the caller may not see): the audit records a failed access in their
   * trail, while the caller gets the same 404 as for a resource that does not exist.
   */
  readonly denied = new Set<string>();
  /** Search results (resource.rid) this request returned; their patients are looked up for the audit. */
  readonly touchedRids: string[] = [];
  /**
   * Patients found reachable earlier in this request: a transaction's hundreds of entries about
   * one patient need one look-up, not one each. Only positives are kept, so an episode a batch
   * entry creates still grants access to the entries after it.
   */
  private readonly reached = new Set<string>();

  constructor(
    readonly auth: AuthContext,
    private readonly deps: AccessDeps,
  ) {
    this.policy = accessPolicy(auth);
  }

  /** 403 (insufficient_scope) unless the token's scopes allow `interaction` on `type`. */
  requireScope(interaction: Interaction, type: string): void {
    if (!allows(this.auth.scopes, interaction, type)) {
      throw insufficientScope(`The access token's scopes do not allow ${interaction} on ${type}`);
    }
  }

  mayUse(interaction: Interaction, type: string): boolean {
    return allows(this.auth.scopes, interaction, type);
  }

  /** SMART v2 query restrictions on a scope (`system/Observation.rs?category=vital-signs`); null when none. */
  restrictions(interaction: Interaction, type: string): Array<ReadonlyArray<readonly [string, string]>> | null {
    return restrictionsFor(this.auth.scopes, interaction, type);
  }

  /** The SQL filter that search, counts and includes run under; undefined when unrestricted. */
  searchFilter(): AccessFilter | undefined {
    return this.deps.searchFilter(this.policy);
  }

  /**
   * The current version of a resource (or its tombstone), read together with the patients of
   * its compartment the caller reaches, so that the visibility check of a read by id
   * (`ensureVisible`) usually needs no query of its own.
   */
  async readCurrent(resourceType: string, id: string): Promise<StoredVersion | undefined> {
    const found = await this.deps.readReaching(this.policy, resourceType, id);
    for (const p of found?.reachable ?? []) this.reached.add(p);
    return found?.version;
  }

  /** Whether the caller may see `resource`; records its patients as touched when so. */
  async canSee(resource: Resource): Promise<boolean> {
    if (SHARED_TYPES.has(resource.resourceType)) return true;
    const patients = this.deps.patientCompartments(resource);
    if (this.policy.kind === 'unrestricted') {
      for (const p of patients) this.touched.add(p);
      return true;
    }
    if (patients.length === 0) return seesUnassigned(this.policy);
    const reachable = await this.reachable(patients);
    if (reachable.size === 0) {
      for (const p of patients) this.denied.add(p);
      return false;
    }
    for (const p of patients) this.touched.add(p);
    return true;
  }

  /**
   * For a page of resources (history), which the caller may see: one database query for the
   * whole page. Patients of the visible ones are recorded as touched.
   */
  async visibleAmong(resources: readonly Resource[]): Promise<boolean[]> {
    const patientsOf = resources.map((r) => (SHARED_TYPES.has(r.resourceType) ? [] : this.deps.patientCompartments(r)));
    const all = [...new Set(patientsOf.flat())];
    const reachable = this.policy.kind === 'unrestricted' ? new Set(all) : await this.reachable(all);
    return resources.map((r, i) => {
      const patients = patientsOf[i];
      const visible = SHARED_TYPES.has(r.resourceType)
        ? true
        : patients.length === 0
          ? seesUnassigned(this.policy)
          : patients.some((p) => reachable.has(p));
      if (visible) patients.forEach((p) => this.touched.add(p));
      return visible;
    });
  }

  /** 404 when the caller may not see the resource: it might as well not exist. */
  async ensureVisible(resource: Resource, what: string): Promise<void> {
    if (!(await this.canSee(resource))) throw notFound(`${what} is not known`);
  }

  /**
   * 403 unless the caller may write `resource` (and, for updates and deletes, may see the
   * version it replaces). Staff write data of the patients they reach, may enrol new patients
   * (create a Patient) and may open episodes for their own organization or care team; citizens
   * write only in their own compartment.
   */
  async ensureWritable(resource: Resource | undefined, current: Resource | undefined): Promise<void> {
    const type = (resource ?? current)?.resourceType as string;
    if (this.policy.kind === 'unrestricted' || SHARED_TYPES.has(type)) {
      for (const r of [resource, current]) if (r && !SHARED_TYPES.has(type)) this.deps.patientCompartments(r).forEach((p) => this.touched.add(p));
      return;
    }
    if (current && !(await this.canSee(current))) throw forbidden(`You may not change ${type}/${current.id}`);
    if (!resource) return;
    const patients = this.deps.patientCompartments(resource);
    if (type === 'Patient' && !current && this.policy.kind !== 'patient' && this.policy.kind !== 'none') return;
    if (type === 'EpisodeOfCare' && (await this.episodeGrantsAccess(resource))) {
      patients.forEach((p) => this.touched.add(p));
      return;
    }
    if (patients.length === 0) {
      if (seesUnassigned(this.policy)) return;
      throw forbidden(`You may not write ${type} resources outside your own records`);
    }
    const reachable = await this.reachable(patients);
    const outside = patients.filter((p) => !reachable.has(p));
    if (outside.length) throw forbidden(`You may not write data of a patient outside your care relationships (${type})`);
    patients.forEach((p) => this.touched.add(p));
  }

  /** Which of the patients the policy reaches, asking the database only about ones not yet reached. */
  private async reachable(ids: readonly string[]): Promise<Set<string>> {
    const unknown = ids.filter((id) => !this.reached.has(id));
    if (unknown.length) for (const id of await this.deps.reachablePatients(this.policy, unknown)) this.reached.add(id);
    return new Set(ids.filter((id) => this.reached.has(id)));
  }

  /** An episode managed by the caller's organization, or with the caller's care team, gives access to its patient. */
  private async episodeGrantsAccess(episode: Resource): Promise<boolean> {
    const e = episode as { managingOrganization?: { reference?: string }; team?: Array<{ reference?: string }> };
    const teams = (e.team ?? []).map((t) => t.reference).filter((r): r is string => !!r && r.startsWith('CareTeam/')).map(referenceId);
    if (this.policy.kind === 'care-team') return teams.includes(this.policy.careTeamId);
    if (this.policy.kind === 'organization') {
      const org = e.managingOrganization?.reference;
      if (org && org.startsWith('Organization/') && referenceId(org) === this.policy.organizationId) return true;
      return teams.length > 0 && (await this.deps.teamsOfOrganization(teams, this.policy.organizationId)).size > 0;
    }
    return false;
  }
}
