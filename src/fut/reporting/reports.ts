import type { AccessFilter } from '../../store/search/sql-builder';
import { ANONYMIZATION, ORGANIZATION, type ParameterSpec, type ReportInput } from './parameters';
import type { Db } from '../../store/db';
import { measurementStats, patientTotals, patientUsage } from './episode-reports';

/** A report file: its path in the ZIP and its JSON text. */
export interface ReportFile {
  name: string;
  text: string;
}

/** One of FUT's reports: the `…` of `$schedule-…`, `$fetch-…` and `$execute-…`. */
export interface Report {
  key: string;
  /** The folder the ZIP's files are in, before the report's time stamp. */
  folder: string;
  title: string;
  description: string;
  parameters: readonly ParameterSpec[];
  /** The report's files (without the header), computed on one snapshot. */
  files(db: Db, scope: AccessFilter | undefined, input: ReportInput, now: Date): Promise<ReportFile[]>;
}

export const json = (value: unknown) => JSON.stringify(value, null, 2);

/** Elements that identify a patient, left out of anonymized reports. */
const IDENTIFYING = ['id', 'identifier', 'text', 'patient', 'subject', 'performer', 'source', 'author', 'requester', 'name', 'telecom', 'address', 'contained'];

/** A resource with its identifying elements left out (anonymized reports). */
export function anonymize(resource: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(resource)) if (!IDENTIFYING.includes(k)) out[k] = k === 'meta' ? { profile: (v as { profile?: unknown }).profile } : v;
  return out;
}

/** A group's file name: the episode's id, or its number in an anonymized report. */
export const groupName = (input: ReportInput, resource: Record<string, unknown>, index: number, folder = 'EHealthEpisodeOfCare') =>
  `${folder}/${input.anonymized ? String(index + 1) : String(resource.id)}`;
export const maybeAnonymized = (input: ReportInput, r: Record<string, unknown>) => (input.anonymized ? anonymize(r) : r);

const PERIOD_MEASURED: ParameterSpec = {
  name: 'period',
  type: 'Period',
  min: 0,
  documentation: 'Only measurements measured in the period: Observation.effective, QuestionnaireResponse.authored, Media.created.',
};
const PERIOD_OVERLAP: ParameterSpec = { name: 'period', type: 'Period', min: 0, documentation: 'Only episodes of care whose period overlaps this period.' };

export const MEASUREMENT_STATS: Report = {
  key: 'measurement-stats',
  folder: 'MeasurementStatsReport',
  title: 'Measurement statistics',
  description:
    'Counts of measurements (Observation, QuestionnaireResponse, Media) per EpisodeOfCare the caller may read: one JSON file per episode in a ZIP archive, holding the episode (EHealthEpisodeOfCare) and its counts (EpisodeOfCareMeasurementSummary: observationCount, questionnaireResponseCount, mediaCount). A measurement belongs to the episode whose ServiceRequest it is basedOn; entered-in-error ones are not counted.',
  parameters: [ANONYMIZATION, ORGANIZATION, PERIOD_MEASURED],
  async files(db, scope, input) {
    const rows = await measurementStats(db, scope, input);
    return rows.map((r, i) => ({
      name: groupName(input, r.episode, i),
      text: json({
        EHealthEpisodeOfCare: maybeAnonymized(input, r.episode),
        EpisodeOfCareMeasurementSummary: { observationCount: r.observations, mediaCount: r.media, questionnaireResponseCount: r.questionnaireResponses },
      }),
    }));
  },
};

/** Measurement resources by FUT's group names. */
const MEASUREMENT_GROUPS: Record<string, string> = { Observation: 'EHealthObservation', QuestionnaireResponse: 'EHealthQuestionnaireResponse', Media: 'EHealthMedia' };

