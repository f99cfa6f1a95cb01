import type { Bundle, MeasureReportGroup } from '@medplum/fhirtypes';
import { reportBundle, summaryReport } from './measure-report';
import type { SelfManagementGroup, SelfManagementReport } from './self-management';

/**
 * The self-management report as FHIR: a `collection` Bundle with one MeasureReport (type summary)
 * per group and one for the country, the group as subject like the other reports. Measures
 * (https://kolibri.dk/fhir/CodeSystem/self-management-measure): `citizens` (the cohort) and
 * `self-efficacy` (mean SEMCD-6 score, unit {score}) stratified by `follow-up` (month-0 baseline,
 * month-3, …), each stratum with the citizens behind the mean as its initial population.
 * Suppressed cells (fewer than 5 citizens) have no score and no count, marked with
 * data-absent-reason `masked`.
 */

export const SELF_MANAGEMENT_MEASURE_URL = 'https://kolibri.dk/fhir/Measure/self-management';
export const SELF_MANAGEMENT_MEASURE_SYSTEM = 'https://kolibri.dk/fhir/CodeSystem/self-management-measure';
const MASKED = [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'masked' }];
const POPULATION = 'http://terminology.hl7.org/CodeSystem/measure-population';

const code = (c: string, display: string) => ({ coding: [{ system: SELF_MANAGEMENT_MEASURE_SYSTEM, code: c, display }] });

/** A follow-up's label: "Baseline", "3 months", … */
export function followUpLabel(month: number): string {
  return month === 0 ? 'Baseline' : `${month} months`;
}

function groups(g: SelfManagementGroup): MeasureReportGroup[] {
  const citizens = code('citizens', 'Citizens enrolled in the period');
  const efficacy = code('self-efficacy', 'Mean SEMCD-6 self-efficacy score (1-10)');
  if (g.cohort === undefined) return [{ code: citizens, extension: MASKED }, { code: efficacy, extension: MASKED }];
  return [
    { code: citizens, measureScore: { value: g.cohort } },
    {
      code: efficacy,
      stratifier: [
        {
          code: [{ coding: [{ system: SELF_MANAGEMENT_MEASURE_SYSTEM, code: 'follow-up' }] }],
          stratum: g.followUps.map((f) => ({
            value: { coding: [{ system: SELF_MANAGEMENT_MEASURE_SYSTEM, code: `month-${f.month}`, display: followUpLabel(f.month) }] },
            ...(f.citizens === undefined
              ? { extension: MASKED }
              : {
                  population: [{ code: { coding: [{ system: POPULATION, code: 'initial-population' }] }, count: f.citizens }],
                  measureScore: { value: f.meanScore, unit: '{score}', system: 'http://unitsofmeasure.org', code: '{score}' },
                }),
          })),
        },
      ],
    },
  ];
}

export function selfManagementBundle(report: SelfManagementReport): Bundle {
  return reportBundle(report, (g, national) => summaryReport('self-management', SELF_MANAGEMENT_MEASURE_URL, report, g, national, groups(g)));
}
