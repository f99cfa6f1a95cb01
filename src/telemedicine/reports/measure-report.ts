import type { Bundle, MeasureReport, MeasureReportGroup } from '@medplum/fhirtypes';
import type { Grouping } from './episode-groups';
import type { GroupFigures, RolloutReport } from './rollout';

/**
 * The rollout report as FHIR: a `collection` Bundle with one MeasureReport (type summary) per
 * group and one for the whole country. The group (region, municipality or diagnosis) is the
 * report's subject: a contained Group whose characteristic carries the code. Each measure is a
 * MeasureReport.group coded in https://kolibri.dk/fhir/CodeSystem/rollout-measure; Tasks are
 * stratified by category; inclusion has the target as denominator population.
 * https://hl7.org/fhir/R4/measurereport.html
 */

export const MEASURE_URL = 'https://kolibri.dk/fhir/Measure/rollout';
export const MEASURE_SYSTEM = 'https://kolibri.dk/fhir/CodeSystem/rollout-measure';
const GROUPING_SYSTEMS = {
  region: 'urn:iso:std:iso:3166:-2',
  municipality: 'http://hl7.dk/fhir/core/CodeSystem/dk-core-municipality-codes',
  diagnosis: 'urn:oid:1.2.208.176.2.4',
} as const;

const measure = (code: string, display: string) => ({ coding: [{ system: MEASURE_SYSTEM, code, display }] });
const score = (value: number, unit?: string) => ({ measureScore: { value, ...(unit ? { unit, system: 'http://unitsofmeasure.org', code: unit } : {}) } });

export function rolloutBundle(report: RolloutReport): Bundle {
  return reportBundle(report, (g, national) => measureReport(report, g, national));
}

type ReportFrame<G> = { grouping: Grouping; periodStart: string; periodEnd: string; generated: string; groups: G[]; total: G };

/** A national report as a `collection` Bundle: one MeasureReport per group, then the country's. */
export function reportBundle<G>(report: ReportFrame<G>, measureReport: (g: G, national: boolean) => MeasureReport): Bundle {
  const reports = [...report.groups.map((g) => measureReport(g, false)), measureReport(report.total, true)];
  return { resourceType: 'Bundle', type: 'collection', timestamp: report.generated, total: reports.length, entry: reports.map((resource) => ({ resource })) } as Bundle;
}

/** A summary MeasureReport of one group (or the country) of a national report: id `<name>-<grouping>-<key>`, the group as subject. */
export function summaryReport(
  name: string,
  measure: string,
  report: Omit<ReportFrame<unknown>, 'groups' | 'total'>,
  g: { key: string; display: string },
  national: boolean,
  group: MeasureReportGroup[],
): MeasureReport {
  return {
    resourceType: 'MeasureReport',
    id: `${name}-${report.grouping}-${g.key}`.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 64),
    ...groupSubject(report.grouping, g, national),
    status: 'complete',
    type: 'summary',
    measure,
    date: report.generated,
    period: { start: report.periodStart, end: report.periodEnd },
    group,
  } as MeasureReport;
}

/**
 * The group (region, municipality, diagnosis or the country) as a MeasureReport's subject: a
 * contained Group whose characteristic carries the code.
 */
export function groupSubject(grouping: Grouping, g: { key: string; display: string }, national: boolean): Pick<MeasureReport, 'contained' | 'subject'> {
  const system = national ? 'urn:iso:std:iso:3166' : GROUPING_SYSTEMS[grouping];
  return {
    contained: [
      {
        resourceType: 'Group',
        id: 'subject',
        type: 'person',
        actual: false,
        name: g.display,
        characteristic: [{ code: { text: national ? 'country' : grouping }, valueCodeableConcept: { coding: [{ system, code: g.key, display: g.display }] }, exclude: false }],
      },
    ],
    subject: { reference: '#subject', display: g.display },
  };
}

function measureReport(report: RolloutReport, g: GroupFigures, national: boolean): MeasureReport {
  const groups: MeasureReportGroup[] = [
    { code: measure('active-citizens', 'Citizens with an active episode'), ...score(g.activeCitizens) },
    { code: measure('citizens-submitting-7-days', 'Citizens submitting on 7 or more distinct days'), ...score(g.citizensActive7Days) },
    { code: measure('episodes', 'Active episodes of care'), ...score(g.episodes) },
    { code: measure('measurements', 'Measurements'), ...score(g.measurements) },
    { code: measure('measurements-per-episode', 'Measurements per episode'), ...score(g.measurementsPerEpisode) },
    {
      code: measure('tasks', 'Tasks per category'),
      ...score(Object.values(g.tasks).reduce((a, b) => a + b, 0)),
      stratifier: [
        {
          code: [{ coding: [{ system: MEASURE_SYSTEM, code: 'task-category' }] }],
          stratum: Object.entries(g.tasks).map(([category, n]) => ({
            value: { coding: [{ system: 'https://kolibri.dk/fhir/CodeSystem/task-category', code: category }] },
            measureScore: { value: n },
          })),
        },
      ],
    },
  ];
  if (g.target !== undefined) {
    groups.push({
      code: measure('inclusion', 'Inclusion against the target population'),
      population: [
        { code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/measure-population', code: 'numerator' }] }, count: g.activeCitizens },
        { code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/measure-population', code: 'denominator' }] }, count: g.target },
      ],
      ...score(g.inclusionPercent ?? 0, '%'),
      stratifier: [
        {
          code: [{ coding: [{ system: MEASURE_SYSTEM, code: 'milestone' }] }],
          stratum: report.milestones.map((m) => ({
            value: { coding: [{ system: MEASURE_SYSTEM, code: `milestone-${m}`, display: `${m} %` }] },
            measureScore: { value: (g.inclusionPercent ?? 0) >= m ? 1 : 0 },
          })),
        },
      ],
    });
  }
  return summaryReport('rollout', MEASURE_URL, report, g, national, groups);
}
