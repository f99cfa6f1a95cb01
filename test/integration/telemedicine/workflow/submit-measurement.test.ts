import { nonCprUuid } from '../../../support/ids';
import type { Bundle, ClinicalImpression, Observation, ServiceRequest, Task } from '@medplum/fhirtypes';
import { loadTemplates } from '../../../../src/telemedicine/template-loader';
import * as fhir from '../../../../src/telemedicine/seed/resources';
import { copdWorkflow, created, PROFILES, type CopdWorkflow } from './copd-workflow';

/**
 * Issue 7 acceptance: a COPD patient enrolled from the template, submitting SpO2 84 % and pulse
 * 72 through a citizen token → one red ClinicalImpression and one asap Task for the episode's care
 * team, first in that team's worklist, invisible to another municipality's client.
 */
describe('telemedicine workflow: enrol from template, submit, triage, worklist', () => {
  let w: CopdWorkflow;
  const u = nonCprUuid().slice(0, 8);

  beforeAll(async () => {
    w = await copdWorkflow(u);
  });
  afterAll(() => w.t.close());

  it('$apply previews the CarePlan without persisting: ServiceRequests contained, thresholds copied', async () => {
    const res = await w.apply('');
    expect(res.statusCode).toBe(200);
    const plan = res.json();
    expect(plan.instantiatesCanonical).toEqual(['https://kolibri.dk/fhir/PlanDefinition/kol-home-monitoring|1.0']);
    expect(plan.activity.map((a: { reference: { reference: string } }) => a.reference.reference)).toEqual(['#sr-0', '#sr-1', '#sr-2', '#sr-3']);
    const spo2 = plan.contained[0] as ServiceRequest;
    expect(spo2.code?.coding?.[0].code).toBe('NPU03011');
    expect(spo2.occurrenceTiming?.repeat).toMatchObject({ dayOfWeek: ['mon', 'wed', 'fri'], timeOfDay: ['08:00:00'], duration: 4, durationUnit: 'h', boundsPeriod: { start: '2026-03-02' } });
    expect(spo2.extension?.filter((e) => e.url.endsWith('ext-thresholds'))).toHaveLength(2);
    const found = await w.t.app.inject({ method: 'GET', url: `/fhir/CarePlan?subject=Patient/${w.ids.patient}`, headers: w.as(w.tokens.sysA) });
    expect(found.json().entry ?? []).toHaveLength(0);
  });

  it('$apply with persist=true creates the CarePlan and one ServiceRequest per regime in one transaction', async () => {
    const res = await w.apply('&persist=true');
    expect(res.statusCode).toBe(200);
    const entries = (res.json() as Bundle).entry ?? [];
    expect(entries.map((e) => e.response?.status)).toEqual(['201 Created', '201 Created', '201 Created', '201 Created', '201 Created']);
    const created = entries.map((e) => e.resource as ServiceRequest);
    for (const s of created.slice(0, 4)) w.sr[s.code?.coding?.[0].code as string] = s.id as string;
    expect(Object.keys(w.sr)).toEqual(['NPU03011', 'NPU21692', 'MCS88137', 'semcd-6']);
    expect(entries[4].resource?.resourceType).toBe('CarePlan');
  });

  it('a green and a yellow submission make routine and urgent Tasks (older, for the worklist order)', async () => {
    const green = await w.submit(w.tokens.citizen, [w.observation('NPU03011', '%', 95, '2026-03-02T08:10:00+01:00'), w.observation('NPU21692', '/min', 72, '2026-03-02T08:10:00+01:00')]);
    expect(green.statusCode).toBe(200);
    expect((created(green)[3] as Task).priority).toBe('routine');
    const yellow = await w.submit(w.tokens.citizen, [w.observation('NPU03011', '%', 88, '2026-03-04T08:10:00+01:00')]);
    expect((created(yellow)[2] as Task).priority).toBe('urgent');
  });

  let task: Task;
  it('acceptance: SpO2 84 % and pulse 72 through a citizen token → one red ClinicalImpression and one asap Task for the care team', async () => {
    const res = await w.submit(w.tokens.citizen, [w.observation('NPU03011', '%', 84, '2026-03-06T08:05:00+01:00'), w.observation('NPU21692', '/min', 72, '2026-03-06T08:05:00+01:00')]);
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
    expect(task).toMatchObject({ status: 'requested', priority: 'asap', owner: { reference: `CareTeam/${w.ids.team}` }, focus: { reference: `ClinicalImpression/${impression.id}` } });
    expect(task.code?.coding?.[0].code).toBe('measurement-for-assessment');
  });

  it("is first in the care team's worklist (clinical priority, then oldest first)", async () => {
    const res = await w.t.app.inject({ method: 'GET', url: `/fhir/Task?owner=CareTeam/${w.ids.team}&status=requested,in-progress&_sort=priority,authored-on`, headers: w.as(w.tokens.clinician) });
    expect(res.statusCode).toBe(200);
    const tasks = ((res.json() as Bundle).entry ?? []).map((e) => e.resource as Task);
    expect(tasks[0].id).toBe(task.id);
    expect(tasks.map((x) => x.priority)).toEqual(['asap', 'urgent', 'routine']);
  });

  it("is invisible to another municipality's client", async () => {
    expect((await w.t.app.inject({ method: 'GET', url: `/fhir/Task/${task.id}`, headers: w.as(w.tokens.sysB) })).statusCode).toBe(404);
    const search = await w.t.app.inject({ method: 'GET', url: `/fhir/Task?owner=CareTeam/${w.ids.team}`, headers: w.as(w.tokens.sysB) });
    expect(((search.json() as Bundle).entry ?? []).filter((e) => e.resource?.resourceType === 'Task')).toHaveLength(0);
    const submitB = await w.submit(w.tokens.sysB, [w.observation('NPU03011', '%', 90, '2026-03-06T09:00:00+01:00')]);
    expect(submitB.statusCode).toBe(404);
  });

  it('a pulse without thresholds is not a silent green: the Task says so', async () => {
    const bare = fhir.serviceRequest(`sr-bare-${u}`, w.ids.patient, w.ids.eoc, { code: 'NPU21692', display: 'Puls', unit: '/min', thresholds: [] }, { boundsPeriod: { start: '2026-03-01' } } as never);
    await w.seed([bare]);
    w.sr.bare = bare.id as string;
    const res = await w.submit(w.tokens.citizen, [{ ...w.observation('NPU21692', '/min', 72, '2026-03-06T10:00:00+01:00'), basedOn: [{ reference: `ServiceRequest/${bare.id}` }] }]);
    expect(res.statusCode).toBe(200);
    const created_ = created(res)[2] as Task;
    expect(created_.priority).toBe('urgent');
    expect(created_.description).toBe('Not triaged automatically: NPU21692 72 /min: no thresholds are set for this measurement');
  });

  it('the template loader is idempotent: a second run changes nothing', async () => {
    const again = await loadTemplates(w.t.services.interactions, [PROFILES]);
    expect(again.created.concat(again.updated)).toEqual([]);
    expect(again.unchanged).toHaveLength(39); // 31 plan-template resources of the six patient groups, the shared self-management ActivityDefinition and Questionnaire, and 6 OperationDefinitions
  });
});
