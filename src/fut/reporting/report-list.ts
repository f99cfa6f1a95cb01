import { MEASUREMENT_STATS, PATIENT_TOTAL, PATIENT_USAGE_STATS, type Report } from './reports';
import { MORE_REPORTS } from './reports-more';

/** Every report of the reporting module. */
export const REPORTS: readonly Report[] = [MEASUREMENT_STATS, PATIENT_TOTAL, PATIENT_USAGE_STATS, ...MORE_REPORTS];
