import { nonCprUuid } from '../../../support/ids';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, ClinicalImpression, Condition, Observation, Questionnaire, QuestionnaireResponse, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { loadTemplates } from '../../../../src/telemedicine/template-loader';
import * as fhir from '../../../../src/telemedicine/seed/resources';
import { createTestApp, type TestApp } from '../../../support/app';
import { accessToken, registerVendorApp } from '../../auth/vendor-app';
import { created, PROFILES } from './copd-workflow';

/**
 * The patient groups shipped as content (fhir-profiles/groups/): one citizen enrolled in each new
 * group (a Condition with the group's diagnosis, accepted by the diagnoses binding only because
 * the group is installed; an EpisodeOfCare; the group's PlanDefinition `$apply`'d with
 * persist=true), then a red value submitted through `$submit-measurement` with the citizen's token:
 * a red ClinicalImpression and an asap Task for the care team.
 */
const SKS = 'urn:oid:1.2.208.176.2.4';
const NPU = 'urn:oid:1.2.208.176.2.1';
const EPISODE = 'https://kolibri.dk/fhir/StructureDefinition/ext-episode-of-care';
const AT = '2026-03-02T08:10:00+01:00';

interface Enrolled {
  patient: string;
  episode: string;
  citizen: string;
  /** ServiceRequest ids by the first code of their regime. */
  sr: Record<string, string>;
}

