import { nonCprUuid } from '../../../support/ids';
import type { Bundle, CapabilityStatement, ClinicalImpression, Observation, Provenance, QuestionnaireResponse, Task } from '@medplum/fhirtypes';
import { copdWorkflow, created, type CopdWorkflow } from './copd-workflow';

/**
 * Issue 7 item 3: a measurement marked entered-in-error with ordinary FHIR (PUT, PATCH, a
 * transaction) gets a Provenance and re-triages its submission in the same transaction: the
 * triage ClinicalImpression gets a new version, the open Task follows the new colour or is
 * cancelled when nothing valid remains. A failed write changes nothing.
 */
describe('telemedicine workflow: an Observation entered in error re-triages its submission', () => {
  let w: CopdWorkflow;
  const u = nonCprUuid().slice(0, 8);

  beforeAll(async () => {
    w = await copdWorkflow(u);
    await w.persistPlan();
  });
  afterAll(() => w.t.close());

  const get = async <T>(path: string, token = w.tokens.clinician): Promise<T> => {
    const res = await w.t.app.inject({ method: 'GET', url: `/fhir/${path}`, headers: w.as(token) });
    if (res.statusCode !== 200) throw new Error(`GET ${path}: ${res.statusCode} ${res.body}`);
    return res.json() as T;
  };
  /** Every Provenance targeting any version of the Observation (reference search ignores the version). */
  const provenances = async (o: Observation) =>
    ((await get<Bundle>(`Provenance?target=Observation/${o.id}`, w.tokens.sysA)).entry ?? []).map((e) => e.resource as Provenance);
  /** SpO2 84 (red) and pulse 72 (green), submitted by the citizen app. */
  const redSubmission = async (day: string) => {
    const res = await w.submit(w.tokens.citizen, [w.observation('NPU03011', '%', 84, `${day}T08:05:00+01:00`), w.observation('NPU21692', '/min', 72, `${day}T08:05:00+01:00`)]);
    expect(res.statusCode).toBe(200);
    const [spo2, pulse, impression, task] = created(res) as [Observation, Observation, ClinicalImpression, Task];
    expect([impression.extension?.[0].valueCoding?.code, task.priority]).toEqual(['red', 'asap']);
    return { spo2, pulse, impression, task };
  };
  const enteredInError = (o: Observation): Observation => ({ ...o, meta: { profile: o.meta?.profile }, status: 'entered-in-error' });
  const put = (o: Observation, token = w.tokens.clinician) => w.t.app.inject({ method: 'PUT', url: `/fhir/Observation/${o.id}`, headers: w.as(token), payload: o });
  const inTransaction = (entry: unknown[]) =>
    w.t.app.inject({ method: 'POST', url: '/fhir', headers: w.as(w.tokens.clinician), payload: { resourceType: 'Bundle', type: 'transaction', entry } });

  let first: Awaited<ReturnType<typeof redSubmission>>;
  it('SpO2 84 entered in error (PUT by the care team\'s clinician) → ClinicalImpression green, Task routine, Provenance recorded', async () => {
    first = await redSubmission('2026-03-09');
    const res = await put(enteredInError(first.spo2));
    expect(res.statusCode).toBe(200);
    const invalidated = res.json() as Observation;
    expect(invalidated.status).toBe('entered-in-error');

    const impression = await get<ClinicalImpression>(`ClinicalImpression/${first.impression.id}`);
    expect(impression.meta?.versionId).toBe('2');
    expect(impression.status).toBe('completed');
    expect(impression.extension?.[0].valueCoding?.code).toBe('green');
    expect(impression.finding?.map((f) => [f.itemReference?.reference, f.extension?.[0].valueCoding?.code])).toEqual([[`Observation/${first.pulse.id}`, 'green']]);
    expect(impression.summary).toBe('GREEN');
    expect(impression.note?.map((n) => n.text)).toEqual([`Re-triaged without Observation/${first.spo2.id}: entered in error`]);

    const task = await get<Task>(`Task/${first.task.id}`);
    expect(task).toMatchObject({ status: 'requested', priority: 'routine', description: 'Triage green: NPU21692 72 /min within all limits', focus: { reference: `ClinicalImpression/${first.impression.id}` } });
    expect(task.input?.map((i) => i.valueReference?.reference)).toEqual([`Observation/${first.pulse.id}`]);

    const [provenance, ...more] = await provenances(invalidated);
    expect(more).toHaveLength(0);
    expect(provenance.meta?.lastUpdated).toBe(invalidated.meta?.lastUpdated); // same transaction
    expect(provenance.target).toEqual([{ reference: `Observation/${first.spo2.id}/_history/2` }]);
    expect(provenance.activity?.coding?.[0].code).toBe('NULLIFY');
    expect(provenance.reason?.[0].text).toBe('entered-in-error');
    expect(provenance.agent?.[0].who?.reference).toBe(`Practitioner/${w.ids.nurse}`);
    expect(provenance.agent?.[0].onBehalfOf?.reference).toBe(`Organization/${w.ids.orgA}`);
  });

  it('the pulse too (JSON Patch) → nothing valid remains: Task cancelled with a reason, ClinicalImpression entered-in-error', async () => {
    const res = await w.t.app.inject({
      method: 'PATCH',
      url: `/fhir/Observation/${first.pulse.id}`,
      headers: { ...w.as(w.tokens.clinician), 'content-type': 'application/json-patch+json' },
      payload: [{ op: 'replace', path: '/status', value: 'entered-in-error' }],
    });
    expect(res.statusCode).toBe(200);
    const task = await get<Task>(`Task/${first.task.id}`);
    expect(task.status).toBe('cancelled');
    expect(task.statusReason?.text).toBe('Every measurement of the submission was entered in error');
    const impression = await get<ClinicalImpression>(`ClinicalImpression/${first.impression.id}`);
    expect(impression.status).toBe('entered-in-error');
    expect(impression.meta?.versionId).toBe('3');
    expect(await provenances(res.json() as Observation)).toHaveLength(1);
  });

  it('a second update of an item already entered in error re-triages nothing and records no Provenance', async () => {
    const current = await get<Observation>(`Observation/${first.pulse.id}`);
    const res = await put({ ...current, note: [{ text: 'wrong finger' }] });
    expect(res.statusCode).toBe(200);
    expect((await get<ClinicalImpression>(`ClinicalImpression/${first.impression.id}`)).meta?.versionId).toBe('3');
    expect(await provenances(res.json() as Observation)).toHaveLength(1); // the one of the previous test
  });

  it('in a transaction with the client\'s own Provenance: re-triaged, and that Provenance is not duplicated', async () => {
    const s = await redSubmission('2026-03-11');
    const res = await inTransaction([
      { resource: enteredInError(s.spo2), request: { method: 'PUT', url: `Observation/${s.spo2.id}` } },
      {
        resource: {
          resourceType: 'Provenance',
          target: [{ reference: `Observation/${s.spo2.id}` }],
          recorded: '2026-03-11T09:00:00+01:00',
          reason: [{ text: 'probe slipped' }],
          agent: [{ who: { reference: `Practitioner/${w.ids.nurse}` } }],
        },
        request: { method: 'POST', url: 'Provenance' },
      },
    ]);
    expect(res.statusCode).toBe(200);
    expect((await get<Task>(`Task/${s.task.id}`)).priority).toBe('routine');
    const found = await provenances(s.spo2);
    expect(found.map((p) => p.reason?.[0].text)).toEqual(['probe slipped']);
  });

  it('a QuestionnaireResponse entered in error: the Observation left decides (SpO2 84 → red, asap)', async () => {
    const answers: QuestionnaireResponse = {
      resourceType: 'QuestionnaireResponse',
      meta: { profile: ['https://kolibri.dk/fhir/StructureDefinition/kolibri-questionnaireresponse'] },
      extension: [{ url: 'https://kolibri.dk/fhir/StructureDefinition/ext-episode-of-care', valueReference: { reference: `EpisodeOfCare/${w.ids.eoc}` } }],
      basedOn: [{ reference: `ServiceRequest/${w.sr.MCS88137}` }],
      questionnaire: 'https://kolibri.dk/fhir/Questionnaire/kol-symptoms|1.0',
      status: 'completed',
      subject: { reference: `Patient/${w.ids.patient}` },
      authored: '2026-03-16T08:05:00+01:00',
      source: { reference: `Patient/${w.ids.patient}` },
      item: [
        { linkId: 'breathless', answer: [{ valueCoding: { system: 'https://kolibri.dk/fhir/CodeSystem/kol-answers', code: 'quite-a-lot' } }] },
        { linkId: 'sputum-colour-changed', answer: [{ valueBoolean: false }] },
      ],
    };
    const res = await w.submit(w.tokens.citizen, [answers, w.observation('NPU03011', '%', 84, '2026-03-16T08:05:00+01:00')]);
    expect(res.statusCode).toBe(200);
    const [response, , impression, task] = created(res) as [QuestionnaireResponse, Observation, ClinicalImpression, Task];
    expect(impression.finding?.map((f) => f.extension?.[0].valueCoding?.code)).toEqual(['red', 'red']);
    const marked = await w.t.app.inject({ method: 'PUT', url: `/fhir/QuestionnaireResponse/${response.id}`, headers: w.as(w.tokens.clinician), payload: { ...response, status: 'entered-in-error' } });
    expect(marked.statusCode).toBe(200);
    const after = await get<ClinicalImpression>(`ClinicalImpression/${impression.id}`);
    expect(after.finding).toHaveLength(1);
    expect(after.extension?.[0].valueCoding?.code).toBe('red');
    expect((await get<Task>(`Task/${task.id}`)).description).toBe('Triage red: NPU03011 84 % ≤ RAL low limit 85 %');
    expect((await get<Bundle>(`Provenance?target=QuestionnaireResponse/${response.id}`, w.tokens.sysA)).entry).toHaveLength(1);

    // corrected back to completed: triaged again by its Questionnaire (quite-a-lot → red), its finding back
    const current = await get<QuestionnaireResponse>(`QuestionnaireResponse/${response.id}`);
    const back = await w.t.app.inject({ method: 'PUT', url: `/fhir/QuestionnaireResponse/${response.id}`, headers: w.as(w.tokens.clinician), payload: { ...current, meta: { profile: current.meta?.profile }, status: 'completed' } });
    expect(back.statusCode).toBe(200);
    const restored = await get<ClinicalImpression>(`ClinicalImpression/${impression.id}`);
    expect(restored.finding?.map((f) => [f.itemReference?.reference, f.extension?.[0].valueCoding?.code])).toContainEqual([`QuestionnaireResponse/${response.id}`, 'red']);
    expect(restored.finding).toHaveLength(2);
    expect(restored.finding?.find((f) => f.itemReference?.reference === `QuestionnaireResponse/${response.id}`)?.basis).toBe(impression.finding?.[0].basis);
  });

  it('a completed Task is not reopened: the ClinicalImpression is re-triaged, the Task stays completed', async () => {
    const s = await redSubmission('2026-03-18');
    const done = await w.t.app.inject({ method: 'PUT', url: `/fhir/Task/${s.task.id}`, headers: w.as(w.tokens.clinician), payload: { ...s.task, status: 'completed' } });
    expect(done.statusCode).toBe(200);
    expect((await put(enteredInError(s.spo2))).statusCode).toBe(200);
    expect((await get<ClinicalImpression>(`ClinicalImpression/${s.impression.id}`)).extension?.[0].valueCoding?.code).toBe('green');
    const task = await get<Task>(`Task/${s.task.id}`);
    expect([task.status, task.priority, task.meta?.versionId]).toEqual(['completed', 'asap', '2']);
  });

  describe('corrected back to a valid status: the submission takes the item back', () => {
    const restoredFrom = async (o: Observation): Promise<Observation> => {
      const current = await get<Observation>(`Observation/${o.id}`);
      return { ...current, meta: { profile: current.meta?.profile }, status: 'final' };
    };
    const colours = (ci: ClinicalImpression) => [ci.status, ci.extension?.[0].valueCoding?.code, ci.finding?.map((f) => [f.itemReference?.reference, f.extension?.[0].valueCoding?.code])];
    const assessmentTasks = async (ci: ClinicalImpression) =>
      ((await get<Bundle>(`Task?focus=ClinicalImpression/${ci.id}`)).entry ?? []).map((e) => e.resource as Task);

    it('the red SpO2 invalidated (green, routine), then restored with a plain PUT → red again, the same open Task asap', async () => {
      const s = await redSubmission('2026-03-20');
      expect((await put(enteredInError(s.spo2))).statusCode).toBe(200);
      expect(colours(await get<ClinicalImpression>(`ClinicalImpression/${s.impression.id}`))).toEqual(['completed', 'green', [[`Observation/${s.pulse.id}`, 'green']]]);
      expect((await get<Task>(`Task/${s.task.id}`)).priority).toBe('routine');

      const res = await put(await restoredFrom(s.spo2));
      expect(res.statusCode).toBe(200);
      const impression = await get<ClinicalImpression>(`ClinicalImpression/${s.impression.id}`);
      expect(impression.meta?.versionId).toBe('3');
      expect(colours(impression)).toEqual(['completed', 'red', [[`Observation/${s.pulse.id}`, 'green'], [`Observation/${s.spo2.id}`, 'red']]]);
      expect(impression.finding?.[1].basis).toBe('NPU03011 84 % ≤ RAL low limit 85 %');
      expect(impression.summary).toBe('RED');
      expect(impression.investigation).toBeUndefined();
      expect(impression.note?.at(-1)?.text).toBe(`Re-triaged with Observation/${s.spo2.id}: no longer entered in error`);
      const task = await get<Task>(`Task/${s.task.id}`);
      expect(task).toMatchObject({ status: 'requested', priority: 'asap', description: 'Triage red: NPU03011 84 % ≤ RAL low limit 85 %' });
      expect(task.input?.map((i) => i.valueReference?.reference).sort()).toEqual([`Observation/${s.pulse.id}`, `Observation/${s.spo2.id}`].sort());
      expect(await assessmentTasks(s.impression)).toHaveLength(1);
      // a later change of the restored item that keeps it valid re-triages nothing
      expect((await put({ ...(await restoredFrom(s.spo2)), note: [{ text: 'checked' }] })).statusCode).toBe(200);
      expect((await get<ClinicalImpression>(`ClinicalImpression/${s.impression.id}`)).meta?.versionId).toBe('3');
    });

    it('every item invalidated (Task cancelled), one restored → ClinicalImpression completed red, a new open Task; the cancelled one stays cancelled', async () => {
      const s = await redSubmission('2026-03-22');
      expect((await put(enteredInError(s.spo2))).statusCode).toBe(200);
      expect((await put(enteredInError(s.pulse))).statusCode).toBe(200);
      expect((await get<Task>(`Task/${s.task.id}`)).status).toBe('cancelled');
      expect((await get<ClinicalImpression>(`ClinicalImpression/${s.impression.id}`)).status).toBe('entered-in-error');

      expect((await put(await restoredFrom(s.spo2))).statusCode).toBe(200);
      const impression = await get<ClinicalImpression>(`ClinicalImpression/${s.impression.id}`);
      expect(colours(impression)).toEqual(['completed', 'red', [[`Observation/${s.spo2.id}`, 'red']]]);
      expect(impression.investigation?.[0].item?.map((i) => i.reference)).toEqual([`Observation/${s.pulse.id}`]);
      const cancelled = await get<Task>(`Task/${s.task.id}`);
      expect([cancelled.status, cancelled.meta?.versionId]).toEqual(['cancelled', '3']); // routine, then cancelled
      const open = (await assessmentTasks(s.impression)).filter((t) => t.id !== s.task.id);
      expect(open).toHaveLength(1);
      expect(open[0]).toMatchObject({ status: 'requested', priority: 'asap', owner: s.task.owner, for: s.task.for });
      expect(open[0].input?.map((i) => i.valueReference?.reference)).toEqual([`Observation/${s.spo2.id}`]);

      // the pulse back too: the same new Task follows, no third one
      expect((await put(await restoredFrom(s.pulse))).statusCode).toBe(200);
      const both = await get<ClinicalImpression>(`ClinicalImpression/${s.impression.id}`);
      expect(colours(both)).toEqual(['completed', 'red', [[`Observation/${s.spo2.id}`, 'red'], [`Observation/${s.pulse.id}`, 'green']]]);
      expect(both.investigation).toBeUndefined();
      const tasks = await assessmentTasks(s.impression);
      expect(tasks).toHaveLength(2);
      expect(tasks.find((t) => t.id === open[0].id)?.input).toHaveLength(2);
    });

    it('a completed Task stays completed when an item comes back', async () => {
      const s = await redSubmission('2026-03-24');
      expect((await put(enteredInError(s.spo2))).statusCode).toBe(200);
      const current = await get<Task>(`Task/${s.task.id}`);
      expect((await w.t.app.inject({ method: 'PUT', url: `/fhir/Task/${s.task.id}`, headers: w.as(w.tokens.clinician), payload: { ...current, status: 'completed' } })).statusCode).toBe(200);
      expect((await put(await restoredFrom(s.spo2))).statusCode).toBe(200);
      expect((await get<ClinicalImpression>(`ClinicalImpression/${s.impression.id}`)).extension?.[0].valueCoding?.code).toBe('red');
      const tasks = await assessmentTasks(s.impression);
      expect(tasks.map((t) => [t.status, t.priority])).toEqual([['completed', 'routine']]);
    });

    it("another municipality's clinician may not restore it: nothing changes", async () => {
      const s = await redSubmission('2026-03-26');
      expect((await put(enteredInError(s.spo2))).statusCode).toBe(200);
      const res = await put(await restoredFrom(s.spo2), w.tokens.clinicianB);
      expect(res.statusCode).toBe(405);
      expect((await get<Observation>(`Observation/${s.spo2.id}`)).status).toBe('entered-in-error');
      const impression = await get<ClinicalImpression>(`ClinicalImpression/${s.impression.id}`);
      expect([impression.meta?.versionId, impression.extension?.[0].valueCoding?.code]).toEqual(['2', 'green']);
    });
  });

  it('the CapabilityStatement says what entered-in-error does', async () => {
    const statement = await get<CapabilityStatement>('metadata');
    const observation = statement.rest?.[0].resource?.find((r) => r.type === 'Observation');
    expect(observation?.documentation).toMatch(/entered-in-error/);
    expect(observation?.documentation).toMatch(/from entered-in-error back to final or amended or corrected triages it again/);
  });

  describe('a failed update changes nothing', () => {
    let s: Awaited<ReturnType<typeof redSubmission>>;
    beforeAll(async () => {
      s = await redSubmission('2026-03-13');
    });
    const unchanged = async () => {
      const observation = await get<Observation>(`Observation/${s.spo2.id}`);
      expect([observation.status, observation.meta?.versionId]).toEqual(['final', '1']);
      expect((await get<ClinicalImpression>(`ClinicalImpression/${s.impression.id}`)).meta?.versionId).toBe('1');
      const task = await get<Task>(`Task/${s.task.id}`);
      expect([task.priority, task.meta?.versionId]).toEqual(['asap', '1']);
      expect(await provenances(s.spo2)).toHaveLength(0);
    };

    it('an invalid resource (422)', async () => {
      const res = await put({ ...enteredInError(s.spo2), valueQuantity: { value: 'low' as unknown as number } });
      expect(res.statusCode).toBe(422);
      await unchanged();
    });

    it('a transaction whose other entry fails', async () => {
      const res = await inTransaction([
        { resource: enteredInError(s.spo2), request: { method: 'PUT', url: `Observation/${s.spo2.id}` } },
        { resource: enteredInError(s.pulse), request: { method: 'PUT', url: `Observation/${s.pulse.id}`, ifMatch: 'W/"7"' } },
      ]);
      expect(res.statusCode).toBe(412);
      await unchanged();
    });

    it("another municipality's clinician may not mark it (nothing changes)", async () => {
      const res = await put(enteredInError(s.spo2), w.tokens.clinicianB);
      // hidden from it: answered as a PUT to an id that does not exist (no update-as-create for token clients)
      expect(res.statusCode).toBe(405);
      await unchanged();
    });
  });
});
