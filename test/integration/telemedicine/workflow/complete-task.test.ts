import { nonCprUuid } from '../../../support/ids';
import type { Bundle, ClinicalImpression, Observation, Task } from '@medplum/fhirtypes';
import { copdWorkflow, created, type CopdWorkflow } from './copd-workflow';

/**
 * Completing a "measurement for assessment" Task with plain FHIR: the care team's clinician
 * records an assessment (a ClinicalImpression whose `previous` is the triage) and updates the
 * Task to completed with the assessment as output. Another municipality neither sees nor
 * changes the Task.
 */
describe('telemedicine workflow: a clinician completes the assessment Task', () => {
  let w: CopdWorkflow;
  const u = nonCprUuid().slice(0, 8);
  let spo2: Observation;
  let triage: ClinicalImpression;
  let task: Task;

  beforeAll(async () => {
    w = await copdWorkflow(u);
    await w.persistPlan();
    const res = await w.submit(w.tokens.citizen, [w.observation('NPU03011', '%', 84, '2026-03-09T08:05:00+01:00'), w.observation('NPU21692', '/min', 72, '2026-03-09T08:05:00+01:00')]);
    [spo2, , triage, task] = created(res) as [Observation, Observation, ClinicalImpression, Task];
  });
  afterAll(() => w.t.close());

  const send = (method: 'GET' | 'POST' | 'PUT', path: string, token: string, payload?: unknown) => w.t.app.inject({ method, url: `/fhir/${path}`, headers: w.as(token), ...(payload ? { payload: payload as object } : {}) });
  let assessment: ClinicalImpression;

  it("the care team's clinician records an assessment: a ClinicalImpression after the triage, with the decision", async () => {
    const res = await send('POST', 'ClinicalImpression', w.tokens.clinician, {
      resourceType: 'ClinicalImpression',
      status: 'completed',
      code: { text: 'Assessment of a home measurement' },
      subject: { reference: `Patient/${w.ids.patient}` },
      effectiveDateTime: '2026-03-09T10:30:00+01:00',
      date: '2026-03-09T10:30:00+01:00',
      assessor: { reference: `Practitioner/${w.ids.nurse}` },
      previous: { reference: `ClinicalImpression/${triage.id}` },
      summary: 'SpO2 84 % confirmed by phone; no acute distress. Decision: increase oxygen to 2 L/min, re-measure tomorrow.',
      finding: [{ itemReference: { reference: `Observation/${spo2.id}` }, basis: 'Low saturation, known COPD exacerbation pattern' }],
    });
    expect(res.statusCode).toBe(201);
    assessment = res.json() as ClinicalImpression;
    expect(assessment.previous?.reference).toBe(`ClinicalImpression/${triage.id}`);
  });

  it('and completes the Task with the assessment as output; it leaves the worklist', async () => {
    const res = await send('PUT', `Task/${task.id}`, w.tokens.clinician, {
      ...task,
      status: 'completed',
      lastModified: new Date().toISOString(),
      output: [{ type: { text: 'assessment' }, valueReference: { reference: `ClinicalImpression/${assessment.id}` } }],
    });
    expect(res.statusCode).toBe(200);
    const completed = res.json() as Task;
    expect(completed).toMatchObject({ status: 'completed', priority: 'asap', output: [{ valueReference: { reference: `ClinicalImpression/${assessment.id}` } }] });
    const worklist = await send('GET', `Task?owner=CareTeam/${w.ids.team}&status=requested,in-progress`, w.tokens.clinician);
    expect(((worklist.json() as Bundle).entry ?? []).map((e) => e.resource?.id)).not.toContain(task.id);
  });

  it("another municipality's clients neither see nor update the Task", async () => {
    for (const token of [w.tokens.sysB, w.tokens.clinicianB]) {
      expect((await send('GET', `Task/${task.id}`, token)).statusCode).toBe(404);
      const search = await send('GET', `Task?_id=${task.id}`, token);
      expect((search.json() as Bundle).entry ?? []).toHaveLength(0);
      const current = (await send('GET', `Task/${task.id}`, w.tokens.clinician)).json() as Task;
      const update = await send('PUT', `Task/${task.id}`, token, { ...current, status: 'in-progress' });
      // hidden from them: answered as a PUT to an id that does not exist
      expect(update.statusCode).toBe(405);
    }
    const after = (await send('GET', `Task/${task.id}`, w.tokens.clinician)).json() as Task;
    expect([after.status, after.meta?.versionId]).toEqual(['completed', '2']);
  });

  it("the clinician's own assessment is not a triage: marking the SpO2 entered-in-error leaves it and the completed Task as they are", async () => {
    expect((await send('PUT', `Observation/${spo2.id}`, w.tokens.clinician, { ...spo2, status: 'entered-in-error' })).statusCode).toBe(200);
    expect(((await send('GET', `ClinicalImpression/${assessment.id}`, w.tokens.clinician)).json() as ClinicalImpression).meta?.versionId).toBe('1');
    expect(((await send('GET', `ClinicalImpression/${triage.id}`, w.tokens.clinician)).json() as ClinicalImpression).meta?.versionId).toBe('2');
    expect(((await send('GET', `Task/${task.id}`, w.tokens.clinician)).json() as Task).status).toBe('completed');
  });
});