describe('patient groups: enrol through $apply and triage a red value, one citizen per group', () => {
  const u = nonCprUuid().slice(0, 8);
  let t: TestApp;
  let sys: string;
  const org = `org-${u}`;
  const team = `team-${u}`;
  const as = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' });

  beforeAll(async () => {
    t = await createTestApp({ auth: 'on' });
    await loadTemplates(t.services.interactions, [PROFILES]);
    await t.services.store.transaction(async (tx) => {
      for (const r of [fhir.municipalityOrganization(org, '0851', 'Aalborg Kommune', `region-${u}`), fhir.careTeam(team, 'Telemedicinsk team', org)] as Resource[]) await tx.update(r, { allowCreate: true });
    });
    sys = await accessToken(t, await registerVendorApp(t, { organization: `Organization/${org}`, scopes: ['system/*.cruds'] }), 'system/*.cruds');
  });
  afterAll(() => t.close());

  let diabetesPatient = '';
  const condition = (id: string, patient: string, code: string): Condition => ({
    resourceType: 'Condition',
    id,
    meta: { profile: ['https://kolibri.dk/fhir/StructureDefinition/kolibri-condition'] },
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    code: { coding: [{ system: SKS, code }] },
    subject: { reference: `Patient/${patient}` },
  });

  /** A patient with the diagnosis, an active episode of the team, the plan applied and persisted, and a citizen token. */
  async function enrol(diagnosis: string, plan: string, cpr: string): Promise<Enrolled> {
    const made = await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: as(sys), payload: { ...fhir.patient('new', cpr, 'Hansen', 'Mette', 'female', '1990-01-01'), id: undefined } });
    expect(made.statusCode).toBe(201);
    const patient = made.json().id as string;
    const cond = await t.app.inject({ method: 'POST', url: '/fhir/Condition', headers: as(sys), payload: { ...condition('new', patient, diagnosis), id: undefined } });
    expect(cond.statusCode).toBe(201);
    const eocBody = { ...fhir.episodeOfCare({ id: 'new', patientId: patient, conditionId: cond.json().id, organizationId: org, careTeamId: team, start: '2026-03-01' }), id: undefined };
    const eoc = await t.app.inject({ method: 'POST', url: '/fhir/EpisodeOfCare', headers: as(sys), payload: eocBody });
    expect(eoc.statusCode).toBe(201);
    const episode = eoc.json().id as string;
    const applied = await t.app.inject({ method: 'POST', url: `/fhir/PlanDefinition/${plan}/$apply?subject=Patient/${patient}&episodeOfCare=EpisodeOfCare/${episode}&start=2026-03-02&persist=true`, headers: as(sys) });
    expect(applied.statusCode).toBe(200);
    const sr: Record<string, string> = {};
    for (const e of (applied.json() as Bundle).entry ?? []) {
      const r = e.resource as ServiceRequest;
      if (r.resourceType === 'ServiceRequest') sr[r.code?.coding?.[0].code as string] = r.id as string;
    }
    const app = await registerVendorApp(t, { kind: 'citizen', organization: `Organization/${org}`, patient: `Patient/${patient}`, scopes: ['patient/*.cruds'] });
    const citizen = await accessToken(t, app, 'patient/Observation.cr patient/QuestionnaireResponse.cr patient/Patient.r', { claims: { patient: `Patient/${patient}` } });
    return { patient, episode, citizen, sr };
  }

  const observation = (e: Enrolled, code: string, unit: string, value: number): Observation => ({
    ...fhir.observation('ignored', e.patient, e.episode, e.sr[code], { code, display: code, unit, thresholds: [] }, value, AT),
    id: undefined,
  });

  const bloodPressure = (e: Enrolled, systolic: number, diastolic: number): Observation => {
    const { valueQuantity: _none, ...base } = observation(e, 'DNK05472', 'mm[Hg]', systolic);
    const c = (code: string, value: number) => ({ code: { coding: [{ system: NPU, code }] }, valueQuantity: { value, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } });
    return { ...base, code: { coding: [{ system: NPU, code: 'DNK05472' }, { system: NPU, code: 'DNK05473' }] }, component: [c('DNK05472', systolic), c('DNK05473', diastolic)] };
  };

  /** Every required choice answered green, except `linkId` answered with `code`. */
  const answers = (e: Enrolled, group: string, questionnaireId: string, linkId: string, code: string): QuestionnaireResponse => {
    const questionnaire = JSON.parse(readFileSync(join(PROFILES, 'groups', group, `questionnaire-${questionnaireId}.json`), 'utf8')) as Questionnaire;
    const item = (questionnaire.item ?? [])
      .filter((i) => i.type === 'choice')
      .map((i) => {
        const option = i.answerOption?.find((o) => (i.linkId === linkId ? o.valueCoding?.code === code : o.extension?.[0].valueCoding?.code === 'green'));
        return { linkId: i.linkId, answer: [{ valueCoding: option?.valueCoding }] };
      });
    return {
      resourceType: 'QuestionnaireResponse',
      meta: { profile: ['https://kolibri.dk/fhir/StructureDefinition/kolibri-questionnaireresponse'] },
      extension: [{ url: EPISODE, valueReference: { reference: `EpisodeOfCare/${e.episode}` } }],
      basedOn: [{ reference: `ServiceRequest/${e.sr['445988008']}` }],
      questionnaire: `${questionnaire.url}|${questionnaire.version}`,
      status: 'completed',
      subject: { reference: `Patient/${e.patient}` },
      authored: AT,
      source: { reference: `Patient/${e.patient}` },
      item,
    };
  };

  async function submitRed(e: Enrolled, items: Resource[]): Promise<{ impression: ClinicalImpression; task: Task; findings: string[] }> {
    const res = await t.app.inject({ method: 'POST', url: `/fhir/Patient/${e.patient}/$submit-measurement`, headers: as(e.citizen), payload: { resourceType: 'Bundle', type: 'collection', entry: items.map((resource) => ({ resource })) } });
    expect(res.statusCode).toBe(200);
    const written = created(res);
    const impression = written[items.length] as ClinicalImpression;
    const task = written[items.length + 1] as Task;
    expect(impression.extension?.[0].valueCoding?.code).toBe('red');
    expect(task).toMatchObject({ priority: 'asap', owner: { reference: `CareTeam/${team}` }, focus: { reference: `ClinicalImpression/${impression.id}` } });
    return { impression, task, findings: (impression.finding ?? []).map((f) => `${f.extension?.[0].valueCoding?.code}: ${f.basis}`) };
  }

  it('diabetes (DE11): blood glucose 2.5 mmol/L is red', async () => {
    const e = await enrol('DE11', 'diabetes-home-monitoring', '0101901234');
    diabetesPatient = e.patient;
    expect(Object.keys(e.sr).sort()).toEqual(['445988008', 'DNK05472', 'NPU03804', 'NPU22089', 'semcd-6']);
    const { findings } = await submitRed(e, [observation(e, 'NPU22089', 'mmol/L', 2.5)]);
    expect(findings).toEqual(['red: NPU22089 2.5 mmol/L ≤ RAL low limit 2.9 mmol/L']);
  });

  it('pregnancy with complications (DO14): blood pressure 165/112 and urine protein 2+ are red', async () => {
    const e = await enrol('DO14', 'pregnancy-home-monitoring', '0202921234');
    expect(Object.keys(e.sr).sort()).toEqual(['445988008', 'DNK05472', 'NPU03804', 'NPU04206', 'semcd-6']);
    const { findings } = await submitRed(e, [bloodPressure(e, 165, 112), observation(e, 'NPU04206', '{grade}', 2)]);
    expect(findings).toEqual([
      'red: DNK05472 165 mm[Hg] ≥ RAL high limit 160 mm[Hg]; DNK05473 112 mm[Hg] ≥ RAL high limit 110 mm[Hg]',
      'red: NPU04206 2 {grade} ≥ RAL high limit 2 {grade}',
    ]);
  });

  it('inflammatory bowel disease (DK51): frank blood in the stool is red', async () => {
    const e = await enrol('DK51', 'ibd-home-monitoring', '0303931234');
    expect(Object.keys(e.sr).sort()).toEqual(['445988008', 'NPU03804', 'semcd-6']);
    const { findings } = await submitRed(e, [answers(e, 'ibd', 'ibd-symptoms', 'blood', 'frank')]);
    expect(findings[0]).toMatch(/^red: Er der blod i afføringen\?: Tydeligt blod ved de fleste toiletbesøg → red/);
  });

  it('wound care (DL97): fever is red; a photo is stored as a Media basedOn the photo regime', async () => {
    const e = await enrol('DL97', 'wound-home-monitoring', '0404941234');
    expect(Object.keys(e.sr).sort()).toEqual(['445988008', 'ZZ7011', 'semcd-6']);
    const { findings } = await submitRed(e, [answers(e, 'wound-care', 'wound-assessment', 'fever', 'yes')]);
    expect(findings[0]).toMatch(/^red: Har du feber over 38 °C eller kulderystelser\?: Ja → red/);
    const photo = {
      resourceType: 'Media',
      status: 'completed',
      basedOn: [{ reference: `ServiceRequest/${e.sr.ZZ7011}` }],
      subject: { reference: `Patient/${e.patient}` },
      createdDateTime: AT,
      content: { contentType: 'image/png', data: 'iVBORw0KGgo=' },
    };
    const stored = await t.app.inject({ method: 'POST', url: '/fhir/Media', headers: as(sys), payload: photo });
    expect(stored.statusCode).toBe(201);
    const found = await t.app.inject({ url: `/fhir/Media?based-on=ServiceRequest/${e.sr.ZZ7011}`, headers: as(sys) });
    expect(((found.json() as Bundle).entry ?? []).map((x) => x.resource?.id)).toEqual([stored.json().id]);
  });

  it('every plan asks for the self-management questionnaire (SEMCD-6) at enrolment and every 3 months; its answers are not triaged', async () => {
    const e = await enrol('DE10', 'diabetes-home-monitoring', '0505951234');
    const sr = (await t.app.inject({ url: `/fhir/ServiceRequest/${e.sr['semcd-6']}`, headers: as(sys) })).json() as ServiceRequest;
    expect(sr.occurrenceTiming?.repeat).toEqual({ frequency: 1, period: 3, periodUnit: 'mo', timeOfDay: ['08:00:00'], duration: 14, durationUnit: 'd', boundsPeriod: { start: '2026-03-02' } });
    const response = { ...fhir.selfManagementResponse('ignored', { patientId: e.patient, episodeId: e.episode, serviceRequestId: e.sr['semcd-6'], authored: AT, answers: [2, 3, 1, 2, 1, 2] }), id: undefined };
    const res = await t.app.inject({ method: 'POST', url: `/fhir/Patient/${e.patient}/$submit-measurement`, headers: as(e.citizen), payload: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: response }] } });
    expect(res.statusCode).toBe(200);
    const [stored, impression] = created(res) as [QuestionnaireResponse, ClinicalImpression];
    expect(stored.item?.map((i) => i.answer?.[0].valueInteger)).toEqual([2, 3, 1, 2, 1, 2]);
    expect(impression.extension?.[0].valueCoding?.code).toBe('green');
  });

  it('refuses a Condition whose diagnosis no installed group covers (the binding is the union of the groups)', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/fhir/Condition', headers: as(sys), payload: { ...condition('x', diabetesPatient, 'DJ45'), id: undefined } });
    expect(res.statusCode).toBe(422);
    expect(JSON.stringify(res.json())).toContain('https://kolibri.dk/fhir/ValueSet/diagnoses');
  });
});
