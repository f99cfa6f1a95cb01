import { afterLastInstant, firstInstant } from '../../fhir/local-instants';
import type { AccessFilter } from '../../store/search/sql-builder';
import { scanResources } from '../../store/aggregate/resource-scan';
import type { Db } from '../../store/db';
import { idOf, reportEpisodes, unique } from './episode-reports';
import type { ReportInput } from './parameters';

const ZONE = 'Europe/Copenhagen';
type Json = Record<string, unknown>;
interface StatementLike extends Json {
  id: string;
  subject?: { reference?: string };
  device?: { reference?: string };
  timingPeriod?: { start?: string; end?: string };
  timingDateTime?: string;
}
interface DeviceLike extends Json {
  id: string;
  type?: { coding?: Array<{ system?: string; code?: string }> };
}
interface MetricLike extends Json {
  source?: { reference?: string };
}

export interface PatientDevicesRow {
  episode: Json;
  statements: Json[];
  devices: Json[];
  metrics: Json[];
}

/**
 * Per visible EpisodeOfCare (organization filter): the DeviceUseStatements about its patient
 * that the caller may read (timing[x] overlapping the period; open ends count as open), the
 * Devices they name (of `devicetype` when given: a coding of Device.type) and those Devices'
 * DeviceMetrics (source). Episodes without such a statement are left out. The lists are in
 * PostgreSQL's jsonb order, as they always were.
 */
export async function patientDevices(db: Db, scope: AccessFilter | undefined, input: ReportInput): Promise<PatientDevicesRow[]> {
  const episodes = await reportEpisodes(db, scope, { anonymized: true, organization: input.organization }, false);
  const patients = unique(episodes.map((e) => idOf(e.patient?.reference, 'Patient')));
  const low = input.period?.low ? Date.parse(input.period.low) : -Infinity;
  const high = input.period?.high ? Date.parse(input.period.high) : Infinity;
  // R4's DeviceUseStatement.timing[x] (FUT's "whenUsed"): a Period, or one dateTime as both ends
  const used = (u: StatementLike) => {
    if (!input.period) return true;
    const start = u.timingPeriod?.start ?? u.timingDateTime;
    const end = u.timingPeriod?.end ?? u.timingDateTime;
    return (start === undefined || (firstInstant(start, ZONE) ?? Infinity) < high) && (end === undefined || (afterLastInstant(end, ZONE) ?? -Infinity) > low);
  };
  const statements = (
    await scanResources<StatementLike>(db, 'DeviceUseStatement', { visible: scope, references: [{ code: 'subject', targetType: 'Patient', ids: patients }] }, 'content')
  ).filter((u) => idOf(u.subject?.reference, 'Patient') !== undefined && used(u));
  const type = input.deviceType;
  const devices = (await scanResources<DeviceLike>(db, 'Device', { visible: scope, ids: unique(statements.map((u) => idOf(u.device?.reference, 'Device'))) }, 'content')).filter(
    (d) => !type || (d.type?.coding ?? []).some((c) => c.code === type.code && (!type.system || c.system === type.system)),
  );
  const metrics = await scanResources<MetricLike>(db, 'DeviceMetric', { visible: scope, references: [{ code: 'source', targetType: 'Device', ids: devices.map((d) => d.id) }] }, 'content');
  return episodes.flatMap((episode) => {
    const patient = idOf(episode.patient?.reference, 'Patient');
    const mine = statements.filter((u) => patient !== undefined && idOf(u.subject?.reference, 'Patient') === patient);
    const named = new Set(mine.map((u) => idOf(u.device?.reference, 'Device')));
    const usedDevices = devices.filter((d) => named.has(d.id));
    const usedIds = new Set(usedDevices.map((d) => d.id));
    const withDevice = mine.filter((u) => usedIds.has(idOf(u.device?.reference, 'Device') ?? ''));
    if (!withDevice.length) return [];
    const sources = new Set(usedDevices.map((d) => `Device/${d.id}`));
    return [{ episode, statements: withDevice, devices: usedDevices, metrics: metrics.filter((m) => sources.has(m.source?.reference ?? '')) }];
  });
}
