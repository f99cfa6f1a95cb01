import type { Pool, PoolClient } from 'pg';
import { DEFINITIONAL_TYPES, DIRECTORY_TYPES, isStaff, ownOrganization, type AccessPolicy } from '../auth/access-policy';
import type { AccessFilter } from './search/sql-builder';
import type { CreateCondition } from './write-statement';
import { CURRENT_COLUMNS } from './resources';
import { normalizeDatabaseError } from './pg-errors';
import { queryPrepared } from './prepared';
import { rowToVersion, type StoredVersion } from './versions';

/** Binds a value as the next statement parameter and returns its placeholder (`$3::text`). */
export type Bind = (value: unknown, cast?: string) => string;

/** The policies of staff clients: the ones a care model can grant patients to. */
export type StaffPolicy = Extract<AccessPolicy, { kind: 'organization' | 'care-team' }>;

/**
 * A care model's part of the access SQL: the ids of the patients a staff policy reaches through
 * care relationships (a module's: episodes, care teams), as a SELECT of one text column read
 * from the search index; undefined when it grants that policy none. With `patient` (an SQL
 * expression: a column of the outer query or a bound id) only that patient, if reached: every
 * branch is then driven from that patient's index rows, so the check costs the same however
 * many patients the policy reaches.
 */
export type ReachSql = (policy: StaffPolicy, bind: Bind, patient?: string) => string | undefined;

const SHARED = [...DEFINITIONAL_TYPES, ...DIRECTORY_TYPES];
const NOBODY = 'SELECT NULL::text WHERE false';

/**
 * The ids of the patients a policy reaches, as a SELECT of one text column (current versions
 * only: ending a care relationship ends the access). A citizen reaches itself; an organization
 * the Patients it registered and whom the care model (`reach`) grants it; a care team whom the
 * care model grants it. Undefined for `unrestricted`; an empty set for `none` and `operator`.
 * With `patient` (an SQL expression), only that patient if the policy reaches it, each branch
 * looked up from it (see ReachSql).
 */
export function allowedPatientsSql(policy: AccessPolicy, bind: Bind, reach?: ReachSql, patient?: string): string | undefined {
  switch (policy.kind) {
    case 'unrestricted':
      return undefined;
    case 'none':
    case 'operator':
      return NOBODY;
    case 'patient': {
      const self = bind(policy.patientId, 'text');
      return patient === undefined ? `SELECT ${self}` : `SELECT ${self} WHERE ${self} = ${patient}`;
    }
    case 'care-team':
      return reach?.(policy, bind, patient) ?? NOBODY;
    case 'organization': {
      const granted = reach?.(policy, bind, patient);
      // an alias of its own: `patient` names a column of the outer query (wanted.id, x.id …)
      const registered = `SELECT registered.id FROM resource registered WHERE registered.resource_type = 'Patient' AND registered.owner = ${bind(policy.organizationId, 'text')}${patient === undefined ? '' : ` AND registered.id = ${patient}`}`;
      return granted ? `${granted}\n        UNION ALL\n        ${registered}` : registered;
    }
  }
}

/**
 * "The policy reaches the patient `idExpr`" as a boolean SQL expression, for checks about a few
 * given patients (a read by id, a create's condition, reachablePatients). Every branch of the
 * reach is written for that patient (allowedPatientsSql's `patient`), an index look-up from it,
 * so the check does not grow with the number of patients the client reaches: `id IN (<reach>)`
 * read all of them (an organization's 1,500 grant rows for one patient) in every statement.
 * Undefined for `unrestricted`.
 */
export function reachesSql(policy: AccessPolicy, idExpr: string, bind: Bind, reach?: ReachSql): string | undefined {
  const allowed = allowedPatientsSql(policy, bind, reach, idExpr);
  return allowed === undefined ? undefined : `EXISTS (${allowed})`;
}

/**
 * Who sees a row in no patient's compartment and pointing into none: every client for shared
 * types (definitions, directory), the staff of the owner organization (staff also see rows
 * without an owner: written with authentication off or by the server), an operator its own.
 */
function unassignedVisibleSql(policy: AccessPolicy, alias: string, bind: Bind): string {
  const parts = [`${alias}.resource_type = ANY(${bind(SHARED, 'text[]')})`];
  const org = ownOrganization(policy);
  if (isStaff(policy)) parts.push(`${alias}.owner IS NULL`);
  if (org) parts.push(`${alias}.owner = ${bind(org, 'text')}`);
  return parts.join(' OR ');
}

