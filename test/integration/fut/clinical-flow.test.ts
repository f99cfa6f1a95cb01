import { nonCprUuid } from '../../support/ids';
import type { Bundle, CapabilityStatement, CarePlan, EpisodeOfCare, OperationDefinition, Parameters, Patient, Resource } from '@medplum/fhirtypes';
import * as fhir from '../../../src/telemedicine/seed/resources';
import { futWorkflow, type FutWorkflow } from './fut-workflow';

/** FUT's enrolment and care-team operations, $get-patient-procedures and Patient/$createPatient. */
describe('FUT clinical-flow operations', () => {
  const u = nonCprUuid();
  let w: FutWorkflow;
  const params = (...parameter: object[]) => ({ resourceType: 'Parameters', parameter });
  const ref = (name: string, reference: string) => ({ name, valueReference: { reference } });
  const ids = { team2: `team2-${u}`, plan: `plan-${u}`, patient2: `pat2-${u}` };

  beforeAll(async () => {
    w = await futWorkflow(u);
    await w.persistPlan();
    await w.seed([
      { ...fhir.careTeam(ids.team2, 'KOL-team 2', w.ids.orgA), reasonCode: [{ coding: [{ system: fhir.SYSTEMS.sks, code: 'DJ44' }] }] },
      { resourceType: 'CarePlan', id: ids.plan, status: 'active', intent: 'plan', subject: { reference: `Patient/${w.ids.patient}` }, addresses: [{ reference: `Condition/${w.ids.cond}` }], extension: [{ url: 'https://kolibri.dk/fhir/StructureDefinition/ext-episode-of-care', valueReference: { reference: `EpisodeOfCare/${w.ids.eoc}` } }] },
    ]);
  });
  afterAll(() => w.t.close());

  describe('EpisodeOfCare/{id}/$is-context-allowed', () => {
    const ask = (token: string, body: object) => w.call(token, 'POST', `/fhir/EpisodeOfCare/${w.ids.eoc}/$is-context-allowed`, body);
    it("allows the episode's care team (the clinician token's own by default) and the episode's patient", async () => {
      const own = await ask(w.tokens.clinician, params());
      expect(own.statusCode).toBe(200);
      expect((own.json() as Parameters).parameter).toEqual([ref('CareTeam', `CareTeam/${w.ids.team}`), ref('EpisodeOfCare', `EpisodeOfCare/${w.ids.eoc}`)]);
      const patient = await ask(w.tokens.sysA, params(ref('patient', w.url(`Patient/${w.ids.patient}`))));
      expect(patient.statusCode).toBe(200);
      expect((patient.json() as Parameters).parameter?.[0]).toEqual(ref('patient', `Patient/${w.ids.patient}`));
    });
    it('refuses a care team without part in the episode (403) and bad input (400), with OperationOutcomes', async () => {
      const other = await ask(w.tokens.sysA, params(ref('careTeam', `CareTeam/${ids.team2}`)));
      expect(other.statusCode).toBe(403);
      expect(other.json().resourceType).toBe('OperationOutcome');
      const notPatient = await ask(w.tokens.sysA, params(ref('patient', `Patient/${nonCprUuid()}`)));
      expect(notPatient.statusCode).toBe(403);
      const wrongType = await ask(w.tokens.sysA, params(ref('careTeam', `Patient/${w.ids.patient}`)));
      expect(wrongType.statusCode).toBe(400);
      const neither = await ask(w.tokens.sysA, params());
      expect(neither.statusCode).toBe(400);
    });
  });

  describe('$create-episode-of-care', () => {
    const bundle = (episode: object = {}, provenance: object = {}, extra: object[] = []) => {
      const eoc = `urn:uuid:${nonCprUuid()}`;
      const cond = `urn:uuid:${nonCprUuid()}`;
      return params({
        name: 'episodeOfCareAndProvenances',
        resource: {
          resourceType: 'Bundle',
          type: 'collection',
          entry: [
            { fullUrl: eoc, resource: { resourceType: 'EpisodeOfCare', status: 'planned', patient: { reference: w.url(`Patient/${w.ids.patient}`) }, managingOrganization: { reference: `Organization/${w.ids.orgA}` }, team: [{ reference: `CareTeam/${w.ids.team}` }], diagnosis: [{ condition: { reference: cond } }], ...episode } },
            { fullUrl: cond, resource: { resourceType: 'Condition', subject: { reference: `Patient/${w.ids.patient}` }, code: { coding: [{ system: fhir.SYSTEMS.sks, code: 'DJ44' }] } } },
            { resource: { resourceType: 'Provenance', target: [{ reference: eoc }], recorded: '2026-03-01T10:00:00Z', policy: ['http://ehealth.sundhed.dk/policy/dk/sundhedsloven'], agent: [{ who: { reference: `Organization/${w.ids.orgA}` } }], ...provenance } },
            ...extra,
          ],
        },
      });
    };
    it('creates the episode, its condition, the Provenance and an origin Provenance in one transaction', async () => {
      const res = await w.call(w.tokens.sysA, 'POST', '/fhir/$create-episode-of-care', bundle());
      expect(res.statusCode).toBe(200);
      const created = ((res.json() as Bundle).entry ?? []).map((e) => e.resource as Resource);
      expect(created.map((r) => r.resourceType)).toEqual(['EpisodeOfCare', 'Condition', 'Provenance', 'Provenance']);
      expect((created[0] as EpisodeOfCare).diagnosis?.[0].condition?.reference).toBe(`Condition/${created[1].id}`);
      expect((created[3] as { target: unknown }).target).toEqual([{ reference: `EpisodeOfCare/${created[0].id}` }]);
    });
    it.each([
      ['an active episode', () => bundle({ status: 'active' }), 422],
      ['no privacy policy', () => bundle({}, { policy: ['http://example.org/other'] }), 422],
      ['a Provenance not targeting the episode', () => bundle({}, { target: [{ reference: 'urn:uuid:other' }] }), 422],
      ['two episodes', () => bundle({}, {}, [{ resource: { resourceType: 'EpisodeOfCare', status: 'planned', patient: { reference: `Patient/${w.ids.patient}` } } }]), 400],
      ['a Patient entry', () => bundle({}, {}, [{ resource: { resourceType: 'Patient' } }]), 400],
      ['a nonexistent patient', () => bundle({ patient: { reference: `Patient/${nonCprUuid()}` } }), 404],
    ])('refuses %s with an OperationOutcome, creating nothing', async (_name, body, status) => {
      const count = async () => ((await w.call(w.tokens.sysA, 'GET', `/fhir/EpisodeOfCare?patient=Patient/${w.ids.patient}`)).json().entry ?? []).length;
      const before = await count();
      const res = await w.call(w.tokens.sysA, 'POST', '/fhir/$create-episode-of-care', body());
      expect(res.statusCode).toBe(status);
      expect(res.json().resourceType).toBe('OperationOutcome');
      expect(await count()).toBe(before);
    });
  });

  describe('$update-care-teams', () => {
    it('adds and removes an EpisodeOfCare\'s care teams as the caller\'s update', async () => {
      const add = await w.call(w.tokens.sysA, 'POST', `/fhir/EpisodeOfCare/${w.ids.eoc}/$update-care-teams`, params(ref('addCareTeams', w.url(`CareTeam/${ids.team2}`))));
      expect(add.statusCode).toBe(200);
      expect((add.json() as EpisodeOfCare).team?.map((t) => t.reference)).toEqual([`CareTeam/${w.ids.team}`, `CareTeam/${ids.team2}`]);
      const remove = await w.call(w.tokens.sysA, 'POST', `/fhir/EpisodeOfCare/${w.ids.eoc}/$update-care-teams`, params(ref('removeCareteams', `CareTeam/${ids.team2}`)));
      expect((remove.json() as EpisodeOfCare).team?.map((t) => t.reference)).toEqual([`CareTeam/${w.ids.team}`]);
    });
    it("adds a CarePlan's care team", async () => {
      const res = await w.call(w.tokens.sysA, 'POST', `/fhir/CarePlan/${ids.plan}/$update-care-teams`, params(ref('addCareTeams', `CareTeam/${ids.team2}`)));
      expect(res.statusCode).toBe(200);
      expect((res.json() as CarePlan).careTeam).toEqual([{ reference: `CareTeam/${ids.team2}` }]);
    });
    it.each([
      ['no change', params(), 400],
      ['a nonexistent care team', params(ref('addCareTeams', `CareTeam/${nonCprUuid()}`)), 422],
      ['a reference that is no care team', params(ref('addCareTeams', `Patient/${nonCprUuid()}`)), 400],
    ])('refuses %s with an OperationOutcome', async (_name, body, status) => {
      const res = await w.call(w.tokens.sysA, 'POST', `/fhir/EpisodeOfCare/${w.ids.eoc}/$update-care-teams`, body);
      expect(res.statusCode).toBe(status);
      expect(res.json().resourceType).toBe('OperationOutcome');
    });
  });

  describe('CarePlan/{id}/$suggest-care-teams', () => {
    const suggest = (body: object) => w.call(w.tokens.sysA, 'POST', `/fhir/CarePlan/${ids.plan}/$suggest-care-teams`, body);
    it('suggests the teams treating every addressed condition in the municipality, with their organizations', async () => {
      const res = await suggest(params({ name: 'municipalityCode', valueString: '0851' }));
      expect(res.statusCode).toBe(200);
      const entries = (res.json() as Bundle).entry ?? [];
      expect(entries.filter((e) => e.search?.mode === 'match').map((e) => e.resource?.id)).toEqual([ids.team2]);
      expect(entries.filter((e) => e.search?.mode === 'include').map((e) => e.resource?.id)).toEqual([w.ids.orgA]);
      const elsewhere = await suggest(params({ name: 'municipalityCode', valueString: '0101' }));
      expect((elsewhere.json() as Bundle).entry ?? []).toEqual([]);
    });
    it('refuses a request without region or municipality (400)', async () => {
      const res = await suggest(params());
      expect(res.statusCode).toBe(400);
      expect(res.json().resourceType).toBe('OperationOutcome');
    });
  });

  describe('[base]/$get-patient-procedures', () => {
    it("answers FUT's shape: the CarePlans, ServiceRequests and one item per slot", async () => {
      const res = await w.call(w.tokens.clinician, 'POST', '/fhir/$get-patient-procedures', params(ref('patient', w.url(`Patient/${w.ids.patient}`)), { name: 'start', valueDateTime: '2026-03-02T00:00:00+01:00' }, { name: 'end', valueDateTime: '2026-03-02T23:00:00+01:00' }, { name: 'extra', valueBoolean: true }));
      expect(res.statusCode).toBe(200);
      const entries = (res.json() as Bundle).entry ?? [];
      const items = (entries.find((e) => e.resource?.resourceType === 'Parameters')?.resource as Parameters).parameter ?? [];
      expect(items.length).toBeGreaterThan(0);
      const spo2 = items.find((i) => i.part?.find((p) => p.name === 'ServiceRequest')?.valueReference?.reference === `ServiceRequest/${w.sr.NPU03011}`);
      expect(spo2?.part?.find((p) => p.name === 'ResolvedTimingStart')?.valueDateTime).toBe('2026-03-02T08:00:00+01:00');
      expect(entries.some((e) => e.resource?.resourceType === 'CarePlan')).toBe(true);
    });
    it.each([
      ['no start', params(ref('patient', `Patient/${nonCprUuid()}`), { name: 'end', valueDateTime: '2026-03-02T00:00:00Z' }), 400],
      ['a nonexistent patient', params(ref('patient', `Patient/${nonCprUuid()}`), { name: 'start', valueDateTime: '2026-03-02T00:00:00Z' }, { name: 'end', valueDateTime: '2026-03-02T00:00:00Z' }), 404],
      ['end before start', params(ref('patient', `Patient/${nonCprUuid()}`), { name: 'start', valueDateTime: '2026-03-05T00:00:00Z' }, { name: 'end', valueDateTime: '2026-03-02T00:00:00Z' }), 400],
    ])('refuses %s with an OperationOutcome', async (_name, body, status) => {
      const res = await w.call(w.tokens.sysA, 'POST', '/fhir/$get-patient-procedures', body);
      expect(res.statusCode).toBe(status);
      expect(res.json().resourceType).toBe('OperationOutcome');
    });
  });

  describe('Patient/$createPatient', () => {
    const crn = (value: string, system = 'urn:oid:1.2.208.176.1.2') => params({ name: 'crn', valueIdentifier: { system, value } });
    it('returns the patient the caller reaches by CPR, else creates one (then finds it)', async () => {
      const known = await w.call(w.tokens.sysA, 'POST', '/fhir/Patient/$createPatient', crn('0101521234'));
      expect(known.statusCode).toBe(200);
      expect((known.json() as Patient).id).toBe(w.ids.patient);
      const cpr = `0${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;
      const created = await w.call(w.tokens.sysA, 'POST', '/fhir/Patient/$createPatient', crn(cpr));
      expect(created.statusCode).toBe(201);
      const again = await w.call(w.tokens.sysA, 'POST', '/fhir/Patient/$createPatient', crn(cpr));
      expect([again.statusCode, (again.json() as Patient).id]).toEqual([200, (created.json() as Patient).id]);
    });
    it.each([
      ['another identifier system', crn('0101521234', 'urn:example'), 400],
      ['a CPR that is not 10 digits', crn('12345'), 400],
      ['no crn', params(), 400],
    ])('refuses %s with an OperationOutcome', async (_name, body, status) => {
      const res = await w.call(w.tokens.sysA, 'POST', '/fhir/Patient/$createPatient', body);
      expect(res.statusCode).toBe(status);
      expect(res.json().resourceType).toBe('OperationOutcome');
    });
  });

  it('serves the six OperationDefinitions and declares each at its level', async () => {
    const statement = (await w.call(w.tokens.sysA, 'GET', '/fhir/metadata')).json() as CapabilityStatement;
    const rest = statement.rest?.[0];
    const at = (type: string) => rest?.resource?.find((r) => r.type === type)?.operation?.map((o) => o.definition) ?? [];
    const base = 'http://ehealth.sundhed.dk/fhir/OperationDefinition/';
    expect(rest?.operation?.map((o) => o.definition)).toEqual(expect.arrayContaining([`${base}-s-create-episode-of-care`, `${base}-s-get-patient-procedures`]));
    expect(at('EpisodeOfCare')).toEqual(expect.arrayContaining([`${base}EpisodeOfCare-i-is-context-allowed`, `${base}CarePlanEpisodeOfCare-i-update-care-teams`]));
    expect(at('CarePlan')).toEqual(expect.arrayContaining([`${base}CarePlan-i-suggest-care-teams`, `${base}CarePlanEpisodeOfCare-i-update-care-teams`]));
    expect(at('Patient')).toContain(`${base}ehealth-patient-create`);
    for (const id of ['-s-create-episode-of-care', '-s-get-patient-procedures', 'EpisodeOfCare-i-is-context-allowed', 'CarePlanEpisodeOfCare-i-update-care-teams', 'CarePlan-i-suggest-care-teams', 'ehealth-patient-create']) {
      const res = await w.call(w.tokens.sysA, 'GET', `/fhir/OperationDefinition/${id}`);
      expect([id, res.statusCode]).toEqual([id, 200]);
      expect((res.json() as OperationDefinition).url).toBe(`${base}${id}`);
    }
  });
});
