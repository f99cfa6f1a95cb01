import { DateTime } from 'luxon';
import type { AccessFilter } from '../../store/search/sql-builder';
import { countPerLabelAndType, resourcesPerLabel } from '../../store/aggregate/labelled-referencing';
import type { Referencing } from '../../store/aggregate/referencing-counts';
import { scanDateRanges, scanResources } from '../../store/aggregate/resource-scan';
import type { Db } from '../../store/db';
import type { ReportInput } from './parameters';

/**
 * The measurement, patient-total and patient-usage figures of FUT's reports, over current
 * versions and the search index through the store's aggregate API, within what the caller may
 * read: `scope` is the search engine's access filter for the caller, ANDed into the read of every
 * EpisodeOfCare (the measurements, conditions and requests counted are the episode's patient's,
 * so they are within the same reach).
 *
 * A measurement belongs to an episode when it is basedOn a ServiceRequest carrying the
 * episode-of-care extension of that episode; entered-in-error measurements are not counted.
 */

export const EPISODE_EXTENSION = 'https://kolibri.dk/fhir/StructureDefinition/ext-episode-of-care';
/** Observation.effective, QuestionnaireResponse.authored, Media.created. */
const MEASUREMENTS: Referencing = {
  sources: [
    { type: 'Observation', reference: 'based-on', date: 'date' },
    { type: 'QuestionnaireResponse', reference: 'based-on', date: 'authored' },
    { type: 'Media', reference: 'based-on', date: 'created' },
  ],
  targetType: 'ServiceRequest',
  exclude: { token: 'status', value: 'entered-in-error' },
};
/** Episode statuses during which a citizen counts as enrolled. */
const ENROLLED = ['active', 'onhold', 'finished'];
const ZONE = 'Europe/Copenhagen';

type Json = Record<string, unknown>;
interface EpisodeLike extends Json {
  id: string;
  status?: string;
  patient?: { reference?: string };
  managingOrganization?: { reference?: string };
  diagnosis?: Array<{ condition?: { reference?: string } }>;
}
interface WithExtension extends Json {
  id: string;
  extension?: Array<{ url?: string; valueReference?: { reference?: string } }>;
}
interface ConditionLike extends Json {
  id: string;
  code?: { coding?: Array<{ system?: string; code?: string }> };
}

/** The id of a `Type/id` reference to `type`. */
export const idOf = (reference: unknown, type: string): string | undefined =>
  typeof reference === 'string' && reference.startsWith(`${type}/`) && reference.length > type.length + 1 ? reference.slice(type.length + 1) : undefined;
const conditionIds = (e: EpisodeLike) => (e.diagnosis ?? []).map((d) => idOf(d.condition?.reference, 'Condition')).filter((id): id is string => id !== undefined);

/**
 * The visible, current EpisodeOfCare matching the report's episode filters (organization, status,
 * conditionCode; the period overlapping `EpisodeOfCare.period` when `periodOverlap`), in id order.
 */
export async function reportEpisodes(db: Db, scope: AccessFilter | undefined, input: ReportInput, periodOverlap: boolean): Promise<EpisodeLike[]> {
  const overlaps = periodOverlap && input.period ? [{ code: 'date', low: input.period.low, high: input.period.high }] : undefined;
  let episodes = (await scanResources<EpisodeLike>(db, 'EpisodeOfCare', { visible: scope, overlaps })).filter(
    (e) => (!input.organization || e.managingOrganization?.reference === `Organization/${input.organization}`) && (!input.status || e.status === input.status),
  );
  const code = input.conditionCode;
  if (code) {
    const conditions = new Map((await scanResources<ConditionLike>(db, 'Condition', { ids: [...new Set(episodes.flatMap(conditionIds))] })).map((c) => [c.id, c]));
    const matches = (c: ConditionLike | undefined) => (c?.code?.coding ?? []).some((x) => x.code === code.code && (code.system === undefined || x.system === code.system));
    episodes = episodes.filter((e) => conditionIds(e).some((id) => matches(conditions.get(id))));
  }
  return episodes;
}

/** The current ServiceRequests naming one of `episodes` in their episode-of-care extension, in id order, with that episode. */
async function episodeRequests(db: Db, episodes: readonly EpisodeLike[]): Promise<Array<{ request: WithExtension; episode: string }>> {
  const ids = new Set(episodes.map((e) => e.id));
  return (await scanResources<WithExtension>(db, 'ServiceRequest')).flatMap((request) => {
    const episode = idOf(request.extension?.find((x) => x.url === EPISODE_EXTENSION)?.valueReference?.reference, 'EpisodeOfCare');
    return episode !== undefined && ids.has(episode) ? [{ request, episode }] : [];
  });
}

export interface MeasurementStatsRow {
  episode: Json;
  observations: number;
  questionnaireResponses: number;
  media: number;
}

