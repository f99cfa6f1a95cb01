import { DateTime } from 'luxon';
import { scanResources } from '../../store/aggregate/resource-scan';
import type { Db } from '../../store/db';
import { ZONE } from '../scheduler/slots';
import { boundOf, firstInstant, idOf, readEpisodes, type Grouping } from './episode-groups';
import { entry } from './rollout-figures';

/**
 * The reports over a cohort of enrolments (utilisation and self-management), read in the
 * report's snapshot. A citizen belongs to a group from the first start of their enrolled
 * (active, onhold, finished) episodes in that group: the enrolment date. The cohort is the
 * citizens enrolled in [start, end). Each report is figured per group and for the country
 * (key 'DK') from one read of the episodes and of the cohort's resources.
 */

export const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const DAY_MS = 86_400_000;
const YEAR_DAYS = 365.25;

/** One citizen of the cohort in one group. */
interface Enrolment {
  key: string | null;
  patient: string;
  /** Epoch milliseconds. */
  enrolled: number;
}

/** The cohort per group (`grouping`) and for the country, and its citizens. */
async function readCohort(db: Db, grouping: Grouping, start: string, end: string): Promise<{ groups: Enrolment[]; country: Enrolment[]; patients: string[] }> {
  const episodes = (await readEpisodes(db)).filter((e) => e.enrolled && e.patient !== null && e.starts !== null);
  const [from, to] = [boundOf(start), boundOf(end)];
  const cohort = (by: Grouping | 'country') => {
    const first = new Map<string | null, Map<string, number>>();
    for (const e of episodes) {
      const perPatient = entry(first, e.groups[by], () => new Map<string, number>());
      perPatient.set(e.patient as string, Math.min(perPatient.get(e.patient as string) ?? Infinity, e.starts as number));
    }
    return [...first].flatMap(([key, perPatient]) => [...perPatient].filter(([, enrolled]) => enrolled >= from && enrolled < to).map(([patient, enrolled]) => ({ key, patient, enrolled })));
  };
  const [groups, country] = [cohort(grouping), cohort('country')];
  return { groups, country, patients: [...new Set([...groups, ...country].map((c) => c.patient))] };
}

/** Local calendar arithmetic on an epoch instant (months and days as the time zone counts them). */
const local = (ms: number) => DateTime.fromMillis(ms, { zone: ZONE });

// ---- utilisation -------------------------------------------------------------------------

/**
 * Per citizen: Encounters (class IMP = admission, AMB = outpatient contact, in
 * http://terminology.hl7.org/CodeSystem/v3-ActCode; with a status, not cancelled or
 * entered-in-error) whose period starts in the 12 months before enrolment, and from enrolment up
 * to the period's end; citizen-years are the days of each window ÷ 365.25.
 */
export interface UtilisationRow {
  key: string | null;
  citizens: number;
  yearsBefore: number;
  yearsSince: number;
  admissionsBefore: number;
  admissionsSince: number;
  outpatientBefore: number;
  outpatientSince: number;
}

interface EncounterLike {
  status?: string;
  class?: { system?: string; code?: string };
  subject?: { reference?: string };
  period?: { start?: string };
}

/** The utilisation figures per group (`grouping`) and for the country. */
export async function utilisationFigures(db: Db, grouping: Grouping, start: string, end: string): Promise<{ groups: UtilisationRow[]; total: UtilisationRow[] }> {
  const cohort = await readCohort(db, grouping, start, end);
  const encounters = await scanResources<EncounterLike>(db, 'Encounter', {
    references: [{ code: 'subject', targetType: 'Patient', ids: cohort.patients }],
    tokens: [{ code: 'class', system: ACT_CODE, values: ['IMP', 'AMB'] }],
  });
  const byPatient = new Map<string, Array<{ class: string; at: number }>>();
  for (const e of encounters) {
    const patient = idOf(e.subject?.reference, 'Patient');
    const at = firstInstant(e.period?.start);
    const cls = e.class?.code ?? '';
    if (patient === null || at === null || e.class?.system !== ACT_CODE || !['IMP', 'AMB'].includes(cls)) continue;
    if (!e.status || e.status === 'cancelled' || e.status === 'entered-in-error') continue;
    entry(byPatient, patient, () => []).push({ class: cls, at });
  }
  const until = boundOf(end);
  const figures = (enrolments: readonly Enrolment[]) => {
    const rows = new Map<string | null, UtilisationRow>();
    for (const { key, patient, enrolled } of enrolments) {
      const before = local(enrolled).minus({ months: 12 }).toMillis();
      const count = (cls: string, from: number, to: number) => (byPatient.get(patient) ?? []).filter((e) => e.class === cls && e.at >= from && e.at < to).length;
      const row = entry(rows, key, () => ({ key, citizens: 0, yearsBefore: 0, yearsSince: 0, admissionsBefore: 0, admissionsSince: 0, outpatientBefore: 0, outpatientSince: 0 }));
      row.citizens += 1;
      row.yearsBefore += (enrolled - before) / DAY_MS / YEAR_DAYS;
      row.yearsSince += (until - enrolled) / DAY_MS / YEAR_DAYS;
      row.admissionsBefore += count('IMP', before, enrolled);
      row.admissionsSince += count('IMP', enrolled, until);
      row.outpatientBefore += count('AMB', before, enrolled);
      row.outpatientSince += count('AMB', enrolled, until);
    }
    return [...rows.values()];
  };
  return { groups: figures(cohort.groups), total: figures(cohort.country) };
}

