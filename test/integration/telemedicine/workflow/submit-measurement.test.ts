import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Bundle, ClinicalImpression, Observation, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { loadTemplates } from '../../../../src/telemedicine/template-loader';
import * as fhir from '../../../../src/telemedicine/seed/resources';
import { createTestApp, type TestApp } from '../../../support/app';
import { accessToken, registerVendorApp } from '../../auth/vendor-app';

const PROFILES = join(__dirname, '..', '..', '..', '..', 'fhir-profiles');

/**
 * Issue 7 acceptance: a COPD patient enrolled from the template, submitting SpO2 84 % and pulse
 * 72 through a citizen token → one red ClinicalImpression and one asap Task for the episode's care
 * team, first in that team's worklist, invisible to another municipality's client.
 */
describe('telemedicine workflow: enrol from template, submit, triage, worklist', () => {
  let t: TestApp;
  const u = randomUUID().slice(0, 8);
  const ids = { orgA: `org-a-${u}`, orgB: `org-b-${u}`, team: `team-${u}`, patient: `pat-${u}`, cond: `cond-${u}`, eoc: `eoc-${u}` };
  const tokens = { sysA: '', sysB: '', citizen: '', clinician: '' };
  const sr: Record<string, string> = {};
  const as = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' });
  const seed = (resources: Resource[]) => t.services.store.transaction(async (tx) => { for (const r of resources) await tx.update(r, { allowCreate: true }); });

  beforeAll(async () => {
    t = await createTestApp({ auth: 'on' });
    await loadTemplates(t.services.interactions, [PROFILES]);
    await seed([
      fhir.municipalityOrganization(ids.orgA, '0851', 'Aalborg Kommune', `region-${u}`),
      fhir.municipalityOrganization(ids.orgB, '0101', 'Københavns Kommune', `region-${u}`),
      { resourceType: 'Practitioner', id: `nurse-${u}`, name: [{ family: 'Lund' }] },
      { ...fhir.careTeam(ids.team, 'KOL-teamet', ids.orgA), participant: [{ member: { reference: `Practitioner/nurse-${u}` } }] },
      fhir.patient(ids.patient, '0101521234', 'Jørgensen', 'Karen', 'female', '1952-01-01'),
      fhir.condition(ids.cond, ids.patient, 'DJ44'),
      fhir.episodeOfCare({ id: ids.eoc, patientId: ids.patient, conditionId: ids.cond, organizationId: ids.orgA, careTeamId: ids.team, start: '2026-03-01' }),
    ]);
    const sysA = await registerVendorApp(t, { organization: `Organization/${ids.orgA}`, scopes: ['system/*.cruds'] });
    const sysB = await registerVendorApp(t, { organization: `Organization/${ids.orgB}`, scopes: ['system/*.cruds'] });
    const citizen = await registerVendorApp(t, { kind: 'citizen', organization: `Organization/${ids.orgA}`, scopes: ['patient/*.cruds'] });
    const clinician = await registerVendorApp(t, { kind: 'clinician', organization: `Organization/${ids.orgA}`, scopes: ['user/*.cruds'] });
    tokens.sysA = await accessToken(t, sysA, 'system/*.cruds');
    tokens.sysB = await accessToken(t, sysB, 'system/*.cruds');
    tokens.citizen = await accessToken(t, citizen, 'patient/Observation.cr patient/QuestionnaireResponse.cr patient/Patient.r', { claims: { patient: `Patient/${ids.patient}` } });
    tokens.clinician = await accessToken(t, clinician, 'user/*.cruds', { claims: { practitioner: `Practitioner/nurse-${u}`, care_team: `CareTeam/${ids.team}` } });
  });
  afterAll(() => t.close());

  const apply = (query: string) =>
    t.app.inject({ method: 'POST', url: `/fhir/PlanDefinition/kol-home-monitoring/$apply?subject=Patient/${ids.patient}&episodeOfCare=EpisodeOfCare/${ids.eoc}&start=2026-03-02${query}`, headers: as(tokens.sysA) });

  it('$apply previews the CarePlan without persisting: ServiceRequests contained, thresholds copied', async () => {
    const res = await apply('');
    expect(res.statusCode).toBe(200);
    const plan = res.json();
    expect(plan.instantiatesCanonical).toEqual(['https://kolibri.dk/fhir/PlanDefinition/kol-home-monitoring|1.0']);
    expect(plan.activity.map((a: { reference: { reference: string } }) => a.reference.reference)).toEqual(['#sr-0', '#sr-1', '#sr-2']);
    const spo2 = plan.contained[0] as ServiceRequest;
    expect(spo2.code?.coding?.[0].code).toBe('NPU03011');
    expect(spo2.occurrenceTiming?.repeat).toMatchObject({ dayOfWeek: ['mon', 'wed', 'fri'], timeOfDay: ['08:00:00'], duration: 4, durationUnit: 'h', boundsPeriod: { start: '2026-03-02' } });
    expect(spo2.extension?.filter((e) => e.url.endsWith('ext-thresholds'))).toHaveLength(2);
    const found = await t.app.inject({ method: 'GET', url: `/fhir/CarePlan?subject=Patient/${ids.patient}`, headers: as(tokens.sysA) });
    expect(found.json().entry ?? []).toHaveLength(0);
  });

  it('$apply with persist=true creates the CarePlan and one ServiceRequest per regime in one transaction', async () => {
    const res = await apply('&persist=true');
    expect(res.statusCode).toBe(200);
    const entries = (res.json() as Bundle).entry ?? [];
    expect(entries.map((e) => e.response?.status)).toEqual(['201 Created', '201 Created', '201 Created', '201 Created']);
    const created = entries.map((e) => e.resource as ServiceRequest);
    for (const s of created.slice(0, 3)) sr[s.code?.coding?.[0].code as string] = s.id as string;
    expect(Object.keys(sr)).toEqual(['NPU03011', 'NPU21692', 'MCS88137']);
    expect(entries[3].resource?.resourceType).toBe('CarePlan');
  });

  const observation = (code: string, unit: string, value: number, at: string): Observation => ({
    ...fhir.observation('ignored', ids.patient, ids.eoc, sr[code], { code, display: code, unit, thresholds: [] }, value, at),
    id: undefined,
  });
  const submit = (token: string, items: Resource[]) =>
    t.app.inject({ method: 'POST', url: `/fhir/Patient/${ids.patient}/$submit-measurement`, headers: as(token), payload: { resourceType: 'Bundle', type: 'collection', entry: items.map((resource) => ({ resource })) } });
  const created = (res: { json(): unknown }) => ((res.json() as Bundle).entry ?? []).map((e) => e.resource as Resource);

  it('a green and a yellow submission make routine and urgent Tasks (older, for the worklist order)', async () => {
    const green = await submit(tokens.citizen, [observation('NPU03011', '%', 95, '2026-03-02T08:10:00+01:00'), observation('NPU21692', '/min', 72, '2026-03-02T08:10:00+01:00')]);
    expect(green.statusCode).toBe(200);
    expect((created(green)[3] as Task).priority).toBe('routine');
    const yellow = await submit(tokens.citizen, [observation('NPU03011', '%', 88, '2026-03-04T08:10:00+01:00')]);
    expect((created(yellow)[2] as Task).priority).toBe('urgent');
  });

  let task: Task;
  it('acceptance: SpO2 84 % and pulse 72 through a citizen token → one red ClinicalImpression and one asap Task for the care team', async () => {
    const res = await submit(tokens.citizen, [observation('NPU03011', '%', 84, '2026-03-06T08:05:00+01:00'), observation('NPU21692', '/min', 72, '2026-03-06T08:05:00+01:00')]);
    expect(res.statusCode).toBe(200);
    const [spo2, pulse, impression, created_] = created(res) as [Observation, Observation, ClinicalImpression, Task];
    task = created_;
    expect(spo2.referenceRange?.map((r) => [r.type?.coding?.[0].code, r.low?.value])).toEqual([['RAL', 85], ['GAL', 88]]);
    expect(pulse.referenceRange?.map((r) => [r.type?.coding?.[0].code, r.low?.value, r.high?.value])).toEqual([['RAL', 50, 130], ['GAL', 60, 110]]);
    expect(impression.extension?.[0].valueCoding?.code).toBe('red');
    expect(impression.finding?.map((f) => [f.itemReference?.reference, f.extension?.[0].valueCoding?.code, f.basis])).toEqual([
      [`Observation/${spo2.id}`, 'red', 'NPU03011 84 % ≤ RAL low limit 85 %'],
      [`Observation/${pulse.id}`, 'green', 'NPU21692 72 /min within all limits'],
    ]);
    expect(task).toMatchObject({ status: 'requested', priority: 'asap', owner: { reference: `CareTeam/${ids.team}` }, focus: { reference: `ClinicalImpression/${impression.id}` } });
    expect(task.code?.coding?.[0].code).toBe('measurement-for-assessment');
  });

  it("is first in the care team's worklist (clinical priority, then oldest first)", async () => {
    const res = await t.app.inject({ method: 'GET', url: `/fhir/Task?owner=CareTeam/${ids.team}&status=requested,in-progress&_sort=priority,authored-on`, headers: as(tokens.clinician) });
    expect(res.statusCode).toBe(200);
    const tasks = ((res.json() as Bundle).entry ?? []).map((e) => e.resource as Task);
    expect(tasks[0].id).toBe(task.id);
    expect(tasks.map((x) => x.priority)).toEqual(['asap', 'urgent', 'routine']);
  });

  it("is invisible to another municipality's client", async () => {
    expect((await t.app.inject({ method: 'GET', url: `/fhir/Task/${task.id}`, headers: as(tokens.sysB) })).statusCode).toBe(404);
    const search = await t.app.inject({ method: 'GET', url: `/fhir/Task?owner=CareTeam/${ids.team}`, headers: as(tokens.sysB) });
    expect(((search.json() as Bundle).entry ?? []).filter((e) => e.resource?.resourceType === 'Task')).toHaveLength(0);
    const submitB = await submit(tokens.sysB, [observation('NPU03011', '%', 90, '2026-03-06T09:00:00+01:00')]);
    expect(submitB.statusCode).toBe(404);
  });

  it('a pulse without thresholds is not a silent green: the Task says so', async () => {
    const bare = fhir.serviceRequest(`sr-bare-${u}`, ids.patient, ids.eoc, { code: 'NPU21692', display: 'Puls', unit: '/min', thresholds: [] }, { boundsPeriod: { start: '2026-03-01' } } as never);
    await seed([bare]);
    sr.bare = bare.id as string;
    const res = await submit(tokens.citizen, [{ ...observation('NPU21692', '/min', 72, '2026-03-06T10:00:00+01:00'), basedOn: [{ reference: `ServiceRequest/${bare.id}` }] }]);
    expect(res.statusCode).toBe(200);
    const created_ = created(res)[2] as Task;
    expect(created_.priority).toBe('urgent');
    expect(created_.description).toBe('Not triaged automatically: NPU21692 72 /min: no thresholds are set for this measurement');
  });

  it('the template loader is idempotent: a second run changes nothing', async () => {
    const again = await loadTemplates(t.services.interactions, [PROFILES]);
    expect(again.created.concat(again.updated)).toEqual([]);
    expect(again.unchanged).toHaveLength(14); // 11 plan-template resources and 3 OperationDefinitions
  });
});
