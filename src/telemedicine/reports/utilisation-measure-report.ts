import type { Bundle, MeasureReportGroup } from '@medplum/fhirtypes';
import { reportBundle, summaryReport } from './measure-report';
import type { Utilisation, UtilisationReport } from './utilisation';

/**
 * The utilisation report as FHIR: a `collection` Bundle with one MeasureReport (type summary) per
 * group and one for the country, the group as subject like the rollout report. Measures
 * (https://kolibri.dk/fhir/CodeSystem/utilisation-measure): citizens, citizen-years,
 * admissions and outpatient-contacts (per citizen-year), each of the last three stratified by
 * window (before: the 12 months before enrolment; since: enrolment to the period's end), with
 * the encounter count as the stratum's numerator population. A suppressed group (fewer than 5
 * citizens) has the measures without scores, marked with data-absent-reason `masked`.
 */

export const UTILISATION_MEASURE_URL = 'https://kolibri.dk/fhir/Measure/utilisation';
export const UTILISATION_MEASURE_SYSTEM = 'https://kolibri.dk/fhir/CodeSystem/utilisation-measure';
const MASKED = [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'masked' }];
const POPULATION = 'http://terminology.hl7.org/CodeSystem/measure-population';

const code = (c: string, display: string) => ({ coding: [{ system: UTILISATION_MEASURE_SYSTEM, code: c, display }] });

type Windowed = { before: number; since: number; countBefore?: number; countSince?: number };

function windowed(c: string, display: string, figures: Windowed | undefined, unit: string): MeasureReportGroup {
  if (!figures) return { code: code(c, display), extension: MASKED };
  const stratum = (window: 'before' | 'since', value: number, n?: number) => ({
    value: { coding: [{ system: UTILISATION_MEASURE_SYSTEM, code: window, display: window === 'before' ? '12 months before enrolment' : 'Since enrolment' }] },
    ...(n !== undefined ? { population: [{ code: { coding: [{ system: POPULATION, code: 'numerator' }] }, count: n }] } : {}),
    measureScore: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
  });
  return {
    code: code(c, display),
    stratifier: [{ code: [{ coding: [{ system: UTILISATION_MEASURE_SYSTEM, code: 'window' }] }], stratum: [stratum('before', figures.before, figures.countBefore), stratum('since', figures.since, figures.countSince)] }],
  };
}

function groups(f: Utilisation | undefined): MeasureReportGroup[] {
  return [
    f ? { code: code('citizens', 'Citizens enrolled in the period'), measureScore: { value: f.citizens } } : { code: code('citizens', 'Citizens enrolled in the period'), extension: MASKED },
    windowed('citizen-years', 'Citizen-years observed', f && { before: f.citizenYearsBefore, since: f.citizenYearsSince }, 'a'),
    windowed('admissions', 'Admissions (IMP) per citizen-year', f && { before: f.admissionsPerCitizenYearBefore, since: f.admissionsPerCitizenYearSince, countBefore: f.admissionsBefore, countSince: f.admissionsSince }, '/a'),
    windowed('outpatient-contacts', 'Outpatient contacts (AMB) per citizen-year', f && { before: f.outpatientPerCitizenYearBefore, since: f.outpatientPerCitizenYearSince, countBefore: f.outpatientBefore, countSince: f.outpatientSince }, '/a'),
  ];
}

export function utilisationBundle(report: UtilisationReport): Bundle {
  return reportBundle(report, (g, national) => summaryReport('utilisation', UTILISATION_MEASURE_URL, report, g, national, groups(g.figures)));
}
