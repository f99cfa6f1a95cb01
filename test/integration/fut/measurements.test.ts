import { nonCprUuid } from '../../support/ids';
import type { Bundle, CapabilityStatement, ClinicalImpression, Observation, OperationDefinition, Resource, Task } from '@medplum/fhirtypes';
import { futWorkflow, type FutWorkflow } from './fut-workflow';

/** FUT's $search-measurements(-bundle-limit) and ClinicalImpression/$set-measurement-validity. */
describe('FUT measurement search and validity', () => {
  const u = nonCprUuid();
  let w: FutWorkflow;
  let spo2: string;
  let pulse: string;
  let task: string;

  beforeAll(async () => {
    w = await futWorkflow(u);
    await w.persistPlan();
    const res = await w.submitFut(w.tokens.citizen, [
      { fullUrl: `urn:uuid:${nonCprUuid()}`, resource: w.futObservation('NPU03011', '%', 84, '2026-03-04T08:30:00+01:00') },
      { fullUrl: `urn:uuid:${nonCprUuid()}`, resource: w.futObservation('NPU21692', '/min', 72, '2026-03-04T08:31:00+01:00') },
    ]);
    expect(res.statusCode).toBe(200);
    const created = ((res.json() as Bundle).entry ?? []).map((e) => e.resource as Resource);
    [spo2, pulse, task] = [created[0].id as string, created[1].id as string, created[3].id as string];
    const later = await w.submitFut(w.tokens.citizen, [{ resource: w.futObservation('NPU21692', '/min', 70, '2026-03-06T08:30:00+01:00') }]);
    expect(later.statusCode).toBe(200);
  });
  afterAll(() => w.t.close());

  const nested = (res: { json(): unknown }) => ((res.json() as Bundle).entry ?? []).map((e) => ((e.resource as Bundle).entry ?? []).map((x) => `${x.resource?.resourceType}/${x.resource?.id}`));
  const validity = (finding: string, extra: object = {}, item = `Observation/${spo2}`) => ({
    resourceType: 'Parameters',
    parameter: [{
      name: 'clinicalImpression',
      resource: {
        resourceType: 'ClinicalImpression',
        extension: [
          { url: 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare', valueReference: { reference: w.url(`EpisodeOfCare/${w.ids.eoc}`) } },
          ...(finding === 'measurement-invalidated' ? [{ url: 'http://ehealth.sundhed.dk/fhir/StructureDefinition/ehealth-clinicalimpression-decision', valueCodeableConcept: { coding: [{ system: 'http://ehealth.sundhed.dk/cs/clinicalimpression-decision-codes', code: 'invalidated-fulfills' }] } }] : []),
        ],
        status: 'completed',
        code: { coding: [{ system: 'http://ehealth.sundhed.dk/cs/clinicalimpression-codes', code: 'MeasurementValidityUpdate' }] },
        subject: { reference: w.url(`Patient/${w.ids.patient}`) },
        investigation: [{ code: { coding: [{ system: 'http://ehealth.sundhed.dk/cs/clinicalimpression-investigation-item-codes', code: 'item-for-investigation' }] }, item: [{ reference: w.url(`${item}/_history/1`) }, { reference: w.url(item) }] }],
        finding: [{ itemCodeableConcept: { coding: [{ system: 'http://ehealth.sundhed.dk/cs/clinicalimpression-finding-codes', code: finding }] } }],
        ...extra,
      },
    }],
  });

  it('$search-measurements-bundle-limit answers submissions as nested Bundles: oldest first from start, newest first to end, count of them', async () => {
    const params = (extra: object[]) => ({ resourceType: 'Parameters', parameter: [{ name: 'episodeOfCare', valueReference: { reference: w.url(`EpisodeOfCare/${w.ids.eoc}`) } }, ...extra] });
    const fromStart = await w.call(w.tokens.clinician, 'POST', '/fhir/$search-measurements-bundle-limit', params([{ name: 'start', valueDateTime: '2026-03-01T00:00:00Z' }, { name: 'count', valueInteger: 100 }]));
    expect(fromStart.statusCode).toBe(200);
    const groups = nested(fromStart);
    expect(groups).toHaveLength(2);
    expect(groups[0].filter((k) => k.startsWith('Observation/')).sort()).toEqual([`Observation/${spo2}`, `Observation/${pulse}`].sort());
    expect(groups[0].some((k) => k.startsWith('Provenance/'))).toBe(true);
    const newest = await w.call(w.tokens.clinician, 'GET', `/fhir/$search-measurements-bundle-limit?patient=Patient/${w.ids.patient}&end=2026-03-31T00:00:00Z&count=1`);
    expect(newest.statusCode).toBe(200);
    expect(nested(newest)).toHaveLength(1);
    expect(nested(newest)[0].some((k) => k === `Observation/${spo2}`)).toBe(false);
  });

  it('$search-measurements finds by patient and period, and filters by based-on', async () => {
    const search = (extra: object[]) => w.call(w.tokens.sysA, 'POST', '/fhir/$search-measurements', { resourceType: 'Parameters', parameter: [{ name: 'patient', valueReference: { reference: `Patient/${w.ids.patient}` } }, { name: 'period', valuePeriod: { start: '2026-03-04T00:00:00+01:00', end: '2026-03-05T00:00:00+01:00' } }, ...extra] });
    const res = await search([]);
    expect(res.statusCode).toBe(200);
    expect(nested(res)).toHaveLength(1);
    const pulseOnly = await search([{ name: 'based-on', valueReference: { reference: `ServiceRequest/${w.sr.NPU21692}` } }]);
    // the whole submission comes back, whichever of its items matched
    expect(nested(pulseOnly)).toHaveLength(1);
    const none = await search([{ name: 'based-on', valueReference: { reference: `ServiceRequest/${nonCprUuid()}` } }]);
    expect(nested(none)).toHaveLength(0);
  });

  it.each([
    ['search-measurements', { resourceType: 'Parameters', parameter: [{ name: 'patient', valueReference: { reference: 'Patient/x' } }] }, 400],
    ['search-measurements', { resourceType: 'Parameters', parameter: [{ name: 'period', valuePeriod: { start: '2026-03-01' } }] }, 400],
    ['search-measurements', { resourceType: 'Parameters', parameter: [{ name: 'period', valuePeriod: {} }, { name: 'patient', valueReference: { reference: 'Patient/x' } }] }, 400],
    ['search-measurements-bundle-limit', { resourceType: 'Parameters', parameter: [{ name: 'patient', valueReference: { reference: 'Patient/x' } }, { name: 'count', valueInteger: 101 }] }, 400],
    ['search-measurements-bundle-limit', { resourceType: 'Parameters', parameter: [{ name: 'patient', valueReference: { reference: 'Patient/x' } }] }, 400],
    ['search-measurements-bundle-limit', { resourceType: 'Parameters', parameter: [{ name: 'patient', valueReference: { reference: `Patient/${nonCprUuid()}` } }, { name: 'count', valueInteger: 5 }] }, 404],
  ])('$%s refuses bad input (case %#) with an OperationOutcome', async (op, body, status) => {
    const res = await w.call(w.tokens.sysA, 'POST', `/fhir/$${op}`, body);
    expect(res.statusCode).toBe(status);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('$set-measurement-validity invalidates: the measurement becomes entered-in-error, the submission is re-triaged, the ClinicalImpression names the assessor and the new version', async () => {
    const res = await w.call(w.tokens.clinician, 'POST', '/fhir/ClinicalImpression/$set-measurement-validity', validity('measurement-invalidated'));
    expect(res.statusCode).toBe(200);
    const ci = res.json() as ClinicalImpression;
    expect(ci.id).toBeDefined();
    expect(ci.assessor).toEqual({ reference: `Practitioner/${w.ids.nurse}` });
    expect(ci.investigation?.[1].item).toEqual([{ reference: `Observation/${spo2}/_history/2` }]);
    const obs = (await w.call(w.tokens.sysA, 'GET', `/fhir/Observation/${spo2}`)).json() as Observation;
    expect(obs.status).toBe('entered-in-error');
    const t = (await w.call(w.tokens.sysA, 'GET', `/fhir/Task/${task}`)).json() as Task;
    expect(t.priority).toBe('routine');
  });

  it('$set-measurement-validity retracts: the measurement is final again, its submission re-triaged with it (red, Task asap) and the invalidation entered-in-error; a second retraction has nothing to retract', async () => {
    const res = await w.call(w.tokens.clinician, 'POST', '/fhir/ClinicalImpression/$set-measurement-validity', validity('measurement-invalidation-retracted'));
    expect(res.statusCode).toBe(200);
    expect(((await w.call(w.tokens.sysA, 'GET', `/fhir/Observation/${spo2}`)).json() as Observation).status).toBe('final');
    // the submission is re-triaged with it again: red, its finding back, the open Task asap
    const t = (await w.call(w.tokens.sysA, 'GET', `/fhir/Task/${task}`)).json() as Task;
    expect([t.status, t.priority, t.input?.map((i) => i.valueReference?.reference).sort()]).toEqual(['requested', 'asap', [`Observation/${spo2}`, `Observation/${pulse}`].sort()]);
    const triage = (await w.call(w.tokens.sysA, 'GET', `/fhir/${t.focus?.reference}`)).json() as ClinicalImpression;
    expect([triage.status, triage.extension?.find((e) => e.url.endsWith('ext-triage-result'))?.valueCoding?.code]).toEqual(['completed', 'red']);
    expect(triage.finding?.find((f) => f.itemReference?.reference === `Observation/${spo2}`)?.extension?.[0].valueCoding?.code).toBe('red');
    const cis = (await w.call(w.tokens.sysA, 'GET', `/fhir/ClinicalImpression?investigation=Observation/${spo2}`)).json() as Bundle;
    expect(cis.entry?.map((e) => (e.resource as ClinicalImpression).status).sort()).toEqual(['completed', 'entered-in-error']);
    const again = await w.call(w.tokens.clinician, 'POST', '/fhir/ClinicalImpression/$set-measurement-validity', validity('measurement-invalidation-retracted', {}, `Observation/${pulse}`));
    expect(again.statusCode).toBe(422);
  });

  it.each([
    ['status not completed', () => validity('measurement-invalidated', { status: 'in-progress' }), 422],
    ['an invalidation without decision', () => { const v = validity('measurement-invalidated'); (v.parameter[0].resource.extension as unknown[]).pop(); return v; }, 422],
    ['an unknown finding', () => validity('measurement-ok'), 422],
    ['items naming two measurements', () => { const v = validity('measurement-invalidated'); v.parameter[0].resource.investigation[0].item.push({ reference: `Observation/${pulse}` }); return v; }, 400],
    ['an item that is not a measurement', () => validity('measurement-invalidated', {}, `Patient/${w.ids.patient}`), 400],
    ['a nonexistent measurement', () => validity('measurement-invalidated', {}, `Observation/${nonCprUuid()}`), 404],
    ['another patient as subject', () => validity('measurement-invalidated', { subject: { reference: `Patient/${nonCprUuid()}` } }), 422],
    ['no clinicalImpression', () => ({ resourceType: 'Parameters', parameter: [] }), 400],
  ])('$set-measurement-validity refuses %s with an OperationOutcome and changes nothing', async (_name, body, status) => {
    const before = ((await w.call(w.tokens.sysA, 'GET', `/fhir/Observation/${spo2}`)).json() as Observation).meta?.versionId;
    const res = await w.call(w.tokens.clinician, 'POST', '/fhir/ClinicalImpression/$set-measurement-validity', body());
    expect(res.statusCode).toBe(status);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(((await w.call(w.tokens.sysA, 'GET', `/fhir/Observation/${spo2}`)).json() as Observation).meta?.versionId).toBe(before);
  });

  it('serves the three OperationDefinitions and declares them at their levels', async () => {
    const statement = (await w.call(w.tokens.sysA, 'GET', '/fhir/metadata')).json() as CapabilityStatement;
    for (const id of ['-s-search-measurements', '-s-search-measurements-bundle-limit']) {
      expect(statement.rest?.[0].operation?.map((o) => o.definition)).toContain(`http://ehealth.sundhed.dk/fhir/OperationDefinition/${id}`);
    }
    const ci = statement.rest?.[0].resource?.find((r) => r.type === 'ClinicalImpression');
    expect(ci?.operation).toContainEqual({ name: 'set-measurement-validity', definition: 'http://ehealth.sundhed.dk/fhir/OperationDefinition/ClinicalImpression-t-set-measurement-validity' });
    const def = (await w.call(w.tokens.sysA, 'GET', '/fhir/OperationDefinition/-s-search-measurements-bundle-limit')).json() as OperationDefinition;
    expect(def.parameter?.filter((p) => p.use === 'in').map((p) => `${p.name}:${p.type}:${p.min}..${p.max}`)).toEqual(['patient:Reference:0..1', 'episodeOfCare:Reference:0..1', 'count:integer:1..1', 'start:dateTime:0..1', 'end:dateTime:0..1', 'based-on:Reference:0..*', '_tag:Coding:0..*']);
  });
});