export const PATIENT_TOTAL: Report = {
  key: 'patient-total',
  folder: 'PatientTotalReport',
  title: 'Patient total',
  description:
    "The clinical record of each patient per EpisodeOfCare the caller may read: one JSON file per episode in a ZIP archive, holding the Patient, the episode (EHealthEpisodeOfCare), its diagnosis Conditions (EHealthCondition), its ServiceRequests (EHealthServiceRequest) and the measurements basedOn them (EHealthObservation, EHealthQuestionnaireResponse, EHealthMedia). Anonymized, the Patient is left out and every resource loses its id, identifiers, narrative and references to people.",
  parameters: [
    ANONYMIZATION,
    ORGANIZATION,
    PERIOD_OVERLAP,
    { name: 'conditionCode', type: 'Coding', min: 0, documentation: 'Only episodes of care with a diagnosis Condition of this code.' },
    { name: 'status', type: 'string', min: 0, documentation: 'Only episodes of care with this status.' },
  ],
  async files(db, scope, input) {
    const rows = await patientTotals(db, scope, input);
    return rows.map((r, i) => {
      const group: Record<string, unknown> = {};
      if (!input.anonymized && r.patient) group.Patient = r.patient;
      group.EHealthEpisodeOfCare = [maybeAnonymized(input, r.episode)];
      group.EHealthCondition = r.conditions.map((c) => maybeAnonymized(input, c));
      group.EHealthServiceRequest = r.serviceRequests.map((s) => maybeAnonymized(input, s));
      for (const [type, name] of Object.entries(MEASUREMENT_GROUPS)) {
        group[name] = r.measurements.filter((m) => m.resourceType === type).map((m) => maybeAnonymized(input, m));
      }
      return { name: groupName(input, r.episode, i), text: json(group) };
    });
  },
};

const USAGE_NAMES = { seven: 'uniquePatientsWithEpisodeOfCareBeingActiveSevenOrMoreDays', all: 'uniquePatientsWithEpisodeOfCare' };

export const PATIENT_USAGE_STATS: Report = {
  key: 'patient-usage-stats',
  folder: 'PatientsUsageReport',
  title: 'Patient usage statistics',
  description:
    'Unique patients the caller may read with an enrolled (active, on hold or finished) EpisodeOfCare, per month (with the change from the month before, in %) and per year (with the monthly average), and among them those whose episode covered at least seven days of the month: one JSON file (PatientsUsageSummary with monthData and yearData) in a ZIP archive. Months run from the earliest such episode (at most ten years back) to the current one, in Danish time.',
  parameters: [ANONYMIZATION],
  async files(db, scope, _input, now) {
    const { months, years } = await patientUsage(db, scope, now);
    const change = (n: number, before: number | undefined) => (before ? Math.round(((n - before) / before) * 1000) / 10 : 0);
    const monthData = months.map((m, i) => {
      const before = months[i - 1];
      return {
        month: String(Number(m.month.slice(5))),
        year: m.month.slice(0, 4),
        entries: [
          { name: USAGE_NAMES.seven, count: m.activeSevenDays, percentChangeFromLastMonth: change(m.activeSevenDays, before?.activeSevenDays) },
          { name: USAGE_NAMES.all, count: m.withEpisode, percentChangeFromLastMonth: change(m.withEpisode, before?.withEpisode) },
        ],
      };
    });
    const yearData = years.map((y) => {
      const inYear = months.filter((m) => m.month.startsWith(`${y.year}-`));
      const average = (pick: (m: (typeof months)[number]) => number) => (inYear.length ? Math.round((inYear.reduce((s, m) => s + pick(m), 0) / inYear.length) * 100) / 100 : 0);
      return {
        year: y.year,
        entries: [
          { name: USAGE_NAMES.seven, count: y.activeSevenDays, average: average((m) => m.activeSevenDays) },
          { name: USAGE_NAMES.all, count: y.withEpisode, average: average((m) => m.withEpisode) },
        ],
      };
    });
    return [{ name: 'PatientsUsageSummary', text: json({ PatientsUsageSummary: { monthData, yearData } }) }];
  },
};


