import { join } from 'node:path';
import type { Bundle, Observation, Resource } from '@medplum/fhirtypes';
import type { LightMyRequestResponse } from 'fastify';
import { loadTemplates } from '../../../../src/telemedicine/template-loader';
import * as fhir from '../../../../src/telemedicine/seed/resources';
import type { BinaryLimits } from '../../../../src/http/binary-body';
import { createTestApp, type TestApp } from '../../../support/app';
import { accessToken, registerVendorApp } from '../../auth/vendor-app';

export const PROFILES = join(__dirname, '..', '..', '..', '..', 'fhir-profiles');

/**
 * The telemedicine acceptance setting on a real app with real tokens: municipality A (Aalborg)
 * with the KOL care team and its nurse, municipality B (København), a COPD patient enrolled in
 * an episode of A's team; system clients of A and B, a citizen app for the patient, clinician
 * apps of A's team and of a team in B.
 */
export interface CopdWorkflow {
  t: TestApp;
  ids: { orgA: string; orgB: string; team: string; teamB: string; nurse: string; nurseB: string; patient: string; cond: string; eoc: string };
  tokens: { sysA: string; sysB: string; citizen: string; clinician: string; clinicianB: string };
  /** ServiceRequest ids by measurement code, once the plan is persisted. */
  sr: Record<string, string>;
  as(token: string): Record<string, string>;
  seed(resources: Resource[]): Promise<void>;
  apply(query: string): Promise<LightMyRequestResponse>;
  /** PlanDefinition kol-home-monitoring $apply with persist=true; fills `sr`. */
  persistPlan(): Promise<void>;
  observation(code: string, unit: string, value: number, at: string): Observation;
  submit(token: string, items: Resource[]): Promise<LightMyRequestResponse>;
}

export async function copdWorkflow(u: string, binary?: BinaryLimits): Promise<CopdWorkflow> {
  const t = await createTestApp({ auth: 'on', binary });
  const ids = { orgA: `org-a-${u}`, orgB: `org-b-${u}`, team: `team-${u}`, teamB: `team-b-${u}`, nurse: `nurse-${u}`, nurseB: `nurse-b-${u}`, patient: `pat-${u}`, cond: `cond-${u}`, eoc: `eoc-${u}` };
  const seed = (resources: Resource[]) => t.services.store.transaction(async (tx) => { for (const r of resources) await tx.update(r, { allowCreate: true }); });
  await loadTemplates(t.services.interactions, [PROFILES]);
  await seed([
    fhir.municipalityOrganization(ids.orgA, '0851', 'Aalborg Kommune', `region-${u}`),
    fhir.municipalityOrganization(ids.orgB, '0101', 'Københavns Kommune', `region-${u}`),
    { resourceType: 'Practitioner', id: ids.nurse, name: [{ family: 'Lund' }] },
    { resourceType: 'Practitioner', id: ids.nurseB, name: [{ family: 'Holm' }] },
    { ...fhir.careTeam(ids.team, 'KOL-teamet', ids.orgA), participant: [{ member: { reference: `Practitioner/${ids.nurse}` } }] },
    { ...fhir.careTeam(ids.teamB, 'KOL-teamet København', ids.orgB), participant: [{ member: { reference: `Practitioner/${ids.nurseB}` } }] },
    fhir.patient(ids.patient, '0101521234', 'Jørgensen', 'Karen', 'female', '1952-01-01'),
    fhir.condition(ids.cond, ids.patient, 'DJ44'),
    fhir.episodeOfCare({ id: ids.eoc, patientId: ids.patient, conditionId: ids.cond, organizationId: ids.orgA, careTeamId: ids.team, start: '2026-03-01' }),
  ]);
  const sysA = await registerVendorApp(t, { organization: `Organization/${ids.orgA}`, scopes: ['system/*.cruds'] });
  const sysB = await registerVendorApp(t, { organization: `Organization/${ids.orgB}`, scopes: ['system/*.cruds'] });
  const citizen = await registerVendorApp(t, { kind: 'citizen', organization: `Organization/${ids.orgA}`, patient: `Patient/${ids.patient}`, scopes: ['patient/*.cruds'] });
  const clinician = await registerVendorApp(t, { kind: 'clinician', organization: `Organization/${ids.orgA}`, scopes: ['user/*.cruds'] });
  const clinicianB = await registerVendorApp(t, { kind: 'clinician', organization: `Organization/${ids.orgB}`, scopes: ['user/*.cruds'] });
  const tokens = {
    sysA: await accessToken(t, sysA, 'system/*.cruds'),
    sysB: await accessToken(t, sysB, 'system/*.cruds'),
    citizen: await accessToken(t, citizen, 'patient/Observation.cr patient/QuestionnaireResponse.cr patient/Patient.r', { claims: { patient: `Patient/${ids.patient}` } }),
    clinician: await accessToken(t, clinician, 'user/*.cruds', { claims: { practitioner: `Practitioner/${ids.nurse}`, care_team: `CareTeam/${ids.team}` } }),
    clinicianB: await accessToken(t, clinicianB, 'user/*.cruds', { claims: { practitioner: `Practitioner/${ids.nurseB}`, care_team: `CareTeam/${ids.teamB}` } }),
  };
  const sr: Record<string, string> = {};
  const as = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' });
  const apply = (query: string) =>
    t.app.inject({ method: 'POST', url: `/fhir/PlanDefinition/kol-home-monitoring/$apply?subject=Patient/${ids.patient}&episodeOfCare=EpisodeOfCare/${ids.eoc}&start=2026-03-02${query}`, headers: as(tokens.sysA) });
  return {
    t,
    ids,
    tokens,
    sr,
    as,
    seed,
    apply,
    async persistPlan() {
      const res = await apply('&persist=true');
      if (res.statusCode !== 200) throw new Error(`$apply failed: ${res.statusCode} ${res.body}`);
      for (const e of (res.json() as Bundle).entry ?? []) {
        const r = e.resource as Resource & { code?: { coding?: Array<{ code?: string }> } };
        if (r.resourceType === 'ServiceRequest') sr[r.code?.coding?.[0].code as string] = r.id as string;
      }
    },
    observation: (code, unit, value, at) => ({
      ...fhir.observation('ignored', ids.patient, ids.eoc, sr[code], { code, display: code, unit, thresholds: [] }, value, at),
      id: undefined,
    }),
    submit: (token, items) =>
      t.app.inject({ method: 'POST', url: `/fhir/Patient/${ids.patient}/$submit-measurement`, headers: as(token), payload: { resourceType: 'Bundle', type: 'collection', entry: items.map((resource) => ({ resource })) } }),
  };
}

/** The resources of a transaction-response Bundle, in order. */
export const created = (res: { json(): unknown }) => ((res.json() as Bundle).entry ?? []).map((e) => e.resource as Resource);