// ---- self-management ---------------------------------------------------------------------

/**
 * Answers: QuestionnaireResponses to the SEMCD-6 Questionnaire (any version) with status
 * completed or amended, by `subject`, placed by `authored` (local time). A response's score is
 * the mean of its items answered 1–10, and it has none with fewer than 4 of the 6 answered (more
 * than two missing). A response belongs to the nearest follow-up (k × 3 months, k = days since
 * enrolment ÷ 91.3125, rounded; k = 0 is the baseline) from 14 days before enrolment up to the
 * period's end; a citizen counts once per follow-up, with the first scored response of that
 * follow-up.
 */
export interface SelfManagementCohortRow {
  key: string | null;
  citizens: number;
}

export interface SelfManagementRow {
  key: string | null;
  /** Months since enrolment: 0 (baseline), 3, 6, … */
  month: number;
  citizens: number;
  meanScore: number;
}

interface ResponseLike {
  questionnaire?: string;
  status?: string;
  authored?: string;
  subject?: { reference?: string };
  item?: Array<{ linkId?: string; answer?: Array<{ valueInteger?: unknown }> }>;
}

const QUARTER_DAYS = YEAR_DAYS / 4;
const SEMCD6_ITEMS = new Set(['semcd-1', 'semcd-2', 'semcd-3', 'semcd-4', 'semcd-5', 'semcd-6']);
const ANSWERED = new Set(['completed', 'amended']);

/** Rounded half away from zero. */
const round = (x: number) => Math.sign(x) * Math.round(Math.abs(x)) || 0;

/** A response's score: the mean of its SEMCD-6 items answered 1–10, when at least 4 are. */
function scoreOf(r: ResponseLike): number | undefined {
  const answers = (r.item ?? []).flatMap((i) => {
    const v = i.answer?.[0]?.valueInteger;
    return SEMCD6_ITEMS.has(i.linkId ?? '') && typeof v === 'number' && v >= 1 && v <= 10 ? [v] : [];
  });
  return answers.length >= 4 ? answers.reduce((a, b) => a + b, 0) / answers.length : undefined;
}

/** The self-management figures per group (`grouping`) and for the country: each cohort's size and its scores per follow-up. */
export async function selfManagementFigures(
  db: Db,
  grouping: Grouping,
  start: string,
  end: string,
  questionnaire: string,
): Promise<{ cohort: SelfManagementCohortRow[]; scores: SelfManagementRow[]; totalCohort: SelfManagementCohortRow[]; totalScores: SelfManagementRow[] }> {
  const cohort = await readCohort(db, grouping, start, end);
  const responses = await scanResources<ResponseLike>(db, 'QuestionnaireResponse', {
    references: [{ code: 'subject', targetType: 'Patient', ids: cohort.patients }],
    tokens: [{ code: 'status', values: [...ANSWERED] }],
  });
  const scored = new Map<string, Array<{ at: number; score: number }>>();
  for (const r of responses) {
    const patient = idOf(r.subject?.reference, 'Patient');
    const at = firstInstant(r.authored);
    const score = scoreOf(r);
    if (patient === null || at === null || score === undefined || !ANSWERED.has(r.status ?? '') || r.questionnaire?.split('|')[0] !== questionnaire) continue;
    entry(scored, patient, () => []).push({ at, score });
  }
  for (const list of scored.values()) list.sort((a, b) => a.at - b.at);
  const until = boundOf(end);
  const sizes = (enrolments: readonly Enrolment[]) => {
    const counts = new Map<string | null, number>();
    for (const e of enrolments) counts.set(e.key, (counts.get(e.key) ?? 0) + 1);
    return [...counts].map(([key, citizens]) => ({ key, citizens }));
  };
  const scores = (enrolments: readonly Enrolment[]) => {
    const perFollowUp = new Map<string | null, Map<number, number[]>>();
    for (const { key, patient, enrolled } of enrolments) {
      const from = local(enrolled).minus({ days: 14 }).toMillis();
      const firsts = new Map<number, number>();
      for (const s of scored.get(patient) ?? []) {
        if (s.at < from || s.at >= until) continue;
        const k = round((s.at - enrolled) / DAY_MS / QUARTER_DAYS);
        if (!firsts.has(k)) firsts.set(k, s.score);
      }
      const perK = entry(perFollowUp, key, () => new Map<number, number[]>());
      for (const [k, score] of firsts) entry(perK, k, () => []).push(score);
    }
    return [...perFollowUp].flatMap(([key, perK]) =>
      [...perK].sort(([a], [b]) => a - b).map(([k, list]) => ({ key, month: k * 3, citizens: list.length, meanScore: list.reduce((a, b) => a + b, 0) / list.length })),
    );
  };
  return { cohort: sizes(cohort.groups), scores: scores(cohort.groups), totalCohort: sizes(cohort.country), totalScores: scores(cohort.country) };
}
