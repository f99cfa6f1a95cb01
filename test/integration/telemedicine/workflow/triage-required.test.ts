import { nonCprUuid } from '../../../support/ids';
import type { Bundle, CapabilityStatement, Observation, OperationOutcome } from '@medplum/fhirtypes';
import { HISTORICAL_IMPORT_TAG } from '../../../../src/telemedicine/triage-required';
import { copdWorkflow, created, type CopdWorkflow } from './copd-workflow';

/**
 * A home measurement of a patient in home monitoring is triaged or not written: every plain
 * write route answers 422 naming Patient/{id}/$submit-measurement, and changes nothing.
 */
describe('no triage bypass: plain writes of home measurements are refused', () => {
  let w: CopdWorkflow;
  const u = nonCprUuid().slice(0, 8);
  let spo2: Observation;
  /** A plain (unprofiled) body weight Observation of `patient`: not a measurement code of any group. */
  const weight = (patient: string): Observation => ({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
    subject: { reference: `Patient/${patient}` },
    valueQuantity: { value: 80, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
  });

  beforeAll(async () => {
    w = await copdWorkflow(u);
    await w.persistPlan();
    spo2 = { ...w.observation('NPU03011', '%', 84, '2026-03-06T08:05:00+01:00') };
  });
  afterAll(() => w.t.close());

  const inject = (token: string, method: 'POST' | 'PUT' | 'PATCH', url: string, payload: unknown, headers: Record<string, string> = {}) =>
    w.t.app.inject({ method, url: `/fhir${url}`, headers: { ...w.as(token), ...headers }, payload: payload as object });
  const storedCount = async () => {
    const res = await w.t.app.inject({ method: 'GET', url: `/fhir/Observation?subject=Patient/${w.ids.patient}&code=NPU03011&_summary=count`, headers: w.as(w.tokens.sysA) });
    return (res.json() as Bundle).total;
  };
  const expectRefused = (res: { statusCode: number; json(): unknown }) => {
    expect(res.statusCode).toBe(422);
    const outcome = res.json() as OperationOutcome;
    expect(outcome.issue[0].code).toBe('business-rule');
    expect(outcome.issue[0].diagnostics).toContain(`POST Patient/${w.ids.patient}/$submit-measurement`);
  };

  it('POST /fhir/Observation by the citizen app, the clinician and the system client → 422; nothing stored', async () => {
    const before = await storedCount();
    for (const token of [w.tokens.citizen, w.tokens.clinician, w.tokens.sysA]) expectRefused(await inject(token, 'POST', '/Observation', spo2));
    expect(await storedCount()).toBe(before);
  });

  it('conditional create (If-None-Exist) → 422', async () => {
    expectRefused(await inject(w.tokens.citizen, 'POST', '/Observation', spo2, { 'if-none-exist': `identifier=urn:test|${u}` }));
  });

  it('PUT turning another Observation into a measurement → 422, the stored version unchanged', async () => {
    const made = await inject(w.tokens.sysA, 'POST', '/Observation', weight(w.ids.patient));
    expect(made.statusCode).toBe(201);
    const id = (made.json() as Observation).id;
    expectRefused(await inject(w.tokens.sysA, 'PUT', `/Observation/${id}`, { ...spo2, id }));
    const now = await w.t.app.inject({ method: 'GET', url: `/fhir/Observation/${id}`, headers: w.as(w.tokens.sysA) });
    expect((now.json() as Observation).meta?.versionId).toBe('1');
  });

  it('PATCH turning another Observation into a measurement → 422, the stored version unchanged', async () => {
    const made = await inject(w.tokens.sysA, 'POST', '/Observation', weight(w.ids.patient));
    expect(made.statusCode).toBe(201);
    const id = (made.json() as Observation).id;
    const patch = [{ op: 'replace', path: '/code/coding/0', value: { system: 'urn:oid:1.2.208.176.2.1', code: 'NPU03011' } }];
    expectRefused(await inject(w.tokens.sysA, 'PATCH', `/Observation/${id}`, patch, { 'content-type': 'application/json-patch+json' }));
    const now = await w.t.app.inject({ method: 'GET', url: `/fhir/Observation/${id}`, headers: w.as(w.tokens.sysA) });
    expect((now.json() as Observation).meta?.versionId).toBe('1');
  });

  it('a transaction with a measurement entry → 422 as a whole; its other entries are not written either', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Basic', code: { text: `marker-${u}` } }, request: { method: 'POST', url: 'Basic' } },
        { resource: spo2, request: { method: 'POST', url: 'Observation' } },
      ],
    };
    expectRefused(await inject(w.tokens.sysA, 'POST', '', bundle));
    const basic = await w.t.app.inject({ method: 'GET', url: `/fhir/Basic?code:text=marker-${u}&_summary=count`, headers: w.as(w.tokens.sysA) });
    expect((basic.json() as Bundle).total).toBe(0);
  });

  it('a batch: the measurement entry answers 422, the others are written', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: spo2, request: { method: 'POST', url: 'Observation' } },
        { resource: weight(w.ids.patient), request: { method: 'POST', url: 'Observation' } },
      ],
    };
    const res = await inject(w.tokens.citizen, 'POST', '', bundle);
    expect(res.statusCode).toBe(200);
    const entries = (res.json() as Bundle).entry ?? [];
    expect(entries.map((e) => e.response?.status?.split(' ')[0])).toEqual(['422', '201']);
    expect((entries[0].response?.outcome as OperationOutcome).issue[0].diagnostics).toContain(`Patient/${w.ids.patient}/$submit-measurement`);
  });

  it('a QuestionnaireResponse to a patient group Questionnaire → 422', async () => {
    const answers = {
      resourceType: 'QuestionnaireResponse',
      questionnaire: 'https://kolibri.dk/fhir/Questionnaire/kol-symptoms|1.0',
      status: 'completed',
      subject: { reference: `Patient/${w.ids.patient}` },
      authored: '2026-03-16T08:05:00+01:00',
      item: [
        { linkId: 'breathless', answer: [{ valueCoding: { system: 'https://kolibri.dk/fhir/CodeSystem/kol-answers', code: 'quite-a-lot' } }] },
        { linkId: 'sputum-colour-changed', answer: [{ valueBoolean: false }] },
      ],
    };
    const res = await inject(w.tokens.citizen, 'POST', '/QuestionnaireResponse', answers);
    expectRefused(res);
    expect((res.json() as OperationOutcome).issue[0].expression).toEqual(['QuestionnaireResponse.questionnaire']);
  });

  let submitted: Observation;
  it('$submit-measurement still stores and triages the same Observation', async () => {
    const res = await w.submit(w.tokens.citizen, [spo2]);
    expect(res.statusCode).toBe(200);
    submitted = created(res)[0] as Observation;
    expect(created(res).map((r) => r.resourceType)).toEqual(['Observation', 'ClinicalImpression', 'Task']);
  });

  it('an update of a submitted measurement may change its status, not its value', async () => {
    const path = `/Observation/${submitted.id}`;
    expectRefused(await inject(w.tokens.clinician, 'PUT', path, { ...submitted, valueQuantity: { ...submitted.valueQuantity, value: 97 } }));
    const amended = await inject(w.tokens.clinician, 'PUT', path, { ...submitted, status: 'amended' });
    expect(amended.statusCode).toBe(200);
  });

  it('historical import: a system client with the import tag writes untriaged; a citizen with the tag is refused', async () => {
    const imported = { ...spo2, meta: { tag: [HISTORICAL_IMPORT_TAG] } };
    const res = await inject(w.tokens.sysA, 'POST', '/Observation', imported);
    expect(res.statusCode).toBe(201);
    expectRefused(await inject(w.tokens.citizen, 'POST', '/Observation', imported));
  });

  it('a patient without an active episode of care is not in home monitoring: plain creates are stored', async () => {
    const patient = await inject(w.tokens.sysA, 'POST', '/Patient', { resourceType: 'Patient', name: [{ family: `Nomon${u}` }] });
    expect(patient.statusCode).toBe(201);
    const plain = { ...weight(patient.json().id), code: spo2.code, valueQuantity: spo2.valueQuantity };
    expect((await inject(w.tokens.sysA, 'POST', '/Observation', plain)).statusCode).toBe(201);
  });

  it('the CapabilityStatement says so on Observation and QuestionnaireResponse', async () => {
    const res = await w.t.app.inject({ method: 'GET', url: '/fhir/metadata' });
    const resources = (res.json() as CapabilityStatement).rest?.[0].resource ?? [];
    for (const type of ['Observation', 'QuestionnaireResponse']) {
      expect(resources.find((r) => r.type === type)?.documentation).toContain('Patient/{id}/$submit-measurement');
    }
    expect(resources.find((r) => r.type === 'Patient')?.documentation ?? '').not.toContain('historical-import');
  });

  it("another municipality's client: a hidden patient answers as a nonexistent one", async () => {
    const about = (patient: string) => ({ ...spo2, subject: { reference: `Patient/${patient}` } });
    const hidden = await inject(w.tokens.sysB, 'POST', '/Observation', about(w.ids.patient));
    const missing = await inject(w.tokens.sysB, 'POST', '/Observation', about(`nobody-${u}`));
    expect(hidden.statusCode).toBe(missing.statusCode);
    expect(hidden.statusCode).not.toBe(422);
    expect((hidden.json() as OperationOutcome).issue[0].code).toBe((missing.json() as OperationOutcome).issue[0].code);
    expect(hidden.body).not.toContain('submit-measurement');
  });
});