/**
 * The search engine's security slot (./search/compile.ts): ANDed into every match,
 * count, chain, _has, include, history and export query, so paging, totals and includes never
 * leak. A row is visible when it is in the compartment of a reachable patient or names one in
 * `access_patients` (it points into one, or is an AuditEvent about one); a row with neither by
 * the unassigned rule above.
 *
 * Two forms with the same answer. The set form computes the reachable patients once per
 * statement (`= ANY(ARRAY(…))`, an InitPlan: as `IN (…)` the planner made it a semi-join that a
 * per-row check recomputed for every row read), for searches that match many rows. The per-row
 * form (`perRow`: an ordered scan that reads a page and stops) asks about the row's own
 * patients (reachesSql), so a page of a citizen's vitals or of a team's worklist costs the same
 * whether the client reaches 10 patients or 10,000, where the set form read every grant row first.
 */
export function accessFilter(policy: AccessPolicy, reach?: ReachSql): AccessFilter | undefined {
  if (policy.kind === 'unrestricted') return undefined;
  const filter: AccessFilter = (alias, bind, perRow = false) => {
    let inCompartment: string;
    let pointsInto: string;
    if (perRow) {
      inCompartment = reachesSql(policy, 'ac.compartment_id', bind, reach) as string;
      pointsInto = `EXISTS (SELECT 1 FROM unnest(${alias}.access_patients) ap(id) WHERE ${reachesSql(policy, 'ap.id', bind, reach) as string})`;
    } else {
      const allowed = allowedPatientsSql(policy, bind, reach) as string;
      inCompartment = `ac.compartment_id = ANY(ARRAY(${allowed}))`;
      pointsInto = `${alias}.access_patients && ARRAY(${allowed})`;
    }
    return `(EXISTS (SELECT 1 FROM resource_compartment ac WHERE ac.rid = ${alias}.rid AND ac.compartment_type = 'Patient' AND ${inCompartment})
      OR ${pointsInto}
      OR (${alias}.access_patients IS NULL
        AND NOT EXISTS (SELECT 1 FROM resource_compartment au WHERE au.rid = ${alias}.rid AND au.compartment_type = 'Patient')
        AND (${unassignedVisibleSql(policy, alias, bind)})))`;
  };
  filter.reaches = (idExpr, bind) => reachesSql(policy, idExpr, bind, reach) as string;
  return filter;
}

/**
 * The rids of the resources a policy may see, or more (never fewer), as a SELECT of one column
 * read from indexes that hold only such rows: the members of reachable patients' compartments,
 * rows whose `access_patients` holds a reachable patient, and rows without `access_patients` of
 * a shared type or of the policy's owners (staff: also of no owner). Type and system history
 * start from it and check each candidate with {@link accessFilter}, so its cost follows what the
 * caller may see, not what others wrote. `resourceType` narrows it to one type.
 *
 * Rows of no owner are candidates only without `access_patients`: the unassigned rule grants
 * nothing else. The server's own unowned records, AuditEvents, carry their compartment's
 * patients there (services.ts), so another organization's audit trail is no staff client's
 * candidate; they are reached as members of reachable compartments. An unowned row in no
 * compartment (written with authentication off, an AuditEvent too) stays a candidate of all
 * staff, as the access filter lets all staff see it: no type is left out by name.
 */
export type CandidateRids = (bind: Bind, resourceType?: string) => string;

export function accessCandidates(policy: AccessPolicy, reach?: ReachSql): CandidateRids | undefined {
  if (policy.kind === 'unrestricted') return undefined;
  return (bind, resourceType) => {
    const allowed = allowedPatientsSql(policy, bind, reach) as string;
    const ofType = (alias: string) => (resourceType ? ` AND ${alias}.resource_type = ${bind(resourceType, 'text')}` : '');
    const unassigned = (alias: string) => `${alias}.access_patients IS NULL AND NOT ${alias}.deleted${ofType(alias)}`;
    const org = ownOrganization(policy);
    const owners = [
      ...(isStaff(policy) ? [`SELECT n.rid FROM resource n WHERE n.owner IS NULL AND ${unassigned('n')}`] : []),
      ...(org ? [`SELECT o.rid FROM resource o WHERE o.owner = ${bind(org, 'text')} AND ${unassigned('o')}`] : []),
    ];
    return [
      `SELECT c.rid FROM resource_compartment c WHERE c.compartment_type = 'Patient' AND c.compartment_id = ANY(ARRAY(${allowed}))${ofType('c')}`,
      `SELECT p.rid FROM resource p WHERE p.access_patients && ARRAY(${allowed})${ofType('p')}`,
      `SELECT s.rid FROM resource s WHERE s.resource_type = ANY(${bind(SHARED, 'text[]')}) AND ${unassigned('s')}`,
      ...owners,
    ].join('\n      UNION ');
  };
}

/**
 * "The policy reaches every one of these patients" as a create's condition (createStatement):
 * the question reachablePatients answers, asked inside the write's own statement.
 */
