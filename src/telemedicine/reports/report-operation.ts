import { DateTime } from 'luxon';
import { badRequest, forbidden } from '../../fhir/outcome';
import type { Access } from '../../interactions/access';
import type { Operation } from '../../interactions/operation';
import type { InteractionDeps } from '../../interactions/types';
import { inSnapshot } from '../../store/aggregate/snapshot';
import type { Db } from '../../store/db';
import { ZONE } from '../scheduler/slots';
import { diagnosisNames } from './diagnosis-names';
import { rolloutBundle } from './measure-report';
import { rolloutCsv } from './report-csv';
import { rolloutHtml } from './report-html';
import { GROUPINGS, type Grouping } from './episode-groups';
import { rolloutFigures } from './rollout-figures';
import { assembleRollout, type RolloutReport } from './rollout';
import type { Targets } from './targets';

/**
 * `GET /fhir/$rollout-report` (system level): the national secretariat's rollout and usage
 * report as MeasureReports (FHIR JSON), CSV (`_format=csv` or `Accept: text/csv`) or an HTML page
 * with charts (`_format=html` or `Accept: text/html`, what a browser sends). Aggregates over all
 * organizations, so only system clients (and KOLIBRI_AUTH=off) with a scope allowing read of
 * MeasureReport (e.g. `system/MeasureReport.r`) may ask.
 *
 * Parameters: periodStart, periodEnd (dates, inclusive; default the last six calendar months up to
 * today), grouping = region (default) | municipality | diagnosis.
 */
export function rolloutReportOperation(targets: Targets): Operation {
  return reportOperation('rollout-report', targets, { build: buildRolloutReport, csv: rolloutCsv, html: rolloutHtml, json: rolloutBundle });
}

/** A national report's rendering: its figures, then MeasureReports (FHIR JSON), CSV or HTML. */
export interface ReportKind<R extends { grouping: Grouping; periodStart: string; periodEnd: string }> {
  build: (deps: ReportDeps, params: RolloutParams, targets: Targets) => Promise<R>;
  csv: (report: R) => string;
  html: (report: R) => string;
  json: (report: R) => unknown;
}

/**
 * A system-level `GET /fhir/$<name>` report: the rollout report's parameters (parseParams) and
 * authorization (authorizeReport), FHIR JSON by default, `_format=csv` / `_format=html` (or the
 * Accept media types) besides; the CSV is named `<name without -report>-<grouping>-<period>.csv`.
 */
export function reportOperation<R extends { grouping: Grouping; periodStart: string; periodEnd: string }>(name: string, targets: Targets, kind: ReportKind<R>): Operation {
  const file = name.replace(/-report$/, '');
  return {
    name,
    levels: ['system'],
    methods: ['GET'],
    definition: `https://kolibri.dk/fhir/OperationDefinition/${name}`,
    authorize: authorizeReport(name),
    formats: [
      { name: 'csv', mediaType: 'text/csv' },
      { name: 'html', mediaType: 'text/html' },
    ],
    handler: async ({ deps, query, format }) => {
      const report = await kind.build(deps, parseParams(query as Record<string, string | undefined>, deps.clock.now()), targets);
      return reportResponse(format, `${file}-${report.grouping}-${report.periodStart}-${report.periodEnd}.csv`, {
        csv: () => kind.csv(report),
        html: () => kind.html(report),
        json: () => kind.json(report),
      });
    },
  };
}

/** What a report's build reads: the store, the clock and the definitions (for the diagnosis names). */
export type ReportDeps = Pick<InteractionDeps, 'store' | 'clock' | 'registry'>;

export interface RolloutParams {
  grouping: Grouping;
  periodStart: string;
  periodEnd: string;
}

/** Run the report's queries in one read-only snapshot, local time Europe/Copenhagen. */
export async function buildRolloutReport(deps: ReportDeps, params: RolloutParams, targets: Targets): Promise<RolloutReport> {
  const rows = await inReportSnapshot(deps, (db) => rolloutFigures(db, params.grouping, params.periodStart, dayAfter(params.periodEnd)));
  return assembleRollout({ ...params, generated: deps.clock.now().toISOString(), ...rows }, targets, diagnosisNames(deps.registry));
}

/** The day after an inclusive last day (the exclusive end of a period). */
export function dayAfter(date: string): string {
  return DateTime.fromISO(date, { zone: ZONE }).plus({ days: 1 }).toISODate() as string;
}

/** Run a report's queries in one read-only snapshot, local time Europe/Copenhagen. */
export function inReportSnapshot<T>(deps: Pick<InteractionDeps, 'store'>, run: (db: Db) => Promise<T>): Promise<T> {
  return inSnapshot(deps.store, ZONE, run);
}

/** A report in the asked format: CSV (as a named file), HTML or FHIR JSON. */
export function reportResponse(format: string | undefined, csvFile: string, render: { csv: () => string; html: () => string; json: () => unknown }) {
  if (format === 'csv') return { status: 200, body: render.csv(), contentType: 'text/csv; charset=utf-8', headers: { 'content-disposition': `inline; filename="${csvFile}"` } };
  if (format === 'html') return { status: 200, body: render.html(), contentType: 'text/html; charset=utf-8' };
  return { status: 200, body: JSON.stringify(render.json()) };
}

/** Who may ask for a national report: system clients (and KOLIBRI_AUTH=off) allowed to read MeasureReport. */
export function authorizeReport(operation: string): (access: Access) => void {
  return (access) => {
    const kind = access.auth.kind;
    if (kind !== 'system' && kind !== 'development') throw forbidden(`$${operation} is for system clients (the national secretariat)`);
    access.requireScope('read', 'MeasureReport');
  };
}

export function parseParams(query: Record<string, string | undefined>, now: Date): RolloutParams {
  const grouping = (query.grouping ?? 'region') as Grouping;
  if (!GROUPINGS.includes(grouping)) throw badRequest(`grouping must be one of ${GROUPINGS.join(', ')}, got '${grouping}'`, ['grouping']);
  const today = DateTime.fromJSDate(now, { zone: ZONE }).startOf('day');
  const date = (name: string, fallback: DateTime) => {
    const text = query[name];
    if (text === undefined) return fallback;
    const d = DateTime.fromISO(text, { zone: ZONE });
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || !d.isValid) throw badRequest(`${name} must be a date (YYYY-MM-DD), got '${text}'`, [name]);
    return d;
  };
  const periodEnd = date('periodEnd', today);
  const periodStart = date('periodStart', periodEnd.startOf('month').minus({ months: 5 }));
  if (periodEnd < periodStart) throw badRequest('periodEnd is before periodStart', ['periodEnd']);
  if (periodEnd.diff(periodStart, 'years').years > 5) throw badRequest('At most five years at a time', ['periodStart']);
  return { grouping, periodStart: periodStart.toISODate() as string, periodEnd: periodEnd.toISODate() as string };
}
