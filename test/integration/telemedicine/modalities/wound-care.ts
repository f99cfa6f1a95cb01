import { nonCprUuid } from '../../../support/ids';
import type { Bundle, Resource, ServiceRequest } from '@medplum/fhirtypes';
import type { LightMyRequestResponse } from 'fastify';
import { loadTemplates } from '../../../../src/telemedicine/template-loader';
import * as fhir from '../../../../src/telemedicine/seed/resources';
import { createTestApp, type TestApp } from '../../../support/app';
import { accessToken, registerVendorApp } from '../../auth/vendor-app';
import { PROFILES } from '../workflow/copd-workflow';

export const KOLIBRI = 'https://kolibri.dk/fhir/StructureDefinition/';
export const EPISODE_EXTENSION = `${KOLIBRI}ext-episode-of-care`;

/** One municipality's side: its organization, care team and nurse, a citizen enrolled in wound care, and the tokens. */
export interface Side {
  org: string;
  team: string;
  nurse: string;
  patient: string;
  episode: string;
  /** ServiceRequest ids by regime code (ZZ7011 the photo). */
  sr: Record<string, string>;
  tokens: { system: string; clinician: string; citizen: string; otherTeamClinician: string };
}

/**
 * Two municipalities A and B, each with a citizen enrolled in the wound-care group through
 * `$apply` (persisted), with real tokens: system, clinician of the episode's team, the citizen's
 * app, and a clinician of another team of the same organization (no care relationship).
 */
export interface WoundCare {
  t: TestApp;
  a: Side;
  b: Side;
  inject(token: string, method: string, url: string, payload?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

const cpr = () => `0${1 + Math.floor(Math.random() * 8)}0${1 + Math.floor(Math.random() * 8)}${String(50 + Math.floor(Math.random() * 40))}${String(Math.floor(Math.random() * 10000)).padStart(4, '0')}`;

export async function woundCare(): Promise<WoundCare> {
  const t = await createTestApp({ auth: 'on' });
  await loadTemplates(t.services.interactions, [PROFILES]);
  const inject = (token: string, method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json', accept: 'application/fhir+json', ...headers },
      ...(payload === undefined ? {} : { payload: payload as string }),
    });
  const side = async (label: string, municipality: string): Promise<Side> => {
    const u = `${label}-${nonCprUuid().slice(0, 8)}`;
    const ids = { org: `org-${u}`, team: `team-${u}`, other: `other-${u}`, nurse: `nurse-${u}`, otherNurse: `other-nurse-${u}`, patient: `pat-${u}`, cond: `cond-${u}`, episode: `eoc-${u}` };
    await t.services.store.transaction(async (tx) => {
      const resources: Resource[] = [
        fhir.municipalityOrganization(ids.org, municipality, `Kommune ${label}`, `region-${u}`),
        { resourceType: 'Practitioner', id: ids.nurse, name: [{ family: `Nurse${label}` }] },
        { resourceType: 'Practitioner', id: ids.otherNurse, name: [{ family: `Other${label}` }] },
        { ...fhir.careTeam(ids.team, `Sårteam ${label}`, ids.org), participant: [{ member: { reference: `Practitioner/${ids.nurse}` } }] },
        { ...fhir.careTeam(ids.other, `KOL-team ${label}`, ids.org), participant: [{ member: { reference: `Practitioner/${ids.otherNurse}` } }] },
        fhir.patient(ids.patient, cpr(), `Sår${label}`, 'Karen', 'female', '1950-01-01'),
        { ...fhir.condition(ids.cond, ids.patient, 'DJ44'), code: { coding: [{ system: 'urn:oid:1.2.208.176.2.4', code: 'DL97' }] } } as Resource,
        fhir.episodeOfCare({ id: ids.episode, patientId: ids.patient, conditionId: ids.cond, organizationId: ids.org, careTeamId: ids.team, start: '2026-03-01' }),
      ];
      for (const r of resources) await tx.update(r, { allowCreate: true });
    });
    const orgRef = `Organization/${ids.org}`;
    const system = await accessToken(t, await registerVendorApp(t, { organization: orgRef, scopes: ['system/*.cruds'] }), 'system/*.cruds');
    const clinician = await accessToken(t, await registerVendorApp(t, { kind: 'clinician', organization: orgRef, scopes: ['user/*.cruds'] }), 'user/*.cruds', {
      claims: { practitioner: `Practitioner/${ids.nurse}`, care_team: `CareTeam/${ids.team}` },
    });
    const otherTeamClinician = await accessToken(t, await registerVendorApp(t, { kind: 'clinician', organization: orgRef, scopes: ['user/*.cruds'] }), 'user/*.cruds', {
      claims: { practitioner: `Practitioner/${ids.otherNurse}`, care_team: `CareTeam/${ids.other}` },
    });
    const citizenApp = await registerVendorApp(t, { kind: 'citizen', organization: orgRef, patient: `Patient/${ids.patient}`, scopes: ['patient/*.cruds'] });
    const citizen = await accessToken(t, citizenApp, 'patient/*.cruds', { claims: { patient: `Patient/${ids.patient}` } });
    const applied = await inject(system, 'POST', `/fhir/PlanDefinition/wound-home-monitoring/$apply?subject=Patient/${ids.patient}&episodeOfCare=EpisodeOfCare/${ids.episode}&start=2026-03-02&persist=true`);
    if (applied.statusCode !== 200) throw new Error(`$apply: ${applied.statusCode} ${applied.body}`);
    const sr: Record<string, string> = {};
    for (const e of (applied.json() as Bundle).entry ?? []) {
      const r = e.resource as ServiceRequest;
      if (r.resourceType === 'ServiceRequest') sr[r.code?.coding?.[0].code as string] = r.id as string;
    }
    return { org: ids.org, team: ids.team, nurse: ids.nurse, patient: ids.patient, episode: ids.episode, sr, tokens: { system, clinician, citizen, otherTeamClinician } };
  };
  return { t, a: await side('A', '0851'), b: await side('B', '0101'), inject };
}

/** The same request answered alike for a hidden and a nonexistent id: status and body with the ids masked. */
export function alike(hidden: LightMyRequestResponse, missing: LightMyRequestResponse, hiddenId: string, missingId: string): void {
  expect(hidden.statusCode).toBe(missing.statusCode);
  expect(hidden.body.split(hiddenId).join('X')).toBe(missing.body.split(missingId).join('X'));
}