export function reachesAllCondition(policy: AccessPolicy, patientIds: readonly string[], reach?: ReachSql): CreateCondition | undefined {
  if (policy.kind === 'unrestricted') return undefined;
  return {
    shape: `reach-${policy.kind}`,
    sql: (bind) => `NOT EXISTS (SELECT 1 FROM unnest(${bind([...new Set(patientIds)], 'text[]')}) AS wanted(id)
      WHERE NOT ${reachesSql(policy, 'wanted.id', bind, reach) as string})`,
  };
}

/** Which of `patientIds` the policy reaches (one query). */
export async function reachablePatients(db: Pool | PoolClient, policy: AccessPolicy, patientIds: readonly string[], reach?: ReachSql): Promise<Set<string>> {
  if (policy.kind === 'unrestricted') return new Set(patientIds);
  if (patientIds.length === 0) return new Set();
  const values: unknown[] = [[...new Set(patientIds)]];
  const bind: Bind = (value, cast) => {
    values.push(value);
    return `$${values.length}${cast ? `::${cast}` : ''}`;
  };
  // prepared: the text depends only on the policy's kind (its ids are bound)
  const { rows } = await queryPrepared(db, { text: `SELECT id FROM unnest($1::text[]) AS x(id) WHERE ${reachesSql(policy, 'x.id', bind, reach) as string}`, values });
  return new Set(rows.map((r: { id: string }) => r.id));
}

/** What the access check of a read by id needs besides the resource's JSON. */
export interface ReadReaching {
  version: StoredVersion;
  /** Patients of its indexed compartment, or of `access_patients`, that the policy reaches. */
  reachable: string[];
  /** Organization id of the client that created it (undefined: written without one). */
  owner?: string;
  /** Patients whose access governs it although it is in no compartment (Binary.securityContext …). */
  accessPatients?: string[];
}

/**
 * The current version of a resource (as ResourceStore.read) and, in the same statement, which
 * patients of its compartment (per the search index, written in the resource's own
 * transaction) the policy reaches: a read by id then needs no second query for its access
 * check. `reachable` only ever grants: the caller still decides from the resource's JSON, and
 * asks `reachablePatients` about compartments the index did not vouch for. One prepared
 * statement per policy kind (a process composes one care model, so its text never varies).
 */
export async function readReaching(db: Pool | PoolClient, policy: AccessPolicy, resourceType: string, id: string, reach?: ReachSql): Promise<ReadReaching | undefined> {
  const values: unknown[] = [resourceType, id];
  const bind: Bind = (value, cast) => {
    values.push(value);
    return `$${values.length}${cast ? `::${cast}` : ''}`;
  };
  const reaches = (idExpr: string) => reachesSql(policy, idExpr, bind, reach);
  const reachable =
    policy.kind === 'unrestricted'
      ? `'{}'::text[]`
      : `ARRAY(SELECT c.compartment_id FROM resource_compartment c
          WHERE c.rid = r.rid AND c.compartment_type = 'Patient' AND ${reaches('c.compartment_id')}
        UNION SELECT a.id FROM unnest(r.access_patients) a(id) WHERE ${reaches('a.id')})`;
  try {
    const { rows } = await queryPrepared(db, {
      text: `SELECT ${CURRENT_COLUMNS}, r.owner, r.access_patients, ${reachable} AS reachable FROM resource r WHERE r.resource_type = $1 AND r.id = $2`,
      values,
    });
    const row = rows[0];
    if (!row) return undefined;
    return { version: rowToVersion(row), reachable: row.reachable, owner: row.owner ?? undefined, accessPatients: row.access_patients ?? undefined };
  } catch (err) {
    throw normalizeDatabaseError(err);
  }
}

/** Owner and inherited patients of a resource's current row (reads of older versions and in transactions). */
export async function ownership(db: Pool | PoolClient, resourceType: string, id: string): Promise<{ owner?: string; accessPatients?: string[] }> {
  try {
    const { rows } = await queryPrepared(db, {
      text: 'SELECT owner, access_patients FROM resource WHERE resource_type = $1 AND id = $2',
      values: [resourceType, id],
    });
    return { owner: rows[0]?.owner ?? undefined, accessPatients: rows[0]?.access_patients ?? undefined };
  } catch (err) {
    throw normalizeDatabaseError(err);
  }
}

/** A current, not deleted, resource's JSON and inherited patients, as the access rules read a reference target. */
export async function accessTarget(db: Pool | PoolClient, resourceType: string, id: string): Promise<{ json: string; accessPatients?: string[] } | undefined> {
  try {
    const { rows } = await queryPrepared(db, {
      text: 'SELECT content, access_patients FROM resource WHERE resource_type = $1 AND id = $2 AND NOT deleted',
      values: [resourceType, id],
    });
    return rows[0] ? { json: rows[0].content, accessPatients: rows[0].access_patients ?? undefined } : undefined;
  } catch (err) {
    throw normalizeDatabaseError(err);
  }
}
