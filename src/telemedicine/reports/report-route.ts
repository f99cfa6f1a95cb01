import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { badRequest, forbidden } from '../../fhir/outcome';
import type { InteractionDeps, SharedDeps } from '../../interactions/types';
import { requestDeps } from '../../http/request-deps';
import { isFhirJsonFormat } from '../../http/content-type';
import { ZONE } from '../scheduler/slots';
import { rolloutBundle } from './measure-report';
import { rolloutCsv } from './report-csv';
import { rolloutHtml } from './report-html';
import { GROUPINGS, groupFigures, monthlyCitizens, taskFigures, type Grouping } from './report-sql';
import { assembleRollout, type RolloutReport } from './rollout';
import { loadTargets, type Targets } from './targets';

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
export function registerRolloutReport(app: FastifyInstance, shared: SharedDeps, targets: Targets = loadTargets()): void {
  app.get('/fhir/$rollout-report', async (req, reply) => {
    const deps = requestDeps(req, shared);
    authorize(deps);
    const query = req.query as Record<string, string | undefined>;
    const format = formatOf(req);
    const report = await buildRolloutReport(deps, parseParams(query, deps.clock.now()), targets);
    if (format === 'csv') return reply.type('text/csv; charset=utf-8').header('content-disposition', `inline; filename="rollout-${report.grouping}-${report.periodStart}-${report.periodEnd}.csv"`).send(rolloutCsv(report));
    if (format === 'html') return reply.type('text/html; charset=utf-8').send(rolloutHtml(report));
    return reply.type('application/fhir+json; charset=utf-8').send(JSON.stringify(rolloutBundle(report)));
  });
}

export interface RolloutParams {
  grouping: Grouping;
  periodStart: string;
  periodEnd: string;
}

/** Run the report's queries in one read-only snapshot, local time Europe/Copenhagen. */
export async function buildRolloutReport(deps: Pick<InteractionDeps, 'store' | 'clock'>, params: RolloutParams, targets: Targets): Promise<RolloutReport> {
  const start = params.periodStart;
  const end = DateTime.fromISO(params.periodEnd, { zone: ZONE }).plus({ days: 1 }).toISODate() as string;
  const rows = await deps.store.transaction(async (tx) => {
    await tx.client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    await tx.client.query(`SET LOCAL TIME ZONE '${ZONE}'`);
    const groups = await groupFigures(tx.client, params.grouping, start, end);
    const tasks = await taskFigures(tx.client, params.grouping, start, end);
    const months = await monthlyCitizens(tx.client, params.grouping, start, end);
    return { groups, tasks, months };
  });
  return assembleRollout({ ...params, generated: deps.clock.now().toISOString(), ...rows }, targets);
}

function authorize(deps: InteractionDeps): void {
  const kind = deps.access.auth.kind;
  if (kind !== 'system' && kind !== 'development') throw forbidden('$rollout-report is for system clients (the national secretariat)');
  deps.access.requireScope('read', 'MeasureReport');
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

function formatOf(req: FastifyRequest): 'json' | 'csv' | 'html' {
  const format = (req.query as Record<string, string | undefined>)._format;
  if (format !== undefined) {
    if (['csv', 'text/csv'].includes(format)) return 'csv';
    if (['html', 'text/html'].includes(format)) return 'html';
    if (isFhirJsonFormat(format)) return 'json';
    throw badRequest(`_format must be json, csv or html, got '${format}'`, ['_format']);
  }
  const accept = req.headers.accept ?? '';
  const first = accept.split(',').map((s) => s.split(';')[0].trim())[0];
  if (first === 'text/csv') return 'csv';
  if (first === 'text/html') return 'html';
  return 'json';
}
