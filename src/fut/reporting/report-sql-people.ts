import type { Db } from '../../store/db';
import type { AccessFilter } from '../../fhir/search/sql-builder';
import type { ReportInput } from './parameters';
import { Binds } from './report-sql-plans';

/** The GDPR and practitioner reports: one patient's or practitioner's records, counts of practitioners. */

/**
 * The Patient and every current resource in its compartment or pointing into it that the caller
 * may read, ordered by type and id; EpisodeOfCare only of `organization` when given. Empty when
 * the caller may not read the Patient.
 */
export async function patientRecord(db: Db, scope: AccessFilter | undefined, input: ReportInput): Promise<Record<string, unknown>[]> {
  const b = new Binds();
  const patient = b.bind(input.patient, 'text');
  const visible = (alias: string) => (scope ? ` AND ${scope(alias, b.bind)}` : '');
  const org = input.organization
    ? ` AND (r.resource_type <> 'EpisodeOfCare' OR r.content::jsonb#>>'{managingOrganization,reference}' = ${b.bind(`Organization/${input.organization}`, 'text')})`
    : '';
  const sql = `SELECT r.content::jsonb AS c FROM resource r
     WHERE NOT r.deleted${visible('r')}${org}
       AND EXISTS (SELECT 1 FROM resource p WHERE p.resource_type = 'Patient' AND p.id = ${patient} AND NOT p.deleted${visible('p')})
       AND ((r.resource_type = 'Patient' AND r.id = ${patient})
         OR EXISTS (SELECT 1 FROM resource_compartment rc WHERE rc.rid = r.rid AND rc.compartment_type = 'Patient' AND rc.compartment_id = ${patient})
         OR r.access_patients @> ARRAY[${patient}])
     ORDER BY r.resource_type <> 'Patient', r.resource_type, r.id`;
  const { rows } = await db.query(sql, b.values);
  return rows.map((r) => r.c);
}

/** The Practitioner, the CareTeams it is a participant of and its PractitionerRoles (of `organization` when given). */
export async function practitionerRecord(db: Db, input: ReportInput): Promise<{ practitioner?: Record<string, unknown>; careTeams: Record<string, unknown>[]; roles: Record<string, unknown>[] }> {
  const b = new Binds();
  const ref = b.bind(`Practitioner/${input.practitioner}`, 'text');
  const org = input.organization ? b.bind(`Organization/${input.organization}`, 'text') : undefined;
  const sql = `SELECT
      (SELECT p.content::jsonb FROM resource p WHERE p.resource_type = 'Practitioner' AND p.id = ${b.bind(input.practitioner, 'text')} AND NOT p.deleted) AS practitioner,
      (SELECT COALESCE(jsonb_agg(t.content::jsonb ORDER BY t.id), '[]') FROM resource t
        WHERE t.resource_type = 'CareTeam' AND NOT t.deleted
          AND EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(t.content::jsonb->'participant', '[]')) pa WHERE pa#>>'{member,reference}' = ${ref})
          ${org ? `AND EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(t.content::jsonb->'managingOrganization', '[]')) mo WHERE mo->>'reference' = ${org})` : ''}) AS teams,
      (SELECT COALESCE(jsonb_agg(r.content::jsonb ORDER BY r.id), '[]') FROM resource r
        WHERE r.resource_type = 'PractitionerRole' AND NOT r.deleted AND r.content::jsonb#>>'{practitioner,reference}' = ${ref}
          ${org ? `AND r.content::jsonb#>>'{organization,reference}' = ${org}` : ''}) AS roles`;
  const { rows } = await db.query(sql, b.values);
  return { practitioner: rows[0].practitioner ?? undefined, careTeams: rows[0].teams, roles: rows[0].roles };
}

export interface PractitionerCount {
  reference: string;
  name: string | null;
  practitionerCount: number;
}

/**
 * Distinct practitioners per Organization (active PractitionerRoles whose period overlaps) and
 * per CareTeam (Practitioner participants whose period overlaps), of `organization` when given.
 */
export async function practitionerCounts(db: Db, input: ReportInput): Promise<{ organizations: PractitionerCount[]; careTeams: PractitionerCount[] }> {
  const b = new Binds();
  const low = b.bind(input.period?.low ?? '-infinity', 'timestamptz');
  const high = b.bind(input.period?.high ?? 'infinity', 'timestamptz');
  const org = input.organization ? b.bind(`Organization/${input.organization}`, 'text') : undefined;
  // a Period element overlaps [low, high): starts before high (or open), ends after low (or open)
  const overlap = (period: string) =>
    `(${period}->>'start' IS NULL OR ${firstInstant(`${period}->>'start'`)} < ${high}) AND (${period}->>'end' IS NULL OR ${afterLastInstant(`${period}->>'end'`)} > ${low})`;
  const orgs = `SELECT r.content::jsonb#>>'{organization,reference}' AS reference, o.content::jsonb->>'name' AS name,
        count(DISTINCT r.content::jsonb#>>'{practitioner,reference}')::int AS n
      FROM resource r LEFT JOIN resource o ON o.resource_type = 'Organization' AND NOT o.deleted AND 'Organization/' || o.id = r.content::jsonb#>>'{organization,reference}'
     WHERE r.resource_type = 'PractitionerRole' AND NOT r.deleted AND COALESCE(r.content::jsonb->>'active', 'true') = 'true'
       AND r.content::jsonb#>>'{practitioner,reference}' IS NOT NULL AND r.content::jsonb#>>'{organization,reference}' IS NOT NULL
       AND ${overlap(`COALESCE(r.content::jsonb->'period', '{}'::jsonb)`)} ${org ? `AND r.content::jsonb#>>'{organization,reference}' = ${org}` : ''}
     GROUP BY 1, 2 ORDER BY 1`;
  const teams = `SELECT 'CareTeam/' || t.id AS reference, t.content::jsonb->>'name' AS name, count(DISTINCT pa#>>'{member,reference}')::int AS n
      FROM resource t CROSS JOIN LATERAL jsonb_array_elements(COALESCE(t.content::jsonb->'participant', '[]')) pa
     WHERE t.resource_type = 'CareTeam' AND NOT t.deleted AND pa#>>'{member,reference}' LIKE 'Practitioner/%'
       AND ${overlap(`COALESCE(pa->'period', '{}'::jsonb)`)}
       ${org ? `AND EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(t.content::jsonb->'managingOrganization', '[]')) mo WHERE mo->>'reference' = ${org})` : ''}
     GROUP BY 1, 2 ORDER BY 1`;
  const toCount = (r: { reference: string; name: string | null; n: number }) => ({ reference: r.reference, name: r.name, practitionerCount: r.n });
  const { rows: o } = await db.query(orgs, b.values);
  const { rows: t } = await db.query(teams, b.values);
  return { organizations: o.map(toCount), careTeams: t.map(toCount) };
}

/** The first instant a FHIR date or dateTime text (`2026`, `2026-05`, `2026-05-14`, a full dateTime) stands for. */
export function firstInstant(text: string): string {
  return `(CASE length(${text}) WHEN 4 THEN (${text} || '-01-01')::timestamptz WHEN 7 THEN (${text} || '-01')::timestamptz ELSE (${text})::timestamptz END)`;
}

/** The instant after the last one such a text stands for. */
export function afterLastInstant(text: string): string {
  return `(${firstInstant(text)} + CASE length(${text}) WHEN 4 THEN interval '1 year' WHEN 7 THEN interval '1 month' WHEN 10 THEN interval '1 day' ELSE interval '0' END)`;
}
