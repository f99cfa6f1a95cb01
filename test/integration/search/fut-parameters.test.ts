import { nonCprUuid } from '../../support/ids';
import type { Resource } from '@medplum/fhirtypes';
import { createTestApp, type TestApp } from '../../support/app';

/**
 * The national infrastructure's (FUT's) search parameter names, answered by Kolibri's own
 * definitions (fhir-profiles/fut-search): on Kolibri's data model (ext-episode-of-care,
 * Task.code and owner, Organization identifiers) and on resources shaped as FUT clients send them
 * (FUT's extensions). Also `_language`, `_list` and `_has`, which FUT declares on most types.
 */
const FUT = 'http://ehealth.sundhed.dk/fhir/StructureDefinition/';
const KOLIBRI_EPISODE = 'https://kolibri.dk/fhir/StructureDefinition/ext-episode-of-care';
const WORKFLOW_EPISODE = 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare';

describe("FUT's search parameters", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const create = async <R extends Resource>(resource: R): Promise<R & { id: string }> => {
    const res = await t.app.inject({ method: 'POST', url: `/fhir/${resource.resourceType}`, payload: resource, headers: { 'content-type': 'application/fhir+json' } });
    expect(res.statusCode).toBe(201);
    return res.json();
  };
  /** The ids a search finds (strict: an unknown parameter is a 400, not a silent no-op). */
  const found = async (url: string): Promise<string[]> => {
    const res = await t.app.inject({ method: 'GET', url: `/fhir/${url}`, headers: { prefer: 'handling=strict' } });
    expect(`${res.statusCode} ${url}`).toBe(`200 ${url}`);
    return ((res.json().entry ?? []) as Array<{ resource: { id: string } }>).map((e) => e.resource.id).sort();
  };
  const ref = (reference: string) => ({ reference });
  const ext = (url: string, value: Record<string, unknown>) => ({ url, ...value });

  it('episodeOfCare finds the resources of an episode, by Kolibri\'s extension and by the one FUT clients send', async () => {
    const episode = (await create({ resourceType: 'EpisodeOfCare', status: 'active', patient: ref(`Patient/${nonCprUuid()}`) })).id;
    const other = (await create({ resourceType: 'EpisodeOfCare', status: 'active', patient: ref(`Patient/${nonCprUuid()}`) })).id;
    const bodies: Record<string, Record<string, unknown>> = {
      Observation: { status: 'final', code: { text: 'SpO2' } },
      QuestionnaireResponse: { status: 'completed' },
      CarePlan: { status: 'active', intent: 'plan', subject: ref(`Patient/${nonCprUuid()}`) },
      Media: { status: 'completed', content: { contentType: 'image/jpeg' } },
      ClinicalImpression: { status: 'completed', subject: ref(`Patient/${nonCprUuid()}`) },
      Communication: { status: 'completed' },
      CommunicationRequest: { status: 'active' },
      Task: { status: 'requested', intent: 'order' },
    };
    for (const [type, body] of Object.entries(bodies)) {
      const kolibri = await create({ resourceType: type, ...body, extension: [ext(KOLIBRI_EPISODE, { valueReference: ref(`EpisodeOfCare/${episode}`) })] } as Resource);
      const fut = await create({ resourceType: type, ...body, extension: [ext(WORKFLOW_EPISODE, { valueReference: ref(`EpisodeOfCare/${episode}`) })] } as Resource);
      await create({ resourceType: type, ...body, extension: [ext(KOLIBRI_EPISODE, { valueReference: ref(`EpisodeOfCare/${other}`) })] } as Resource);
      const expected = [kolibri.id, fut.id].sort();
      expect(await found(`${type}?episodeOfCare=EpisodeOfCare/${episode}`)).toEqual(expected);
      expect(await found(`${type}?episodeOfCare=${episode}`)).toEqual(expected);
      expect(await found(`${type}?episodeOfCare:EpisodeOfCare.status=active&_id=${expected.join(',')}`)).toEqual(expected);
    }
    const task = await create({ resourceType: 'Task', status: 'requested', intent: 'order', extension: [ext(`${FUT}ehealth-task-episodeOfCare`, { valueReference: ref(`EpisodeOfCare/${other}`) })] } as Resource);
    expect(await found(`Task?episodeOfCare=${other}`)).toContain(task.id);
  });

  it('Task: category (Task.code), responsible (owner), carePlan, restriction-category', async () => {
    const team = nonCprUuid();
    const plan = (await create({ resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: ref(`Patient/${nonCprUuid()}`) })).id;
    const code = nonCprUuid();
    const kolibri = await create({ resourceType: 'Task', status: 'requested', intent: 'order', code: { coding: [{ system: 'urn:test', code }] }, owner: ref(`CareTeam/${team}`), basedOn: [ref(`CarePlan/${plan}`)] } as Resource);
    const fut = await create({
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      extension: [
        ext(`${FUT}ehealth-task-category`, { valueCodeableConcept: { coding: [{ system: 'urn:test', code }] } }),
        ext(`${FUT}ehealth-task-responsible`, { valueReference: ref(`CareTeam/${team}`) }),
        ext(`${FUT}ehealth-reference-careplan`, { valueReference: ref(`CarePlan/${plan}`) }),
        ext(`${FUT}ehealth-restriction-category`, { valueCodeableConcept: { coding: [{ system: 'urn:test', code: `r-${code}` }] } }),
      ],
    } as Resource);
    const both = [kolibri.id, fut.id].sort();
    expect(await found(`Task?category=urn:test|${code}`)).toEqual(both);
    expect(await found(`Task?responsible=CareTeam/${team}`)).toEqual(both);
    expect(await found(`Task?carePlan=CarePlan/${plan}`)).toEqual(both);
    expect(await found(`Task?restriction-category=r-${code}`)).toEqual([fut.id]);
  });

  const QUALITY = { system: 'https://kolibri.dk/fhir/CodeSystem/measurement-quality', code: 'assisted' };
  it('measurements: quality (Kolibri\'s and FUT\'s extension), resolved timing', async () => {
    const code = nonCprUuid();
    const kolibri = await create({ resourceType: 'Observation', status: 'final', code: { text: code }, extension: [ext('https://kolibri.dk/fhir/StructureDefinition/ext-measurement-quality', { valueCoding: QUALITY })] } as Resource);
    const fut = await create({
      resourceType: 'Observation',
      status: 'final',
      code: { text: code },
      extension: [
        { url: `${FUT}ehealth-quality`, extension: [ext('qualityCode', { valueCodeableConcept: { coding: [QUALITY] } }), ext('qualityType', { valueCodeableConcept: { coding: [{ system: 'urn:test', code: `t-${code}` }] } })] },
        {
          url: `${FUT}ehealth-resolved-timing`,
          extension: [ext('start', { valueDateTime: '2031-02-03T08:00:00Z' }), ext('end', { valueDateTime: '2031-02-03T12:00:00Z' }), ext('type', { valueCodeableConcept: { coding: [{ system: 'urn:test', code: `w-${code}` }] } }), ext('serviceRequestVersionId', { valueId: '7' })],
        },
      ],
    } as Resource);
    expect(await found(`Observation?code:text=${code}&qualityCode=${QUALITY.system}|${QUALITY.code}`)).toEqual([kolibri.id, fut.id].sort());
    expect(await found(`Observation?code:text=${code}&qualityCode=${QUALITY.system}|device`)).toEqual([]);
    expect(await found(`Observation?qualityType=t-${code}`)).toEqual([fut.id]);
    expect(await found(`Observation?resolvedTimingType=w-${code}&resolvedTimingStart=ge2031-02-03T07:00:00Z&resolvedTimingEnd=le2031-02-03T13:00:00Z&resolvedTimingServiceRequestVersionId=7`)).toEqual([fut.id]);
    expect(await found(`Observation?resolvedTimingType=w-${code}&resolvedTimingStart=gt2031-02-03T09:00:00Z`)).toEqual([]);
  });

  it('composites over FUT extensions: participant-function-actor, context-type-value', async () => {
    const team = nonCprUuid();
    const participant = (fn: string) => ({ url: `${FUT}ehealth-participant`, extension: [ext('function', { valueCoding: { system: 'urn:test', code: fn } }), ext('actor', { valueReference: ref(`CareTeam/${team}`) })] });
    const lead = await create({ resourceType: 'EpisodeOfCare', status: 'active', patient: ref(`Patient/${nonCprUuid()}`), extension: [participant('lead')] } as Resource);
    const helper = await create({ resourceType: 'EpisodeOfCare', status: 'active', patient: ref(`Patient/${nonCprUuid()}`), extension: [participant('helper')] } as Resource);
    expect(await found(`EpisodeOfCare?participant-actor=CareTeam/${team}`)).toEqual([lead.id, helper.id].sort());
    expect(await found(`EpisodeOfCare?participant-function-actor=urn:test|lead$CareTeam/${team}`)).toEqual([lead.id]);
    const use = nonCprUuid();
    const careTeam = await create({
      resourceType: 'CareTeam',
      extension: [{ url: `${FUT}ehealth-useContext`, valueUsageContext: { code: { system: 'http://terminology.hl7.org/CodeSystem/usage-context-type', code: 'focus' }, valueCodeableConcept: { coding: [{ system: 'urn:test', code: use }] } } }],
      reasonCode: [{ coding: [{ system: 'urn:test', code: `reason-${use}` }] }],
    } as Resource);
    expect(await found(`CareTeam?context=urn:test|${use}`)).toEqual([careTeam.id]);
    expect(await found(`CareTeam?context-type-value=focus$urn:test|${use}`)).toEqual([careTeam.id]);
    expect(await found(`CareTeam?context-type-value=gender$urn:test|${use}`)).toEqual([]);
    expect(await found(`CareTeam?reasonCode=reason-${use}`)).toEqual([careTeam.id]);
  });

  it('Organization: municipalityCode and regionCode from Kolibri\'s identifiers or FUT\'s extensions; Patient by CPR', async () => {
    const name = `Kommune ${nonCprUuid()}`;
    const kolibri = await create({ resourceType: 'Organization', name, identifier: [{ system: 'http://hl7.dk/fhir/core/CodeSystem/dk-core-municipality-codes', value: '0851' }, { system: 'urn:iso:std:iso:3166:-2', value: 'DK-81' }] } as Resource);
    const fut = await create({ resourceType: 'Organization', name, extension: [ext(`${FUT}ehealth-organization-municipalityCode`, { valueString: '0851' }), ext(`${FUT}ehealth-organization-cvrNumber`, { valueString: '29189420' })] } as Resource);
    expect(await found(`Organization?name:exact=${encodeURIComponent(name)}&municipalityCode=0851`)).toEqual([kolibri.id, fut.id].sort());
    expect(await found(`Organization?name:exact=${encodeURIComponent(name)}&regionCode=DK-81`)).toEqual([kolibri.id]);
    expect(await found(`Organization?name:exact=${encodeURIComponent(name)}&cvrNumber=29189420`)).toEqual([fut.id]);
    const cpr = String(Date.now()).slice(-10);
    const patient = await create({ resourceType: 'Patient', identifier: [{ system: 'urn:oid:1.2.208.176.1.2', value: cpr }] } as Resource);
    await create({ resourceType: 'Patient', identifier: [{ system: 'urn:test:other', value: cpr }] } as Resource);
    expect(await found(`Patient?patientCPRIdentifier=${cpr}`)).toEqual([patient.id]);
    expect(await found(`Patient?patientCPRIdentifierUnique=urn:oid:1.2.208.176.1.2|${cpr}`)).toEqual([patient.id]);
  });

  it('Communication: care team recipient and sender (Kolibri\'s recipient/sender or FUT\'s extensions), participant, thread', async () => {
    const team = nonCprUuid();
    const thread = nonCprUuid();
    const kolibri = await create({ resourceType: 'Communication', status: 'completed', recipient: [ref(`CareTeam/${team}`)], sender: ref(`Patient/${nonCprUuid()}`) } as Resource);
    const fut = await create({ resourceType: 'Communication', status: 'completed', extension: [ext(`${FUT}ehealth-communication-senderCareTeam`, { valueReference: ref(`CareTeam/${team}`) }), ext(`${FUT}ehealth-thread-id`, { valueString: thread })] } as Resource);
    expect(await found(`Communication?careTeamRecipient=CareTeam/${team}`)).toEqual([kolibri.id]);
    expect(await found(`Communication?recipientCareTeam=${team}`)).toEqual([kolibri.id]);
    expect(await found(`Communication?senderCareTeam=CareTeam/${team}`)).toEqual([fut.id]);
    expect(await found(`Communication?communicationParticipant=CareTeam/${team}`)).toEqual([kolibri.id, fut.id].sort());
    expect(await found(`Communication?threadId=${thread}`)).toEqual([fut.id]);
  });

  it("definitions and FUT's Basic profiles: modifier role, employee title, intended audience, action guidance, view", async () => {
    const org = nonCprUuid();
    const title = `Sygeplejerske ${nonCprUuid()}`;
    const modifier = { url: `${FUT}ehealth-modifier-role`, extension: [ext('reference', { valueReference: ref(`Organization/${org}`) }), ext('role', { valueCodeableConcept: { coding: [{ system: 'urn:test', code: 'owner' }] } })] };
    const plan = await create({ resourceType: 'PlanDefinition', status: 'draft', extension: [modifier, ext(`${FUT}ehealth-employee-title`, { valueString: title }), ext(`${FUT}ehealth-intendedAudience`, { valueReference: ref(`Organization/${org}`) })] } as Resource);
    expect(await found(`PlanDefinition?modifier_role_reference=Organization/${org}`)).toEqual([plan.id]);
    expect(await found(`PlanDefinition?modifier_role_reference=${org}&modifier_role_role=owner`)).toEqual([plan.id]);
    expect(await found(`PlanDefinition?employeeTitle=${encodeURIComponent(title)}`)).toEqual([plan.id]);
    expect(await found(`PlanDefinition?intendedAudience=${org}`)).toEqual([plan.id]);
    const target = `Questionnaire/${nonCprUuid()}`;
    const guidance = await create({
      resourceType: 'Basic',
      code: { coding: [{ system: 'urn:test', code: 'action-guidance' }] },
      extension: [
        modifier,
        ext(`${FUT}ehealth-actionguidance-type`, { valueCoding: { system: 'urn:test', code: 'instruction' } }),
        { url: `${FUT}ehealth-actionguidance-for`, extension: [ext('forType', { valueCoding: { system: 'urn:test', code: 'Questionnaire' } }), ext('forReference', { valueReference: ref(target) })] },
        ext(`${FUT}ehealth-status`, { valueCoding: { system: 'http://hl7.org/fhir/publication-status', code: 'active' } }),
      ],
    } as Resource);
    expect(await found(`Basic?actionGuidanceForReference=${target}`)).toEqual([guidance.id]);
    expect(await found(`Basic?actionGuidanceForReference=${target}&actionGuidanceType=instruction&actionGuidanceForType=Questionnaire&status=active&reference=${org}&role=owner`)).toEqual([guidance.id]);
    expect(await found(`Basic?actionGuidanceForReference=${target}&status=retired`)).toEqual([]);
  });

  it('_language, _list and _has work on any type', async () => {
    const code = nonCprUuid();
    const danish = await create({ resourceType: 'Observation', status: 'final', language: 'da', code: { text: code } } as Resource);
    const english = await create({ resourceType: 'Observation', status: 'final', language: 'en-GB', code: { text: code } } as Resource);
    expect(await found(`Observation?code:text=${code}&_language=da`)).toEqual([danish.id]);
    expect(await found(`Observation?code:text=${code}&_language=en-GB,da`)).toEqual([danish.id, english.id].sort());
    const list = await create({ resourceType: 'List', status: 'current', mode: 'working', entry: [{ item: ref(`Observation/${english.id}`) }] } as Resource);
    expect(await found(`Observation?_list=${list.id}`)).toEqual([english.id]);
    expect(await found(`Observation?_list=${nonCprUuid()}`)).toEqual([]);
    const functional = await t.app.inject({ method: 'GET', url: '/fhir/Observation?_list=$current-problems' });
    expect(functional.statusCode).toBe(400);
    expect(await found(`List?_has:List:item:_id=${list.id}&_id=${list.id}`)).toEqual([]);
    expect(await found(`Observation?_has:List:item:_id=${list.id}`)).toEqual([english.id]);
  });

  it('the CapabilityStatement lists the FUT parameters with their definitions, and _has and _list on every type', async () => {
    const cs = (await t.app.inject({ method: 'GET', url: '/fhir/metadata' })).json();
    const resource = (type: string) => (cs.rest[0].resource as Array<{ type: string; searchParam: Array<{ name: string; definition?: string }> }>).find((r) => r.type === type)!;
    expect(resource('Task').searchParam).toContainEqual(expect.objectContaining({ name: 'episodeOfCare', definition: 'http://ehealth.sundhed.dk/fhir/SearchParameter/Task/episodeOfCare', type: 'reference' }));
    expect(resource('Patient').searchParam).toContainEqual(expect.objectContaining({ name: '_language', type: 'token' }));
    for (const r of cs.rest[0].resource as Array<{ searchParam: Array<{ name: string }> }>) {
      expect(r.searchParam.map((p) => p.name)).toEqual(expect.arrayContaining(['_has', '_list']));
    }
  });
});
