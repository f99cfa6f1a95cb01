import { afterLastInstant, firstInstant } from '../../fhir/local-instants';
import type { AccessFilter } from '../../store/search/sql-builder';
import { patientRecord as storedPatientRecord } from '../../store/aggregate/patient-record';
import { scanResources } from '../../store/aggregate/resource-scan';
import type { Db } from '../../store/db';
import type { ReportInput } from './parameters';

/** The GDPR and practitioner reports: one patient's or practitioner's records, counts of practitioners. */

const ZONE = 'Europe/Copenhagen';
type Json = Record<string, unknown>;
interface Ref {
  reference?: string;
}
interface Period {
  start?: string;
  end?: string;
}
interface CareTeamLike extends Json {
  id: string;
  name?: string;
  participant?: Array<{ member?: Ref; period?: Period }>;
  managingOrganization?: Ref[];
}
interface RoleLike extends Json {
  active?: boolean;
  practitioner?: Ref;
  organization?: Ref;
  period?: Period;
}

/**
 * The Patient and every current resource in its compartment or pointing into it that the caller
 * may read, ordered by type and id; EpisodeOfCare only of `organization` when given. Empty when
 * the caller may not read the Patient.
 */
export async function patientRecord(db: Db, scope: AccessFilter | undefined, input: ReportInput): Promise<Json[]> {
  const managed = `Organization/${input.organization}`;
  return (await storedPatientRecord(db, input.patient as string, scope)).filter(
    (r) => !input.organization || r.resourceType !== 'EpisodeOfCare' || (r.managingOrganization as Ref | undefined)?.reference === managed,
  );
}

const managedBy = (team: CareTeamLike, org: string | undefined) => !org || (team.managingOrganization ?? []).some((m) => m.reference === org);

/** The Practitioner, the CareTeams it is a participant of and its PractitionerRoles (of `organization` when given). */
export async function practitionerRecord(db: Db, input: ReportInput): Promise<{ practitioner?: Json; careTeams: Json[]; roles: Json[] }> {
  const id = input.practitioner as string;
  const ref = `Practitioner/${id}`;
  const org = input.organization ? `Organization/${input.organization}` : undefined;
  const [practitioner] = await scanResources<Json>(db, 'Practitioner', { ids: [id] });
  const teams = await scanResources<CareTeamLike>(db, 'CareTeam', { references: [{ code: 'participant', targetType: 'Practitioner', ids: [id] }] });
  const roles = await scanResources<RoleLike>(db, 'PractitionerRole', { references: [{ code: 'practitioner', targetType: 'Practitioner', ids: [id] }] });
  return {
    practitioner,
    careTeams: teams.filter((t) => (t.participant ?? []).some((p) => p.member?.reference === ref) && managedBy(t, org)),
    roles: roles.filter((r) => r.practitioner?.reference === ref && (!org || r.organization?.reference === org)),
  };
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
  const low = input.period?.low ? Date.parse(input.period.low) : -Infinity;
  const high = input.period?.high ? Date.parse(input.period.high) : Infinity;
  const org = input.organization ? `Organization/${input.organization}` : undefined;
  // a Period element overlaps [low, high): starts before high (or open), ends after low (or open)
  const overlaps = (p: Period | undefined) =>
    (p?.start === undefined || (firstInstant(p.start, ZONE) ?? Infinity) < high) && (p?.end === undefined || (afterLastInstant(p.end, ZONE) ?? -Infinity) > low);
  const perOrganization = new Map<string, Set<string>>();
  for (const r of await scanResources<RoleLike>(db, 'PractitionerRole')) {
    const [practitioner, organization] = [r.practitioner?.reference, r.organization?.reference];
    if (r.active === false || practitioner === undefined || organization === undefined || !overlaps(r.period) || (org && organization !== org)) continue;
    (perOrganization.get(organization) ?? perOrganization.set(organization, new Set()).get(organization)!).add(practitioner);
  }
  const names = new Map(
    (await scanResources<Json & { id: string; name?: string }>(db, 'Organization', { ids: [...perOrganization.keys()].flatMap((ref) => (ref.startsWith('Organization/') ? [ref.slice(13)] : [])) })).map((o) => [
      `Organization/${o.id}`,
      o.name ?? null,
    ]),
  );
  const organizations = [...perOrganization]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([reference, practitioners]) => ({ reference, name: names.get(reference) ?? null, practitionerCount: practitioners.size }));
  const careTeams = (await scanResources<CareTeamLike>(db, 'CareTeam'))
    .filter((t) => managedBy(t, org))
    .map((t) => ({ t, members: new Set((t.participant ?? []).filter((p) => p.member?.reference?.startsWith('Practitioner/') && overlaps(p.period)).map((p) => p.member?.reference as string)) }))
    .filter(({ members }) => members.size > 0)
    .map(({ t, members }) => ({ reference: `CareTeam/${t.id}`, name: t.name ?? null, practitionerCount: members.size }));
  return { organizations, careTeams };
}
