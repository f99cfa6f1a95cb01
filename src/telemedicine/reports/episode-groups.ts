import { DateTime } from 'luxon';
import { afterLastInstant, firstInstant as firstInstantIn } from '../../fhir/local-instants';
import { scanResources } from '../../store/aggregate/resource-scan';
import type { Db } from '../../store/db';
import { ZONE } from '../scheduler/slots';

/**
 * The national reports' episodes and the groups they count in, read once per report (every
 * EpisodeOfCare and Organization parsed once, and the Conditions episodes name first).
 *
 * - an episode is enrolled when its status is active, onhold or finished; active in [start, end)
 *   when enrolled and its period overlaps (period.start before end; no period.end, or period.end —
 *   a date meaning the whole day — after start);
 * - its groups: region = the managing Organization's region code, or its partOf Organization's;
 *   municipality = the managing Organization's municipality code; diagnosis = the first 4
 *   characters of the SKS code of the episode's first diagnosis Condition; country = 'DK'.
 * Dates without an offset are local (Europe/Copenhagen).
 */

export type Grouping = 'region' | 'municipality' | 'diagnosis';
export const GROUPINGS: readonly Grouping[] = ['region', 'municipality', 'diagnosis'];

const REGION = 'urn:iso:std:iso:3166:-2';
const MUNICIPALITY = 'http://hl7.dk/fhir/core/CodeSystem/dk-core-municipality-codes';
const SKS = 'urn:oid:1.2.208.176.2.4';
const ENROLLED = new Set(['active', 'onhold', 'finished']);

export interface ReportEpisode {
  id: string;
  patient: string | null;
  enrolled: boolean;
  /** period.start as epoch milliseconds (null: none). */
  starts: number | null;
  /** The first instant after period.end (null: open). */
  ends: number | null;
  groups: Readonly<Record<Grouping | 'country', string | null>>;
}

interface Identified {
  identifier?: Array<{ system?: string; value?: string }>;
}
interface OrganizationLike extends Identified {
  id: string;
  partOf?: { reference?: string };
}
interface EpisodeLike {
  id: string;
  status?: string;
  patient?: { reference?: string };
  period?: { start?: string; end?: string };
  managingOrganization?: { reference?: string };
  diagnosis?: Array<{ condition?: { reference?: string } }>;
}
interface ConditionLike {
  id: string;
  code?: { coding?: Array<{ system?: string; code?: string }> };
}

/** The id of a `Type/id` reference to `type` (null for another type or none). */
export function idOf(reference: string | undefined, type: string): string | null {
  return reference?.startsWith(`${type}/`) && reference.length > type.length + 1 ? reference.slice(type.length + 1) : null;
}

const identifierOf = (r: Identified, system: string) => r.identifier?.find((i) => i.system === system)?.value ?? null;

/** The first instant a FHIR dateTime can mean (local when without an offset), as epoch milliseconds. */
export const firstInstant = (text: string | undefined) => firstInstantIn(text, ZONE);

/** A report bound (a date: local midnight) as epoch milliseconds. */
export const boundOf = (date: string) => DateTime.fromISO(date, { zone: ZONE }).toMillis();

/** Every current EpisodeOfCare with its groups. */
export async function readEpisodes(db: Db): Promise<ReportEpisode[]> {
  const organizations = new Map((await scanResources<OrganizationLike>(db, 'Organization')).map((o) => [o.id, o]));
  const organization = (reference: string | undefined) => organizations.get(idOf(reference, 'Organization') ?? '');
  const regionOf = (o: OrganizationLike) => {
    const parent = organization(o.partOf?.reference);
    return identifierOf(o, REGION) ?? (parent ? identifierOf(parent, REGION) : null);
  };
  const episodes = await scanResources<EpisodeLike>(db, 'EpisodeOfCare');
  const conditionIds = episodes.map((e) => idOf(e.diagnosis?.[0]?.condition?.reference, 'Condition')).filter((id): id is string => id !== null);
  const conditions = new Map((await scanResources<ConditionLike>(db, 'Condition', { ids: [...new Set(conditionIds)] })).map((c) => [c.id, c]));
  return episodes.map((e) => {
    const managing = organization(e.managingOrganization?.reference);
    const condition = conditions.get(idOf(e.diagnosis?.[0]?.condition?.reference, 'Condition') ?? '');
    const sks = condition?.code?.coding?.find((c) => c.system === SKS)?.code;
    return {
      id: e.id,
      patient: idOf(e.patient?.reference, 'Patient'),
      enrolled: ENROLLED.has(e.status ?? ''),
      starts: firstInstant(e.period?.start),
      ends: afterLastInstant(e.period?.end, ZONE),
      groups: {
        region: managing ? regionOf(managing) : null,
        municipality: managing ? identifierOf(managing, MUNICIPALITY) : null,
        diagnosis: typeof sks === 'string' ? sks.slice(0, 4) : null,
        country: 'DK',
      },
    };
  });
}

/** Enrolled and its period overlaps [start, end) (epoch milliseconds). */
export function activeIn(e: ReportEpisode, start: number, end: number): boolean {
  return e.enrolled && e.starts !== null && e.starts < end && (e.ends === null || e.ends > start);
}
