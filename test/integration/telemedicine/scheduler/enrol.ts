import type { Resource } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import type { TimingRepeat } from '../../../../src/telemedicine/scheduler/slots';
import * as fhir from '../../../../src/telemedicine/seed/resources';
import { HISTORICAL_IMPORT_TAG } from '../../../../src/telemedicine/triage-required';

/** Write resources through POST /fhir (a transaction of PUTs: validated against their profiles). */
export async function putAll(app: FastifyInstance, resources: Resource[]): Promise<void> {
  const res = await app.inject({
    method: 'POST',
    url: '/fhir',
    headers: { 'content-type': 'application/fhir+json' },
    payload: {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: resources.map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } })),
    },
  });
  if (res.statusCode !== 200) throw new Error(`transaction failed: ${res.statusCode} ${res.body}`);
}

export interface Enrolment {
  patientId: string;
  episodeId: string;
  careTeamId: string;
  organizationId: string;
  serviceRequestIds: string[];
}

/** A COPD citizen in a municipality (own organization and team) with one SpO2 ServiceRequest per timing. */
export async function enrolCopd(
  app: FastifyInstance,
  u: string,
  timings: TimingRepeat[],
  options: { episodeStatus?: 'active' | 'finished'; municipality?: string; regionOrgId?: string } = {},
): Promise<Enrolment> {
  const ids = { org: `org-${u}`, team: `team-${u}`, patient: `pat-${u}`, cond: `cond-${u}`, eoc: `eoc-${u}` };
  const srs = timings.map((t, i) => fhir.serviceRequest(`sr-${u}-${i}`, ids.patient, ids.eoc, fhir.MEASUREMENTS.spo2, t));
  const region = options.regionOrgId ?? `region-${u}`;
  await putAll(app, [
    ...(options.regionOrgId ? [] : [fhir.regionOrganization(region, 'DK-81', 'Region Nordjylland')]),
    fhir.municipalityOrganization(ids.org, options.municipality ?? '0851', 'Aalborg Kommune', region),
    fhir.careTeam(ids.team, 'KOL-teamet', ids.org),
    fhir.patient(ids.patient, '0101521234', 'Jørgensen', 'Karen', 'female', '1952-01-01'),
    fhir.condition(ids.cond, ids.patient, 'DJ44'),
    fhir.episodeOfCare({ id: ids.eoc, patientId: ids.patient, conditionId: ids.cond, organizationId: ids.org, careTeamId: ids.team, start: '2026-03-01', status: options.episodeStatus }),
    ...srs,
  ]);
  return { patientId: ids.patient, episodeId: ids.eoc, careTeamId: ids.team, organizationId: ids.org, serviceRequestIds: srs.map((s) => s.id as string) };
}

/** An SpO2 Observation basedOn the ServiceRequest at `effective`, written as imported history (not triaged). */
export function spo2(e: Enrolment, srIndex: number, id: string, value: number, effective: string) {
  const observation = fhir.observation(id, e.patientId, e.episodeId, e.serviceRequestIds[srIndex], fhir.MEASUREMENTS.spo2, value, effective);
  return { ...observation, meta: { ...observation.meta, tag: [HISTORICAL_IMPORT_TAG] } };
}

export const MON_WED_FRI_0800_4H: TimingRepeat = { ...fhir.MON_WED_FRI_0800_4H, boundsPeriod: { start: '2026-03-01' } };
