import type { Db } from '../../store/db';
import type { AccessFilter } from '../../fhir/search/sql-builder';
import type { ReportInput } from './parameters';
import { Binds, episodeWhere } from './report-sql-plans';

export interface PatientDevicesRow {
  episode: Record<string, unknown>;
  statements: Record<string, unknown>[];
  devices: Record<string, unknown>[];
  metrics: Record<string, unknown>[];
}

/**
 * Per visible EpisodeOfCare (organization filter): the DeviceUseStatements about its patient
 * that the caller may read (timing[x] overlapping the period; open ends count as open), the
 * Devices they name (of `devicetype` when given: a coding of Device.type) and those Devices'
 * DeviceMetrics (source). Episodes without such a statement are left out.
 */
export async function patientDevices(db: Db, scope: AccessFilter | undefined, input: ReportInput): Promise<PatientDevicesRow[]> {
  const b = new Binds();
  const visible = (alias: string) => (scope ? ` AND ${scope(alias, b.bind)}` : '');
  // R4's DeviceUseStatement.timing[x] (FUT's "whenUsed"): a Period, or one dateTime as both ends
  const start = `COALESCE(u.content::jsonb#>>'{timingPeriod,start}', u.content::jsonb->>'timingDateTime')`;
  const end = `COALESCE(u.content::jsonb#>>'{timingPeriod,end}', u.content::jsonb->>'timingDateTime')`;
  const period = input.period
    ? ` AND (${start} IS NULL OR ${firstInstant(start)} < ${b.bind(input.period.high ?? 'infinity', 'timestamptz')})
        AND (${end} IS NULL OR ${afterLastInstant(end)} > ${b.bind(input.period.low ?? '-infinity', 'timestamptz')})`
    : '';
  const type = input.deviceType
    ? ` AND EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(d.content::jsonb#>'{type,coding}', '[]')) x WHERE x->>'code' = ${b.bind(input.deviceType.code, 'text')}${input.deviceType.system ? ` AND x->>'system' = ${b.bind(input.deviceType.system, 'text')}` : ''})`
    : '';
  const sql = `WITH ep AS (SELECT e.id, e.content::jsonb AS c, substring(e.content::jsonb#>>'{patient,reference}' from '^Patient/(.+)$') AS patient FROM resource e
                WHERE ${episodeWhere(b, scope, { anonymized: true, organization: input.organization }, false)}),
    du AS (
      SELECT ep.id AS episode, u.id, u.content::jsonb AS c, d.id AS device, d.content::jsonb AS dc
        FROM ep JOIN resource u ON u.resource_type = 'DeviceUseStatement' AND NOT u.deleted
             AND substring(u.content::jsonb#>>'{subject,reference}' from '^Patient/(.+)$') = ep.patient${visible('u')}${period}
        JOIN resource d ON d.resource_type = 'Device' AND NOT d.deleted
             AND d.id = substring(u.content::jsonb#>>'{device,reference}' from '^Device/(.+)$')${visible('d')}${type})
    SELECT ep.c AS episode,
      (SELECT jsonb_agg(DISTINCT du.c) FROM du WHERE du.episode = ep.id) AS statements,
      (SELECT jsonb_agg(DISTINCT du.dc) FROM du WHERE du.episode = ep.id) AS devices,
      (SELECT COALESCE(jsonb_agg(DISTINCT m.content::jsonb), '[]') FROM du JOIN resource m ON m.resource_type = 'DeviceMetric' AND NOT m.deleted
          AND m.content::jsonb#>>'{source,reference}' = 'Device/' || du.device${visible('m')} WHERE du.episode = ep.id) AS metrics
      FROM ep WHERE EXISTS (SELECT 1 FROM du WHERE du.episode = ep.id) ORDER BY ep.id`;
  const { rows } = await db.query(sql, b.values);
  return rows.map((r) => ({ episode: r.episode, statements: r.statements, devices: r.devices, metrics: r.metrics }));
}

/** The first instant a FHIR date or dateTime text (`2026`, `2026-05`, `2026-05-14`, a full dateTime) stands for. */
function firstInstant(text: string): string {
  return `(CASE length(${text}) WHEN 4 THEN (${text} || '-01-01')::timestamptz WHEN 7 THEN (${text} || '-01')::timestamptz ELSE (${text})::timestamptz END)`;
}

/** The instant after the last one such a text stands for. */
function afterLastInstant(text: string): string {
  return `(${firstInstant(text)} + CASE length(${text}) WHEN 4 THEN interval '1 year' WHEN 7 THEN interval '1 month' WHEN 10 THEN interval '1 day' ELSE interval '0' END)`;
}
