import { nonCprUuid } from '../../support/ids';
import type { Bundle, CarePlan, ClinicalImpression, EpisodeOfCare, Observation, Parameters, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import type { LightMyRequestResponse } from 'fastify';
import * as fhir from '../../../src/telemedicine/seed/resources';
import { accessToken, ASSERTION_TYPE, assertion, registerVendorApp, requestToken, tokenRequest } from '../auth/vendor-app';
import { futWorkflow, type FutWorkflow } from './fut-workflow';

/**
 * The call sequences of FUT's reference clients (clinician and citizen), with requests shaped as
 * those clients build them: absolute resource URLs, Parameters bodies with valueReference, the
 * ehealth profiles and extensions, Prefer: return=representation. The clinician's token comes
 * from FUT's context selection (a first token, the ehealth-connect contexts listing, then the
 * refresh_token grant naming the chosen care team); the citizen's is bound to its patient at
 * registration. Steps run in order; each depends on the ones before.
 */
describe("FUT reference clients' call sequences", () => {
  const u = nonCprUuid();
  let w: FutWorkflow;
  let citizen: string;
  /** Set by the first step: the clinician's token after context selection. */
  let clinician = '';
  const state: { episode?: string; carePlan?: string; serviceRequests?: ServiceRequest[]; observation?: string; task?: string } = {};
  const HAPI = { accept: 'application/fhir+json;q=1.0, application/json+fhir;q=0.9', prefer: 'return=representation' };
  const send = (token: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
    w.t.app.inject({ method, url, headers: { ...w.as(token), ...HAPI, ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) });
  /** The plan starts today (FUT's $apply has no start): the period is counted from now. */
  const days = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();
  const resources = (res: LightMyRequestResponse) => ((res.json() as Bundle).entry ?? []).map((e) => e.resource as Resource);

  beforeAll(async () => {
    w = await futWorkflow(u);
    const app = await registerVendorApp(w.t, { kind: 'citizen', organization: `Organization/${w.ids.orgA}`, patient: `Patient/${w.ids.patient}`, scopes: ['patient/*.cruds'] });
    citizen = await accessToken(w.t, app, 'patient/*.cruds', { claims: { patient: `Patient/${w.ids.patient}` } });
  });
  afterAll(() => w.t.close());

  it('clinician: logs in, lists its contexts at /resource/ehealth-connect/contexts and selects its care team by the refresh_token grant', async () => {
    const app = await registerVendorApp(w.t, { kind: 'clinician', organization: `Organization/${w.ids.orgA}`, scopes: ['user/*.cruds'] });
    const login = await requestToken(w.t, app, 'user/*.cruds', { claims: { practitioner: `Practitioner/${w.ids.nurse}` } });
    expect(login.statusCode).toBe(200);
    const first = login.json() as { access_token: string; refresh_token: string };
    const listed = await w.t.app.inject({ url: '/resource/ehealth-connect/contexts', headers: { authorization: `Bearer ${first.access_token}`, accept: 'application/json' } });
    expect(listed.statusCode).toBe(200);
    const team = (listed.json().care_teams as Array<{ id: string; url: string; affiliation: { url: string } }>).find((c) => c.id === w.ids.team);
    expect(team).toBeDefined();
    const selected = await tokenRequest(w.t, {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
      organization_id: team!.affiliation.url,
      care_team_id: team!.url,
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await assertion(app),
    });
    expect(selected.statusCode).toBe(200);
    clinician = selected.json().access_token as string;
  });

  it('clinician: $create-episode-of-care (EpisodeOfCare, Condition, privacy Provenance) with Prefer: return=representation', async () => {
    const eoc = `urn:uuid:${nonCprUuid()}`;
    const cond = `urn:uuid:${nonCprUuid()}`;
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: eoc, request: { method: 'POST', url: 'EpisodeOfCare' }, resource: { resourceType: 'EpisodeOfCare', meta: { profile: ['http://ehealth.sundhed.dk/fhir/StructureDefinition/ehealth-episodeofcare'] }, status: 'planned', patient: { reference: w.url(`Patient/${w.ids.patient}`) }, managingOrganization: { reference: w.url(`Organization/${w.ids.orgA}`) }, team: [{ reference: w.url(`CareTeam/${w.ids.team}`) }], diagnosis: [{ condition: { reference: cond } }], period: { start: '2026-03-01' } } },
        { fullUrl: cond, request: { method: 'POST', url: 'Condition' }, resource: { resourceType: 'Condition', meta: { profile: ['http://ehealth.sundhed.dk/fhir/StructureDefinition/ehealth-condition'] }, subject: { reference: w.url(`Patient/${w.ids.patient}`) }, code: { coding: [{ system: fhir.SYSTEMS.sks, code: 'DJ44' }] } } },
        { fullUrl: `urn:uuid:${nonCprUuid()}`, request: { method: 'POST', url: 'Provenance' }, resource: { resourceType: 'Provenance', target: [{ reference: eoc }], recorded: '2026-03-01T09:00:00+01:00', policy: ['http://ehealth.sundhed.dk/policy/dk/sundhedsloven'], agent: [{ who: { reference: w.url(`Practitioner/${w.ids.nurse}`) }, onBehalfOf: { reference: w.url(`Organization/${w.ids.orgA}`) } }] } },
      ],
    };
    const res = await send(clinician, 'POST', '/fhir/$create-episode-of-care', { resourceType: 'Parameters', parameter: [{ name: 'episodeOfCareAndProvenances', resource: bundle }] });
    expect(res.statusCode).toBe(200);
    const episode = resources(res).find((r) => r.resourceType === 'EpisodeOfCare') as EpisodeOfCare;
    state.episode = episode.id;
    // changeEpisodeStatus: JSON Patch planned → active
    const activated = await send(clinician, 'PATCH', `/fhir/EpisodeOfCare/${state.episode}`, [{ op: 'replace', path: '/status', value: 'active' }], { 'content-type': 'application/json-patch+json' });
    expect(activated.statusCode).toBe(200);
  });

  it('clinician: context selection checks the episode with $is-context-allowed', async () => {
    const res = await send(clinician, 'POST', `/fhir/EpisodeOfCare/${state.episode}/$is-context-allowed`, { resourceType: 'Parameters', parameter: [{ name: 'careTeam', valueReference: { reference: w.url(`CareTeam/${w.ids.team}`) } }] });
    expect(res.statusCode).toBe(200);
  });

  it('clinician: POST PlanDefinition/{id}/$apply with episodeOfCare, then activates the plan and its activities in one transaction', async () => {
    const applied = await send(clinician, 'POST', '/fhir/PlanDefinition/kol-home-monitoring/$apply', { resourceType: 'Parameters', parameter: [{ name: 'episodeOfCare', valueReference: { reference: w.url(`EpisodeOfCare/${state.episode}`) } }] });
    expect(applied.statusCode).toBe(200);
    const plan = applied.json() as CarePlan;
    state.carePlan = plan.id;
    // fetchCarePlanByIdWithActivities
    const found = await send(clinician, 'GET', `/fhir/CarePlan?_id=${plan.id}&_include=CarePlan:activity-reference`);
    expect(found.statusCode).toBe(200);
    const all = resources(found);
    state.serviceRequests = all.filter((r): r is ServiceRequest => r.resourceType === 'ServiceRequest');
    expect(state.serviceRequests).toHaveLength(4); // SpO2, pulse, symptoms and the self-management questionnaire
    // CarePlanActivationUtil: PUT the CarePlan and each activity, status active, fullUrl the absolute URL
    const put = (r: Resource) => ({ fullUrl: w.url(`${r.resourceType}/${r.id}`), resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } });
    const activation = { resourceType: 'Bundle', type: 'transaction', entry: [put({ ...(all.find((r) => r.resourceType === 'CarePlan') as CarePlan), status: 'active' }), ...state.serviceRequests.map((sr) => put({ ...sr, status: 'active' }))] };
    const res = await send(clinician, 'POST', '/fhir', activation);
    expect(res.statusCode).toBe(200);
  });

  it("citizen: today's activities with $get-patient-procedures, then $submit-measurement of an ehealth-observation", async () => {
    const procedures = await send(citizen, 'POST', '/fhir/$get-patient-procedures', { resourceType: 'Parameters', parameter: [{ name: 'patient', valueReference: { reference: w.url(`Patient/${w.ids.patient}`) } }, { name: 'start', valueDateTime: days(0) }, { name: 'end', valueDateTime: days(7) }, { name: 'extra', valueBoolean: true }] });
    expect(procedures.statusCode).toBe(200);
    const items = (resources(procedures).find((r) => r.resourceType === 'Parameters') as Parameters).parameter ?? [];
    const spo2Request = state.serviceRequests?.find((sr) => sr.code?.coding?.[0].code === 'NPU03011') as ServiceRequest;
    const item = items.find((i) => i.part?.find((p) => p.name === 'ServiceRequest')?.valueReference?.reference === `ServiceRequest/${spo2Request.id}`);
    expect(item).toBeDefined();
    const part = (name: string) => item?.part?.find((p) => p.name === name);
    const sr = (await send(citizen, 'GET', `/fhir/ServiceRequest/${spo2Request.id}`)).json() as ServiceRequest;
    const observation = {
      resourceType: 'Observation',
      meta: { profile: ['http://ehealth.sundhed.dk/fhir/StructureDefinition/ehealth-observation'] },
      extension: [
        { url: 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare', valueReference: { reference: w.url(`EpisodeOfCare/${state.episode}`) } },
        {
          url: 'http://ehealth.sundhed.dk/fhir/StructureDefinition/ehealth-resolved-timing',
          extension: [
            { url: 'serviceRequestVersionId', valueId: part('ServiceRequestVersionId')?.valueId },
            { url: 'type', valueCodeableConcept: { coding: [{ system: 'http://ehealth.sundhed.dk/cs/resolved-timing-type', code: 'Resolved' }] } },
            { url: 'start', valueDateTime: part('ResolvedTimingStart')?.valueDateTime },
            { url: 'end', valueDateTime: part('ResolvedTimingEnd')?.valueDateTime },
          ],
        },
      ],
      basedOn: [{ reference: w.url(`ServiceRequest/${sr.id}`) }],
      status: 'final',
      code: { coding: [{ ...sr.code?.coding?.[0] }] },
      subject: { reference: sr.subject?.reference },
      effectiveDateTime: part('ResolvedTimingStart')?.valueDateTime,
      valueQuantity: { value: 84, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
    };
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ fullUrl: `urn:uuid:${nonCprUuid()}`, resource: observation, request: { method: 'POST', url: 'Observation' } }] };
    const res = await send(citizen, 'POST', '/fhir/$submit-measurement', { resourceType: 'Parameters', parameter: [{ name: 'measurement', resource: bundle }] });
    expect(res.statusCode).toBe(200);
    const created = resources(res);
    state.observation = created[0].id;
    state.task = created.find((r) => r.resourceType === 'Task')?.id;
  });

  it('clinician: the triage worklist holds the red measurement, and $search-measurements-bundle-limit shows the submission', async () => {
    // TaskAPI.findTasksByEpisode: Task?episodeOfCare=<absolute URL>&_count=200
    const worklist = await send(clinician, 'GET', `/fhir/Task?episodeOfCare=${encodeURIComponent(w.url(`EpisodeOfCare/${state.episode}`))}&_count=200`);
    expect(worklist.statusCode).toBe(200);
    const task = resources(worklist).find((r) => r.id === state.task) as Task;
    expect(task.priority).toBe('asap');
    const res = await send(clinician, 'POST', '/fhir/$search-measurements-bundle-limit', { resourceType: 'Parameters', parameter: [{ name: 'episodeOfCare', valueReference: { reference: w.url(`EpisodeOfCare/${state.episode}`) } }, { name: 'start', valueDateTime: days(-1) }, { name: 'count', valueInteger: 100 }] });
    expect(res.statusCode).toBe(200);
    const nested = resources(res) as Bundle[];
    expect(nested).toHaveLength(1);
    expect((nested[0].entry ?? []).map((e) => e.resource?.resourceType).sort()).toEqual(['Observation', 'Provenance']);
  });

  it('clinician: invalidates the measurement with $set-measurement-validity; its assessment Task is cancelled', async () => {
    const res = await send(clinician, 'POST', '/fhir/ClinicalImpression/$set-measurement-validity', {
      resourceType: 'Parameters',
      parameter: [{
        name: 'clinicalImpression',
        resource: {
          resourceType: 'ClinicalImpression',
          meta: { profile: ['http://ehealth.sundhed.dk/fhir/StructureDefinition/ehealth-clinicalimpression'] },
          extension: [
            { url: 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare', valueReference: { reference: w.url(`EpisodeOfCare/${state.episode}`) } },
            { url: 'http://ehealth.sundhed.dk/fhir/StructureDefinition/ehealth-clinicalimpression-decision', valueCodeableConcept: { coding: [{ system: 'http://ehealth.sundhed.dk/cs/clinicalimpression-decision-codes', code: 'invalidated-fulfills' }] } },
          ],
          status: 'completed',
          code: { coding: [{ system: 'http://ehealth.sundhed.dk/cs/clinicalimpression-codes', code: 'MeasurementValidityUpdate' }] },
          subject: { reference: w.url(`Patient/${w.ids.patient}`) },
          investigation: [{ code: { coding: [{ system: 'http://ehealth.sundhed.dk/cs/clinicalimpression-investigation-item-codes', code: 'item-for-investigation' }] }, item: [{ reference: w.url(`Observation/${state.observation}/_history/1`) }, { reference: w.url(`Observation/${state.observation}`) }] }],
          finding: [{ itemCodeableConcept: { coding: [{ system: 'http://ehealth.sundhed.dk/cs/clinicalimpression-finding-codes', code: 'measurement-invalidated' }] } }],
        },
      }],
    });
    expect(res.statusCode).toBe(200);
    expect((res.json() as ClinicalImpression).assessor?.reference).toBe(`Practitioner/${w.ids.nurse}`);
    expect(((await send(clinician, 'GET', `/fhir/Observation/${state.observation}`)).json() as Observation).status).toBe('entered-in-error');
    expect(((await send(clinician, 'GET', `/fhir/Task/${state.task}`)).json() as Task).status).toBe('cancelled');
  });
});
