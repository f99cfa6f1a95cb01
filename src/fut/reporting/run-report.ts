import type { Binary, Parameters } from '@medplum/fhirtypes';
import type { AccessFilter } from '../../store/search/sql-builder';
import { inSnapshot } from '../../store/aggregate/snapshot';
import type { ResourceStore } from '../../store/resources';
import type { ReportInput } from './parameters';
import type { Report } from './reports';
import { zipFiles } from './zip';

/** Local time of the reports (months, years, file time stamps). */
const ZONE = 'Europe/Copenhagen';

/** A finished report as the job stores it: the ZIP, base64. */
export interface ReportResult {
  contentType: 'application/zip';
  data: string;
  files: number;
}

/**
 * Compute a report in one read-only snapshot (Danish time) and pack it: a `ReportHeader` file
 * (report, parameters, time) and the report's files, under `<folder>_<yyyy_mm_dd_hh_mm_ss>/`.
 */
export async function runReport(store: ResourceStore, report: Report, scope: AccessFilter | undefined, input: ReportInput, parameters: Parameters, now: Date): Promise<ReportResult> {
  const files = await inSnapshot(store, ZONE, (db) => report.files(db, scope, input, now));
  const stamp = now.toISOString().slice(0, 19).replace(/[-T:]/g, '_');
  const folder = `${report.folder}_${stamp}`;
  const header = { report: report.key, title: report.title, generated: now.toISOString(), anonymized: input.anonymized, parameters, groups: files.length };
  const zip = zipFiles([{ name: `${folder}/ReportHeader`, text: JSON.stringify(header, null, 2) }, ...files.map((f) => ({ name: `${folder}/${f.name}`, text: f.text }))], now);
  return { contentType: 'application/zip', data: zip.toString('base64'), files: files.length + 1 };
}

/** The report as FHIR Binary (the operations' `return`). */
export function reportBinary(id: string, result: ReportResult): Binary {
  return { resourceType: 'Binary', id, contentType: result.contentType, data: result.data };
}

/** What a report not finished yet answers (FUT's placeholder). */
export function pendingBinary(id: string): Binary {
  return { resourceType: 'Binary', id, contentType: 'text/plain', data: Buffer.from('*NOT GENERATED YET*').toString('base64') };
}
