import type { Resource } from '@medplum/fhirtypes';
import { accessPolicy, isShared, isStaff, ownOrganization, type AccessPolicy } from '../auth/access-policy';
import type { AuthContext } from '../auth/context';
import { allows, insufficientScope, restrictionsFor, type Interaction } from '../auth/permissions';
import { notFound } from '../fhir/outcome';
import type { AccessFilter } from '../store/search/sql-builder';
import type { CandidateRids, ReadReaching } from '../store/access-sql';
import type { StoredVersion } from '../store/versions';
import type { CreateCondition } from '../store/write-statement';
import type { WriteRule } from './access-model';
import { AccessTrail } from './access-trail';
import type { Db } from '../store/db';

/** A connection to ask on: the pool, or a write transaction's client (sees its own writes). */
export type { Db };

/** Owner and inherited patients of a stored resource (resource.owner, resource.access_patients). */
export interface Ownership {
  owner?: string;
  accessPatients?: string[];
}

/** What access checks need from below: patient look-ups in the database, compartments in memory. */
export interface AccessDeps {
  /** Which of the ids the policy reaches (on `db` when given: inside a write transaction). */
  reachablePatients(policy: AccessPolicy, ids: readonly string[], db?: Db): Promise<Set<string>>;
  /** Patient ids whose compartment the resource is in (R4 Patient CompartmentDefinition). */
  patientCompartments(resource: Resource): string[];
  /**
   * The patients a resource in no compartment points into (Binary.securityContext …), as the
   * store records them, and the references it could not resolve to a resource.
   */
  inheritedPatients(resource: Resource, db?: Db): Promise<{ patients: string[]; unresolved: string[] }>;
  /** Owner and inherited patients of the stored resource's current row. */
  ownership(resourceType: string, id: string, db?: Db): Promise<Ownership>;
  /** The search engine's SQL slot for a policy. */
  searchFilter(policy: AccessPolicy): AccessFilter | undefined;
  /** A superset of the rids a policy may see, read from indexes (history starts from it); undefined: walk every version. */
  historyCandidates?(policy: AccessPolicy): CandidateRids | undefined;
  /** The current version and which patients of its indexed compartment the policy reaches, in one query. */
  readReaching(policy: AccessPolicy, resourceType: string, id: string): Promise<ReadReaching | undefined>;
  /** Types whose writes change who reaches which patient (the Patient itself, the care model's relationships). */
  grantTypes: ReadonlySet<string>;
  /** The care model's write rules by type (access-model.ts). */
  writeRules: Readonly<Record<string, WriteRule>>;
  /** The condition a create written alone carries: the policy reaches every one of the patients (in SQL). */
  reachesAll(policy: AccessPolicy, patientIds: readonly string[]): CreateCondition | undefined;
  /** How a staff client comes to reach a patient (the care model's words; access-model.ts). */
  reachHint?: string;
  /** Records only the client that created them may see (Subscription), whatever the organization. */
  clientOwned?: ClientOwnedRecords;
}

/**
 * Types whose records belong to one client rather than to its organization: another client, of
 * any organization, neither reads nor finds them (404, as for a missing id).
 */
export interface ClientOwnedRecords {
  types: ReadonlySet<string>;
  /** The owning client of a record of one of `types`, if any. */
  owner(resourceType: string, id: string, db?: Db): Promise<string | undefined>;
  /** SQL ANDed into every search: a row of one of `types` only when `clientId` owns it. */
  filter(clientId: string): AccessFilter;
}

/**
 * One request's access decisions: SMART scopes (which interactions on which types) and the
 * access model (which patients' data, which organization's records). A read of something the
 * caller may not see answers 404 (no existence leak); search gets the same rule as SQL. Writes
 * are decided by `write-access.ts` on top of these. Which patients' data a decision let through
 * or refused is recorded in the request's `trail` (access-trail.ts), for the AuditEvent.
 */
export class Access {
  readonly policy: AccessPolicy;
  /**
   * Patients found reachable earlier in this request: a transaction's hundreds of entries about
   * one patient need one look-up, not one each. Only positives are kept, so an episode a batch
   * entry creates still grants access to the entries after it.
   */
  private readonly reached = new Set<string>();
  /** Ownership of resources read by id in this request (readCurrent), so canSee needs no query. */
  private readonly owned = new Map<string, Ownership>();

  constructor(
    readonly auth: AuthContext,
    readonly deps: AccessDeps,
    /** Where the decisions' patients are recorded for the audit. */
    readonly trail: AccessTrail = new AccessTrail(auth),
  ) {
    this.policy = accessPolicy(auth);
  }

