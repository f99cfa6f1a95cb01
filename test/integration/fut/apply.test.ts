import { nonCprUuid } from '../../support/ids';
import type { Bundle, CapabilityStatement, CarePlan, OperationDefinition, ServiceRequest } from '@medplum/fhirtypes';
import { futWorkflow, type FutWorkflow } from './fut-workflow';

/** FUT's $apply at instance and system level, on Kolibri's plan instantiation. */
describe('FUT $apply (PlanDefinition-i-apply and -s-apply)', () => {
  const u = nonCprUuid();
  let w: FutWorkflow;
  const plans = async () => ((await w.call(w.tokens.sysA, 'GET', `/fhir/CarePlan?subject=Patient/${w.ids.patient}`)).json().entry ?? []).length;

  beforeAll(async () => {
    w = await futWorkflow(u);
  });
  afterAll(() => w.t.close());

  it('GET PlanDefinition/{id}/$apply?episodeOfCare=<url> previews a transaction Bundle of the transient CarePlan and ServiceRequests, storing nothing', async () => {
    const res = await w.call(w.tokens.sysA, 'GET', `/fhir/PlanDefinition/kol-home-monitoring/$apply?episodeOfCare=${encodeURIComponent(w.url(`EpisodeOfCare/${w.ids.eoc}`))}`);
    expect(res.statusCode).toBe(200);
    const bundle = res.json() as Bundle;
    expect(bundle.type).toBe('transaction');
    expect(bundle.entry?.map((e) => [e.resource?.resourceType, e.request?.method])).toEqual([['CarePlan', 'POST'], ['ServiceRequest', 'POST'], ['ServiceRequest', 'POST'], ['ServiceRequest', 'POST'], ['ServiceRequest', 'POST']]);
    const plan = bundle.entry?.[0].resource as CarePlan;
    expect(plan.subject?.reference).toBe(`Patient/${w.ids.patient}`);
    // drafts, as FUT's $apply makes them: the clinician activates the plan and its activities
    expect(bundle.entry?.map((e) => (e.resource as { status?: string }).status)).toEqual(['draft', 'draft', 'draft', 'draft', 'draft']);
    expect(plan.activity?.map((a) => a.reference?.reference)).toEqual(bundle.entry?.slice(1).map((e) => e.fullUrl));
    expect(await plans()).toBe(0);
    // the preview is a transaction the client may POST as it is
    const posted = await w.call(w.tokens.sysA, 'POST', '/fhir', bundle);
    expect(posted.statusCode).toBe(200);
    expect(await plans()).toBe(1);
  });

  it('POST PlanDefinition/{id}/$apply with Parameters.episodeOfCare persists and answers the CarePlan', async () => {
    const before = await plans();
    const res = await w.call(w.tokens.sysA, 'POST', '/fhir/PlanDefinition/kol-home-monitoring/$apply', { resourceType: 'Parameters', parameter: [{ name: 'episodeOfCare', valueReference: { reference: w.url(`EpisodeOfCare/${w.ids.eoc}`) } }] });
    expect(res.statusCode).toBe(200);
    const plan = res.json() as CarePlan;
    expect(plan.resourceType).toBe('CarePlan');
    expect(plan.id).toBeDefined();
    expect(plan.careTeam).toEqual([{ reference: `CareTeam/${w.ids.team}` }]);
    expect(plan.status).toBe('draft');
    const sr = await w.call(w.tokens.sysA, 'GET', `/fhir/${plan.activity?.[0].reference?.reference}`);
    expect((sr.json() as ServiceRequest).subject?.reference).toBe(`Patient/${w.ids.patient}`);
    expect((sr.json() as ServiceRequest).status).toBe('draft');
    expect(await plans()).toBe(before + 1);
  });

  it('POST [base]/$apply with planDefinition (a reference or the canonical) persists; GET previews', async () => {
    const before = await plans();
    const episodeOfCare = { name: 'episodeOfCare', valueReference: { reference: `EpisodeOfCare/${w.ids.eoc}` } };
    const res = await w.call(w.tokens.sysA, 'POST', '/fhir/$apply', { resourceType: 'Parameters', parameter: [episodeOfCare, { name: 'planDefinition', valueReference: { reference: w.url('PlanDefinition/kol-home-monitoring') } }] });
    expect(res.statusCode).toBe(200);
    expect((res.json() as CarePlan).resourceType).toBe('CarePlan');
    const preview = await w.call(w.tokens.sysA, 'GET', `/fhir/$apply?planDefinition=${encodeURIComponent('https://kolibri.dk/fhir/PlanDefinition/kol-home-monitoring')}&episodeOfCare=EpisodeOfCare/${w.ids.eoc}`);
    expect(preview.statusCode).toBe(200);
    expect((preview.json() as Bundle).type).toBe('transaction');
    expect(await plans()).toBe(before + 1);
  });

  it("Kolibri's shape (subject, start, persist) still answers as before on the same URL", async () => {
    const res = await w.apply('');
    expect(res.statusCode).toBe(200);
    expect((res.json() as CarePlan).contained).toHaveLength(4); // SpO2, pulse, symptoms and the self-management questionnaire
  });

  it.each([
    ['GET', '/fhir/$apply?episodeOfCare=EpisodeOfCare/x', undefined, 400],
    ['GET', '/fhir/$apply?planDefinition=PlanDefinition/kol-home-monitoring&episodeOfCare=Patient/x', undefined, 400],
    ['GET', '/fhir/$apply?planDefinition=PlanDefinition/kol-home-monitoring&episodeOfCare=https://other.example/fhir/EpisodeOfCare/x', undefined, 400],
    ['GET', '/fhir/$apply?planDefinition=not-a-reference&episodeOfCare=EpisodeOfCare/x', undefined, 400],
    ['GET', '/fhir/$apply?planDefinition=https://nowhere.example/PlanDefinition/none&episodeOfCare=EpisodeOfCare/x', undefined, 404],
    ['POST', '/fhir/$apply', { resourceType: 'Parameters', parameter: [{ name: 'planDefinition', valueBoolean: true }] }, 400],
    ['POST', '/fhir/$apply', { resourceType: 'Bundle' }, 400],
    ['POST', '/fhir/PlanDefinition/kol-home-monitoring/$apply', { resourceType: 'Parameters', parameter: [{ name: 'episodeOfCare', valueReference: { reference: `EpisodeOfCare/${nonCprUuid()}` } }] }, 404],
  ])('%s %s (case %#) answers the 4xx with an OperationOutcome and stores nothing', async (method, url, body, status) => {
    const before = await plans();
    const res = await w.call(w.tokens.sysA, method as 'GET', url, body);
    expect(res.statusCode).toBe(status);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(await plans()).toBe(before);
  });

  it('serves both OperationDefinitions and declares them at their levels', async () => {
    const statement = (await w.call(w.tokens.sysA, 'GET', '/fhir/metadata')).json() as CapabilityStatement;
    expect(statement.rest?.[0].operation).toContainEqual({ name: 'apply', definition: 'http://ehealth.sundhed.dk/fhir/OperationDefinition/-s-apply' });
    const plan = statement.rest?.[0].resource?.find((r) => r.type === 'PlanDefinition');
    expect(plan?.operation).toEqual(expect.arrayContaining([
      { name: 'apply', definition: 'https://kolibri.dk/fhir/OperationDefinition/PlanDefinition-kolibri-apply' },
      { name: 'apply', definition: 'http://ehealth.sundhed.dk/fhir/OperationDefinition/PlanDefinition-i-apply' },
    ]));
    for (const [id, inputs] of [['PlanDefinition-i-apply', ['episodeOfCare']], ['-s-apply', ['planDefinition', 'episodeOfCare']]] as const) {
      const def = (await w.call(w.tokens.sysA, 'GET', `/fhir/OperationDefinition/${id}`)).json() as OperationDefinition;
      expect(def.parameter?.filter((p) => p.use === 'in').map((p) => p.name)).toEqual(inputs);
    }
  });
});
