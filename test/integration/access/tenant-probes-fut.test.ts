import { nonCprUuid } from '../../support/ids';
import { futModule } from '../../../src/fut/module';
import { buildFixture, call, HIDDEN_KEYS, outsiders, refusedLikeMissing, report, runProbes, versionsOf, type Answer, type Fixture, type Probe } from './tenants';

/**
 * The FUT operations (src/fut/) probed across tenants: B's clients, the operator and a clinician
 * of A's other care team name A's patient, episode, measurement, care plan and care team where
 * the operations take them, and get the answer they get for ids that do not exist; nothing of A's
 * changes and nothing is added to A's record. Positive controls show A's own clients get through.
 */
describe('cross-tenant probes: FUT operations', () => {
  let f: Fixture;
  let before: Record<string, string>;
  let recordBefore: number;
  const watched = () => HIDDEN_KEYS.map((k) => f.a.ids[k]);
  /** Rows the write operations could add for A's patient. */
  const recordOfA = async () => {
    const { rows } = await f.t.pool.query<{ n: string }>("SELECT count(*) AS n FROM resource WHERE resource_type IN ('Task', 'ClinicalImpression', 'CarePlan', 'ServiceRequest', 'Observation', 'Provenance', 'EpisodeOfCare', 'Condition') AND content LIKE $1", [`%Patient/${f.a.ids.patient}"%`]);
    return Number(rows[0].n);
  };

  beforeAll(async () => {
    f = await buildFixture();
    await futModule().loadTemplates?.(f.t.services.interactions, []);
    before = await versionsOf(f.t, watched());
    recordBefore = await recordOfA();
  });
  afterAll(async () => f.t.close());

  const probers = () => [...outsiders(f), { name: 'A.otherTeamClinician', token: f.a.otherTeam.token }];
  const pair = (name: string, hiddenId: string, build: (id: string) => Promise<Answer>): Probe => refusedLikeMissing(f, name, hiddenId, build);
  const params = (...parameter: object[]) => ({ resourceType: 'Parameters', parameter });
  const ref = (name: string, reference: string) => ({ name, valueReference: { reference } });
  const measurement = (patient: string, episode: string, serviceRequest: string) =>
    params({
      name: 'measurement',
      resource: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{
          fullUrl: `urn:uuid:${nonCprUuid()}`,
          request: { method: 'POST', url: 'Observation' },
          resource: {
            resourceType: 'Observation',
            extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare', valueReference: { reference: `EpisodeOfCare/${episode}` } }],
            basedOn: [{ reference: `ServiceRequest/${serviceRequest}` }],
            status: 'final',
            code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'NPU03011' }] },
            subject: { reference: `Patient/${patient}` },
            effectiveDateTime: '2026-03-04T08:30:00+01:00',
            valueQuantity: { value: 84, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
          },
        }],
      },
    });
  const validity = (observation: string, patient: string) =>
    params({
      name: 'clinicalImpression',
      resource: {
        resourceType: 'ClinicalImpression',
        extension: [{ url: 'http://ehealth.sundhed.dk/fhir/StructureDefinition/ehealth-clinicalimpression-decision', valueCodeableConcept: { coding: [{ code: 'invalidated-fulfills' }] } }],
        status: 'completed',
        subject: { reference: `Patient/${patient}` },
        investigation: [{ code: { text: 'item-for-investigation' }, item: [{ reference: `Observation/${observation}` }] }],
        finding: [{ itemCodeableConcept: { coding: [{ code: 'measurement-invalidated' }] } }],
      },
    });

  const enrolment = (patient: string) =>
    params({
      name: 'episodeOfCareAndProvenances',
      resource: {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          { fullUrl: 'urn:uuid:7a0c5f4e-0000-4000-8000-000000000001', resource: { resourceType: 'EpisodeOfCare', status: 'planned', patient: { reference: `Patient/${patient}` }, managingOrganization: { reference: `Organization/${f.b.org}` } } },
          { resource: { resourceType: 'Provenance', target: [{ reference: 'urn:uuid:7a0c5f4e-0000-4000-8000-000000000001' }], recorded: '2026-03-01T10:00:00Z', policy: ['http://ehealth.sundhed.dk/policy/dk/sundhedsloven'], agent: [{ who: { reference: `Organization/${f.b.org}` } }] } },
        ],
      },
    });

  it("B's clients and A's other team get for A's ids what they get for nonexistent ones, and change nothing of A's", async () => {
    const a = f.a;
    const plan = f.defs.planDefinition.id;
    const probes: Probe[] = [];
    for (const p of probers()) {
      const post = (url: string, body: unknown) => call(f.t, p.token, 'POST', url, body);
      probes.push(pair(`${p.name}: POST $submit-measurement for A's patient`, a.ids.patient, (x) => post('/fhir/$submit-measurement', measurement(x, a.ids.episode, a.ids.serviceRequest))));
      probes.push(pair(`${p.name}: POST $submit-measurement in A's episode`, a.ids.episode, (x) => post('/fhir/$submit-measurement', measurement(a.ids.patient, x, a.ids.serviceRequest))));
      probes.push(pair(`${p.name}: GET PlanDefinition/$apply?episodeOfCare={A}`, a.ids.episode, (x) => call(f.t, p.token, 'GET', `/fhir/PlanDefinition/${plan}/$apply?episodeOfCare=EpisodeOfCare/${x}`)));
      probes.push(pair(`${p.name}: POST PlanDefinition/$apply episodeOfCare={A}`, a.ids.episode, (x) => post(`/fhir/PlanDefinition/${plan}/$apply`, params(ref('episodeOfCare', `EpisodeOfCare/${x}`)))));
      probes.push(pair(`${p.name}: POST $apply episodeOfCare={A}`, a.ids.episode, (x) => post('/fhir/$apply', params(ref('planDefinition', `PlanDefinition/${plan}`), ref('episodeOfCare', `EpisodeOfCare/${x}`)))));
      probes.push(pair(`${p.name}: POST ClinicalImpression/$set-measurement-validity on A's Observation`, a.ids.observation, (x) => post('/fhir/ClinicalImpression/$set-measurement-validity', validity(x, a.ids.patient))));
      probes.push(pair(`${p.name}: POST $search-measurements patient={A}`, a.ids.patient, (x) => post('/fhir/$search-measurements', params(ref('patient', `Patient/${x}`), { name: 'period', valuePeriod: { start: '2026-01-01' } }))));
      probes.push(pair(`${p.name}: POST $search-measurements episodeOfCare={A}`, a.ids.episode, (x) => post('/fhir/$search-measurements', params(ref('episodeOfCare', `EpisodeOfCare/${x}`), { name: 'period', valuePeriod: { start: '2026-01-01' } }))));
      probes.push(pair(`${p.name}: GET $search-measurements-bundle-limit patient={A}`, a.ids.patient, (x) => call(f.t, p.token, 'GET', `/fhir/$search-measurements-bundle-limit?patient=Patient/${x}&count=10`)));
      probes.push(pair(`${p.name}: POST EpisodeOfCare/{A}/$is-context-allowed`, a.ids.episode, (x) => post(`/fhir/EpisodeOfCare/${x}/$is-context-allowed`, params(ref('careTeam', `CareTeam/${f.b.ids.careTeam}`)))));
      probes.push(pair(`${p.name}: POST $create-episode-of-care for A's patient`, a.ids.patient, (x) => post('/fhir/$create-episode-of-care', enrolment(x))));
      probes.push(pair(`${p.name}: POST EpisodeOfCare/{A}/$update-care-teams`, a.ids.episode, (x) => post(`/fhir/EpisodeOfCare/${x}/$update-care-teams`, params(ref('addCareTeams', `CareTeam/${f.b.ids.careTeam}`)))));
      probes.push(pair(`${p.name}: POST CarePlan/{A}/$update-care-teams`, a.ids.carePlan, (x) => post(`/fhir/CarePlan/${x}/$update-care-teams`, params(ref('addCareTeams', `CareTeam/${f.b.ids.careTeam}`)))));
      probes.push(pair(`${p.name}: POST CarePlan/{A}/$suggest-care-teams`, a.ids.carePlan, (x) => post(`/fhir/CarePlan/${x}/$suggest-care-teams`, params({ name: 'municipalityCode', valueString: '0851' }))));
      probes.push(pair(`${p.name}: POST $get-patient-procedures patient={A}`, a.ids.patient, (x) => post('/fhir/$get-patient-procedures', params(ref('patient', `Patient/${x}`), { name: 'start', valueDateTime: '2026-03-02T00:00:00Z' }, { name: 'end', valueDateTime: '2026-03-03T00:00:00Z' }))));
      probes.push({
        name: `${p.name}: POST Patient/$createPatient with A's CPR answers as for an unknown CPR, never with A's Patient`,
        run: async () => {
          const hidden = await post('/fhir/Patient/$createPatient', params({ name: 'crn', valueIdentifier: { system: 'urn:oid:1.2.208.176.1.2', value: a.cpr } }));
          const fresh = await post('/fhir/Patient/$createPatient', params({ name: 'crn', valueIdentifier: { system: 'urn:oid:1.2.208.176.1.2', value: `9${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}` } }));
          if (hidden.body.includes(a.ids.patient)) return `answered with A's Patient: ${hidden.body.slice(0, 200)}`;
          return hidden.status === fresh.status ? undefined : `A's CPR answered ${hidden.status}, an unknown CPR ${fresh.status}`;
        },
      });
    }
    probes.push({
      name: "nothing of A's changed",
      run: async () => {
        const now = await versionsOf(f.t, watched());
        return JSON.stringify(now) === JSON.stringify(before) ? undefined : `versions changed: ${JSON.stringify(before)} → ${JSON.stringify(now)}`;
      },
    });
    probes.push({
      name: "nothing was added to A's patient's record",
      run: async () => {
        const now = await recordOfA();
        return now === recordBefore ? undefined : `A's patient's record grew from ${recordBefore} to ${now} rows`;
      },
    });
    report('FUT operation', probes.length, await runProbes(probes, 1));
  }, 180_000);

  it("A's own clients get through (positive controls)", async () => {
    const a = f.a;
    const search = await call(f.t, a.tokens.clinician, 'POST', '/fhir/$search-measurements', params(ref('patient', `Patient/${a.ids.patient}`), { name: 'period', valuePeriod: { start: '2026-01-01' } }));
    expect(search.status).toBe(200);
    expect(search.json().entry.length).toBeGreaterThan(0);
    const preview = await call(f.t, a.tokens.system, 'GET', `/fhir/PlanDefinition/${f.defs.planDefinition.id}/$apply?episodeOfCare=EpisodeOfCare/${a.ids.episode}`);
    expect(preview.status).toBe(200);
    const submitted = await call(f.t, a.tokens.citizen, 'POST', '/fhir/$submit-measurement', measurement(a.ids.patient, a.ids.episode, a.ids.serviceRequest));
    expect(submitted.status).toBe(200);
  });
});