/** Per visible episode (organization filter), its measurements by type, measured in `period`. */
export async function measurementStats(db: Db, scope: AccessFilter | undefined, input: ReportInput): Promise<MeasurementStatsRow[]> {
  const episodes = await reportEpisodes(db, scope, { ...input, period: undefined }, false);
  const labels = new Map((await episodeRequests(db, episodes)).map((r) => [r.request.id, r.episode]));
  const counts = new Map<string, number>();
  for (const c of await countPerLabelAndType(db, MEASUREMENTS, labels, input.period ?? {})) counts.set(`${c.label}|${c.type}`, c.n);
  const count = (episode: string, type: string) => counts.get(`${episode}|${type}`) ?? 0;
  return episodes.map((e) => ({ episode: e, observations: count(e.id, 'Observation'), questionnaireResponses: count(e.id, 'QuestionnaireResponse'), media: count(e.id, 'Media') }));
}

export interface PatientTotalRow {
  episode: Json;
  patient: Json | null;
  conditions: Json[];
  serviceRequests: Json[];
  measurements: Json[];
}

/**
 * Per visible episode (organization, period overlap, conditionCode and status filters): its
 * Patient, diagnosis Conditions, ServiceRequests and measurements.
 */
export async function patientTotals(db: Db, scope: AccessFilter | undefined, input: ReportInput): Promise<PatientTotalRow[]> {
  const episodes = await reportEpisodes(db, scope, input, true);
  const patients = new Map((await scanResources<Json & { id: string }>(db, 'Patient', { ids: unique(episodes.map((e) => idOf(e.patient?.reference, 'Patient'))) })).map((p) => [p.id, p]));
  const conditions = new Map((await scanResources<ConditionLike>(db, 'Condition', { ids: unique(episodes.flatMap(conditionIds)) })).map((c) => [c.id, c]));
  const requests = await episodeRequests(db, episodes);
  const measurements = await resourcesPerLabel<Json>(db, MEASUREMENTS, new Map(requests.map((r) => [r.request.id, r.episode])));
  return episodes.map((e) => ({
    episode: e,
    patient: patients.get(idOf(e.patient?.reference, 'Patient') ?? '') ?? null,
    conditions: [...conditions.values()].filter((c) => conditionIds(e).includes(c.id)),
    serviceRequests: requests.filter((r) => r.episode === e.id).map((r) => r.request),
    measurements: measurements.filter((m) => m.label === e.id).map((m) => m.resource),
  }));
}

export const unique = (ids: ReadonlyArray<string | undefined>) => [...new Set(ids.filter((id): id is string => id !== undefined))];

export interface UsageMonthRow {
  /** YYYY-MM */
  month: string;
  withEpisode: number;
  activeSevenDays: number;
}

export interface UsageYearRow {
  year: string;
  withEpisode: number;
  activeSevenDays: number;
}

const SEVEN_DAYS_MS = 7 * 86_400_000;
const instant = (text: string) => (text === 'infinity' ? Infinity : text === '-infinity' ? -Infinity : Date.parse(text));

/**
 * Unique patients with an enrolled (active, on hold or finished) visible episode in each month
 * from the month of the earliest such episode's start to the current one (at most ten years
 * back), and those whose episode covered at least seven days of the month (up to `now`); the
 * same per calendar year. Months are local (Europe/Copenhagen).
 */
export async function patientUsage(db: Db, scope: AccessFilter | undefined, now: Date): Promise<{ months: UsageMonthRow[]; years: UsageYearRow[] }> {
  const until = now.getTime();
  const spans = (await scanDateRanges<EpisodeLike>(db, 'EpisodeOfCare', 'date', { visible: scope }))
    .filter((s) => ENROLLED.includes(s.resource.status ?? '') && instant(s.low) > -Infinity && instant(s.low) <= until)
    .map((s) => ({ patient: idOf(s.resource.patient?.reference, 'Patient'), low: instant(s.low), high: Math.min(instant(s.high), until) }));
  if (!spans.length) return { months: [], years: [] };
  const local = DateTime.fromJSDate(now, { zone: ZONE });
  const first = DateTime.fromMillis(Math.max(Math.min(...spans.map((s) => s.low)), local.minus({ years: 10 }).toMillis()), { zone: ZONE }).startOf('month');
  const perMonth: Array<{ month: string; patients: Set<string>; seven: Set<string> }> = [];
  for (let ms = first; ms.toMillis() <= until; ms = ms.plus({ months: 1 })) {
    const [from, to] = [ms.toMillis(), ms.plus({ months: 1 }).toMillis()];
    const patients = new Set<string>();
    const seven = new Set<string>();
    for (const s of spans) {
      if (s.patient === undefined || !(s.low < to && s.high > from)) continue;
      patients.add(s.patient);
      if (Math.min(s.high, to) - Math.max(s.low, from) >= SEVEN_DAYS_MS) seven.add(s.patient);
    }
    perMonth.push({ month: ms.toFormat('yyyy-MM'), patients, seven });
  }
  const years = new Map<string, { patients: Set<string>; seven: Set<string> }>();
  for (const m of perMonth) {
    const year = years.get(m.month.slice(0, 4)) ?? years.set(m.month.slice(0, 4), { patients: new Set(), seven: new Set() }).get(m.month.slice(0, 4))!;
    m.patients.forEach((p) => year.patients.add(p));
    m.seven.forEach((p) => year.seven.add(p));
  }
  return {
    months: perMonth.map((m) => ({ month: m.month, withEpisode: m.patients.size, activeSevenDays: m.seven.size })),
    years: [...years].map(([year, y]) => ({ year, withEpisode: y.patients.size, activeSevenDays: y.seven.size })),
  };
}