  get unrestricted(): boolean {
    return this.policy.kind === 'unrestricted';
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

  /** The SQL filter that search, counts, includes and history run under; undefined when unrestricted. */
  searchFilter(): AccessFilter | undefined {
    const base = this.deps.searchFilter(this.policy);
    const owned = this.deps.clientOwned;
    if (!base || !owned) return base;
    const mine = owned.filter(this.auth.clientId);
    // perRow passes through: an ordered scan keeps the per-row form of the access check
    const filter: AccessFilter = (alias, bind, perRow) => `(${base(alias, bind, perRow)}) AND ${mine(alias, bind)}`;
    filter.reaches = base.reaches;
    return filter;
  }

  /** Where restricted type and system history start: a superset of the rids the caller may see. */
  historyCandidates(): CandidateRids | undefined {
    return this.deps.historyCandidates?.(this.policy);
  }

  /**
   * The current version of a resource (or its tombstone), read together with the patients of
   * its compartment the caller reaches, so that the visibility check of a read by id
   * (`ensureVisible`) usually needs no query of its own.
   */
  async readCurrent(resourceType: string, id: string): Promise<StoredVersion | undefined> {
    const found = await this.deps.readReaching(this.policy, resourceType, id);
    for (const p of found?.reachable ?? []) this.reached.add(p);
    if (found) this.owned.set(`${resourceType}/${id}`, { owner: found.owner, accessPatients: found.accessPatients });
    return found?.version;
  }

  /** Whether the caller may see `resource` (a stored one); records its patients as touched or denied. */
  async canSee(resource: Resource, db?: Db): Promise<boolean> {
    const patients = this.deps.patientCompartments(resource);
    if (this.unrestricted) {
      this.trail.touch(patients);
      return true;
    }
    const owned = this.deps.clientOwned;
    if (owned?.types.has(resource.resourceType) && (!resource.id || (await owned.owner(resource.resourceType, resource.id, db)) !== this.auth.clientId)) return false;
    // its Patient compartments, or the patients it inherits (resource.access_patients) when in none
    const governing = patients.length ? patients : ((await this.ownershipOf(resource, db)).accessPatients ?? []);
    if (governing.length === 0) return this.seesUnassigned(resource, db);
    const reachable = await this.reachable(governing, db);
    if (reachable.size === 0) {
      for (const p of governing) this.trail.denied.add(p);
      return false;
    }
    this.trail.touch(governing);
    return true;
  }

  /**
   * A resource in no patient's compartment: shared types are everybody's; the rest belongs to
   * the organization whose client created it (staff also see what was written without one).
   */
  private async seesUnassigned(resource: Resource, db?: Db): Promise<boolean> {
    if (isShared(resource.resourceType)) return true;
    const { owner } = await this.ownershipOf(resource, db);
    if (owner === undefined) return isStaff(this.policy);
    return owner === ownOrganization(this.policy);
  }

  /** Owner and inherited patients of a stored resource: remembered from readCurrent, else asked. */
  async ownershipOf(resource: Resource, db?: Db): Promise<Ownership> {
    if (!resource.id) return {};
    const key = `${resource.resourceType}/${resource.id}`;
    const known = this.owned.get(key);
    if (known) return known;
    const found = await this.deps.ownership(resource.resourceType, resource.id, db);
    this.owned.set(key, found);
    return found;
  }

  /** Forget what is remembered of a resource (a write in this request changed it). */
  forget(resourceType: string, id: string): void {
    this.owned.delete(`${resourceType}/${id}`);
  }

  /** 404 when the caller may not see the resource: it might as well not exist. */
  async ensureVisible(resource: Resource, what: string, db?: Db): Promise<void> {
    if (!(await this.canSee(resource, db))) throw notFound(`${what} is not known`);
  }

  /** Forget which patients were reached: a write in this request changed a care relationship. */
  resetReach(): void {
    this.reached.clear();
  }

  /** Which of the patients the policy reaches, asking the database only about ones not yet reached. */
  async reachable(ids: readonly string[], db?: Db): Promise<Set<string>> {
    if (this.unrestricted) return new Set(ids);
    const unknown = ids.filter((id) => !this.reached.has(id));
    if (unknown.length) for (const id of await this.deps.reachablePatients(this.policy, unknown, db)) this.reached.add(id);
    return new Set(ids.filter((id) => this.reached.has(id)));
  }
}
