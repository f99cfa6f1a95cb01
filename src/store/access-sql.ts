import type { Pool, PoolClient } from 'pg';
import { DEFINITIONAL_TYPES, DIRECTORY_TYPES, isStaff, ownOrganization, type AccessPolicy } from '../auth/access-policy';
import { paramKey } from '../fhir/search/param-key';
import type { AccessFilter } from '../fhir/search/sql-builder';
import type { CreateCondition } from './write-statement';
import { CURRENT_COLUMNS } from './resources';
import { normalizeDatabaseError } from './pg-errors';
import { queryPrepared } from './prepared';
import { rowToVersion, type StoredVersion } from './versions';

type Bind = (value: unknown, cast?: string) => string;

const EPISODE_PATIENT = paramKey('EpisodeOfCare', 'patient');
const EPISODE_ORGANIZATION = paramKey('EpisodeOfCare', 'organization');
// Kolibri's own SearchParameters (fhir-profiles/searchparameter-*.json)
const EPISODE_TEAM = paramKey('EpisodeOfCare', 'team');
const CARETEAM_ORGANIZATION = paramKey('CareTeam', 'managing-organization');
const SHARED = [...DEFINITIONAL_TYPES, ...DIRECTORY_TYPES];

/**
 * The ids of the patients a policy reaches, as a SELECT of one text column, read from the
 * search index (current versions only: ending an episode's link ends the access).
 * Undefined for `unrestricted`; an empty set for `none` and `operator`.
 */
export function allowedPatientsSql(policy: AccessPolicy, bind: Bind): string | undefined {
  switch (policy.kind) {
    case 'unrestricted':
      return undefined;
    case 'none':
    case 'operator':
      return 'SELECT NULL::text WHERE false';
    case 'patient':
      return `SELECT ${bind(policy.patientId, 'text')}`;
    case 'care-team':
      // drive from the team (index on param, target_id), then the episode's patient by rid
      return `SELECT ep.target_id FROM search_reference et
        JOIN search_reference ep ON ep.rid = et.rid AND ep.param = ${EPISODE_PATIENT} AND ep.target_type = 'Patient'
        WHERE et.param = ${EPISODE_TEAM} AND et.target_id = ${bind(policy.careTeamId, 'text')} AND et.target_type = 'CareTeam'`;
    case 'organization': {
      const org = bind(policy.organizationId, 'text');
      return `SELECT ep.target_id FROM search_reference eo
          JOIN search_reference ep ON ep.rid = eo.rid AND ep.param = ${EPISODE_PATIENT} AND ep.target_type = 'Patient'
          WHERE eo.param = ${EPISODE_ORGANIZATION} AND eo.target_id = ${org} AND eo.target_type = 'Organization'
        UNION ALL
        SELECT ep.target_id FROM search_reference mo
          JOIN resource ct ON ct.rid = mo.rid
          JOIN search_reference et ON et.param = ${EPISODE_TEAM} AND et.target_id = ct.id AND et.target_type = 'CareTeam'
          JOIN search_reference ep ON ep.rid = et.rid AND ep.param = ${EPISODE_PATIENT} AND ep.target_type = 'Patient'
          WHERE mo.param = ${CARETEAM_ORGANIZATION} AND mo.target_id = ${org} AND mo.target_type = 'Organization'
        UNION ALL
        SELECT p.id FROM resource p WHERE p.resource_type = 'Patient' AND p.owner = ${org}`;
    }
  }
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
 * The search engine's security slot (src/fhir/search/compile.ts): ANDed into every match,
 * count, chain, _has, include, history and export query, so paging, totals and includes never
 * leak. A row is visible when it is in the compartment of a reachable patient or points into
 * one (`access_patients`); a row in no compartment by the unassigned rule above.
 */
export function accessFilter(policy: AccessPolicy): AccessFilter | undefined {
  if (policy.kind === 'unrestricted') return undefined;
  return (alias, bind) => {
    const allowed = allowedPatientsSql(policy, bind) as string;
    return `(EXISTS (SELECT 1 FROM resource_compartment ac WHERE ac.rid = ${alias}.rid AND ac.compartment_type = 'Patient' AND ac.compartment_id IN (${allowed}))
      OR ${alias}.access_patients && ARRAY(${allowed})
      OR (${alias}.access_patients IS NULL
        AND NOT EXISTS (SELECT 1 FROM resource_compartment au WHERE au.rid = ${alias}.rid AND au.compartment_type = 'Patient')
        AND (${unassignedVisibleSql(policy, alias, bind)})))`;
  };
}

/**
 * "The policy reaches every one of these patients" as a create's condition (createStatement):
 * the question reachablePatients answers, asked inside the write's own statement.
 */
export function reachesAllCondition(policy: AccessPolicy, patientIds: readonly string[]): CreateCondition | undefined {
  if (policy.kind === 'unrestricted') return undefined;
  return {
    shape: `reach-${policy.kind}`,
    sql: (bind) => `NOT EXISTS (SELECT 1 FROM unnest(${bind([...new Set(patientIds)], 'text[]')}) AS p(id)
      WHERE (p.id IN (${allowedPatientsSql(policy, bind) as string})) IS NOT TRUE)`,
  };
}

/** Which of `patientIds` the policy reaches (one query). */
export async function reachablePatients(db: Pool | PoolClient, policy: AccessPolicy, patientIds: readonly string[]): Promise<Set<string>> {
  if (policy.kind === 'unrestricted') return new Set(patientIds);
  if (patientIds.length === 0) return new Set();
  const values: unknown[] = [[...new Set(patientIds)]];
  const bind: Bind = (value, cast) => {
    values.push(value);
    return `$${values.length}${cast ? `::${cast}` : ''}`;
  };
  const allowed = allowedPatientsSql(policy, bind) as string;
  const { rows } = await db.query(`SELECT id FROM unnest($1::text[]) AS x(id) WHERE id IN (${allowed})`, values);
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
 * statement per policy kind.
 */
export async function readReaching(db: Pool | PoolClient, policy: AccessPolicy, resourceType: string, id: string): Promise<ReadReaching | undefined> {
  const values: unknown[] = [resourceType, id];
  const bind: Bind = (value, cast) => {
    values.push(value);
    return `$${values.length}${cast ? `::${cast}` : ''}`;
  };
  const allowed = allowedPatientsSql(policy, bind);
  const reachable = allowed
    ? `ARRAY(SELECT c.compartment_id FROM resource_compartment c
          WHERE c.rid = r.rid AND c.compartment_type = 'Patient' AND c.compartment_id IN (${allowed})
        UNION SELECT a FROM unnest(r.access_patients) a WHERE a IN (${allowed}))`
    : `'{}'::text[]`;
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
