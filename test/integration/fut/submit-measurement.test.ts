import { nonCprUuid } from '../../support/ids';
import type { Bundle, CapabilityStatement, ClinicalImpression, OperationDefinition, Provenance, Resource, Task } from '@medplum/fhirtypes';
import { futWorkflow, type FutWorkflow } from './fut-workflow';

/** FUT's system-level $submit-measurement, on Kolibri's submission path. */
describe('FUT $submit-measurement (http://ehealth.sundhed.dk/fhir/OperationDefinition/-s-submit-measurement)', () => {
  const u = nonCprUuid();
  let w: FutWorkflow;
  const created = (res: { json(): unknown }) => ((res.json() as Bundle).entry ?? []).map((e) => e.resource as Resource);

  beforeAll(async () => {
    w = await futWorkflow(u);
    await w.persistPlan();
  });
  afterAll(() => w.t.close());

  it('stores a FUT-shaped measurement, triages it like Kolibri\'s own submission and adds the server\'s Provenance', async () => {
    const obsUrl = `urn:uuid:${nonCprUuid()}`;
    const res = await w.submitFut(w.tokens.citizen, [{ fullUrl: obsUrl, resource: w.futObservation('NPU03011', '%', 84, '2026-03-04T08:30:00+01:00') }]);
    expect(res.statusCode).toBe(200);
    const [obs, impression, task, provenance] = created(res) as [Resource, ClinicalImpression, Task, Provenance];
    expect([obs.resourceType, impression.resourceType, task.resourceType, provenance.resourceType]).toEqual(['Observation', 'ClinicalImpression', 'Task', 'Provenance']);
    expect(task.priority).toBe('asap');
    expect(task.owner?.reference).toBe(`CareTeam/${w.ids.team}`);
    expect(provenance.target).toEqual([{ reference: `Observation/${obs.id}` }]);
    expect((obs as { subject?: { reference?: string } }).subject?.reference).toBe(`Patient/${w.ids.patient}`);
  });

  it('stores the client\'s Provenance of reuse with its target rewritten to the stored item', async () => {
    const obsUrl = `urn:uuid:${nonCprUuid()}`;
    const reuse = { resourceType: 'Provenance', target: [{ reference: obsUrl }], recorded: '2026-03-04T08:31:00+01:00', agent: [{ who: { reference: w.url(`Patient/${w.ids.patient}`) } }] };
    const res = await w.submitFut(w.tokens.sysA, [{ fullUrl: obsUrl, resource: w.futObservation('NPU21692', '/min', 72, '2026-03-04T08:30:00+01:00') }, { resource: reuse }]);
    expect(res.statusCode).toBe(200);
    const resources = created(res);
    expect(resources.map((r) => r.resourceType)).toEqual(['Observation', 'Provenance', 'ClinicalImpression', 'Task', 'Provenance']);
    expect((resources[1] as Provenance).target).toEqual([{ reference: `Observation/${resources[0].id}` }]);
    expect((resources[3] as Task).priority).toBe('routine');
  });

  it.each([
    ['a body that is not Parameters', () => ({ resourceType: 'Bundle', type: 'collection', entry: [] }), 400],
    ['an unknown parameter', () => ({ resourceType: 'Parameters', parameter: [{ name: 'measurements', resource: { resourceType: 'Bundle', type: 'collection' } }] }), 400],
    ['no measurement', () => ({ resourceType: 'Parameters', parameter: [] }), 400],
    ['measurement given as a Patient', () => ({ resourceType: 'Parameters', parameter: [{ name: 'measurement', resource: { resourceType: 'Patient' } }] }), 400],
    ['a Patient entry', () => bundleOf([{ resource: { resourceType: 'Patient' } }]), 400],
    ['an empty Bundle', () => bundleOf([]), 400],
    ['a preliminary Observation', () => bundleOf([{ resource: { ...w.futObservation('NPU03011', '%', 95, '2026-03-04T08:30:00+01:00'), status: 'preliminary' } }]), 422],
    ['a Provenance targeting no item of the Bundle', () => bundleOf([{ fullUrl: `urn:uuid:${nonCprUuid()}`, resource: w.futObservation('NPU03011', '%', 95, '2026-03-04T08:30:00+01:00') }, { resource: { resourceType: 'Provenance', target: [{ reference: `Observation/${nonCprUuid()}` }], recorded: '2026-03-04T08:31:00Z', agent: [{ who: { reference: `Patient/${w.ids.patient}` } }] } }]), 422],
    ['an Observation of another server', () => bundleOf([{ resource: { ...w.futObservation('NPU03011', '%', 95, '2026-03-04T08:30:00+01:00'), subject: { reference: `https://patient.example.org/fhir/Patient/${w.ids.patient}` } } }]), 422],
  ])('refuses %s with an OperationOutcome, storing nothing', async (_name, body, status) => {
    const before = await countTasks();
    const res = await w.call(w.tokens.sysA, 'POST', '/fhir/$submit-measurement', body());
    expect(res.statusCode).toBe(status);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(await countTasks()).toBe(before);
  });

  it("Kolibri's Patient/{id}/$submit-measurement takes Parameters.measurements as its OperationDefinition says, and refuses other names", async () => {
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: w.observation('NPU03011', '%', 95, '2026-03-04T09:30:00+01:00') }] };
    const ok = await w.call(w.tokens.citizen, 'POST', `/fhir/Patient/${w.ids.patient}/$submit-measurement`, { resourceType: 'Parameters', parameter: [{ name: 'measurements', resource: bundle }] });
    expect(ok.statusCode).toBe(200);
    expect(created(ok).map((r) => r.resourceType)).toEqual(['Observation', 'ClinicalImpression', 'Task']);
    const wrong = await w.call(w.tokens.citizen, 'POST', `/fhir/Patient/${w.ids.patient}/$submit-measurement`, { resourceType: 'Parameters', parameter: [{ name: 'measurement', resource: bundle }] });
    expect(wrong.statusCode).toBe(400);
    const definition = await w.call(w.tokens.sysA, 'GET', '/fhir/OperationDefinition/Patient-submit-measurement');
    expect((definition.json() as OperationDefinition).parameter?.filter((p) => p.use === 'in').map((p) => [p.name, p.type, p.min])).toEqual([['measurements', 'Bundle', 1]]);
  });

  it('serves its OperationDefinition and declares it at system level', async () => {
    const res = await w.call(w.tokens.sysA, 'GET', '/fhir/OperationDefinition/-s-submit-measurement');
    expect(res.statusCode).toBe(200);
    const def = res.json() as OperationDefinition;
    expect(def.url).toBe('http://ehealth.sundhed.dk/fhir/OperationDefinition/-s-submit-measurement');
    expect([def.system, def.type, def.instance]).toEqual([true, false, false]);
    expect(def.parameter?.filter((p) => p.use === 'in').map((p) => [p.name, p.type, p.min, p.max])).toEqual([['measurement', 'Bundle', 1, '1']]);
    const statement = (await w.call(w.tokens.sysA, 'GET', '/fhir/metadata')).json() as CapabilityStatement;
    expect(statement.rest?.[0].operation).toContainEqual({ name: 'submit-measurement', definition: def.url });
  });

  function bundleOf(entry: unknown[]) {
    return { resourceType: 'Parameters', parameter: [{ name: 'measurement', resource: { resourceType: 'Bundle', type: 'transaction', entry } }] };
  }
  async function countTasks(): Promise<number> {
    const { rows } = await w.t.pool.query<{ n: string }>("SELECT count(*) AS n FROM resource WHERE resource_type = 'Task' AND content::text LIKE $1", [`%Patient/${w.ids.patient}%`]);
    return Number(rows[0].n);
  }
});
