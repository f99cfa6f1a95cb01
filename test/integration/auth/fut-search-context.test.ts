import { nonCprUuid } from '../../support/ids';
import type { Resource } from '@medplum/fhirtypes';
import { registerVendorApp } from './vendor-app';
import { FutClient, startFutServer, type FutServer } from './fut-client';

/**
 * FUT's search parameters that name an episode of care or a care team (episodeOfCare,
 * care-team, responsible, careTeamRecipient, participant-actor…) take part in refusing searches
 * that contradict the token's context (403), like subject and owner do; within the context they
 * answer as usual.
 */
describe("FUT's context-bearing search parameters and the token's context", () => {
  let s: FutServer;
  let client: FutClient;
  let token: string;
  const ORG = `org-${nonCprUuid()}`;
  const ids = { practitioner: '', team: '', team2: '', patient: '', e1: '', e2: '', obs: '', task: '' };
  const EPISODE = 'https://kolibri.dk/fhir/StructureDefinition/ext-episode-of-care';

  const store = (resource: Record<string, unknown>) => s.t.services.store.transaction((tx) => tx.create(resource as unknown as Resource)).then((r) => r.id);
  const url = (ref: string) => `${s.fhirBase}/${ref}`;

  beforeAll(async () => {
    s = await startFutServer();
    await s.t.services.store.transaction((tx) => tx.update({ resourceType: 'Organization', id: ORG, name: 'Kommune' } as Resource, { allowCreate: true }));
    ids.practitioner = await store({ resourceType: 'Practitioner', name: [{ family: 'Holm' }] });
    const team = () => store({ resourceType: 'CareTeam', status: 'active', managingOrganization: [{ reference: `Organization/${ORG}` }], participant: [{ member: { reference: `Practitioner/${ids.practitioner}` } }] });
    ids.team = await team();
    ids.team2 = await team();
    ids.patient = await store({ resourceType: 'Patient', gender: 'male' });
    const episode = (teamId: string) =>
      store({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${ids.patient}` }, managingOrganization: { reference: `Organization/${ORG}` }, team: [{ reference: `CareTeam/${teamId}` }] });
    ids.e1 = await episode(ids.team);
    ids.e2 = await episode(ids.team2);
    const inEpisode = { extension: [{ url: EPISODE, valueReference: { reference: `EpisodeOfCare/${ids.e1}` } }] };
    ids.obs = await store({ resourceType: 'Observation', status: 'final', code: { text: 'SpO2' }, subject: { reference: `Patient/${ids.patient}` }, ...inEpisode });
    ids.task = await store({ resourceType: 'Task', status: 'requested', intent: 'order', for: { reference: `Patient/${ids.patient}` }, owner: { reference: `CareTeam/${ids.team}` }, ...inEpisode });
    client = new FutClient(s, await registerVendorApp(s.t, { kind: 'clinician', organization: `Organization/${ORG}`, scopes: ['user/*.rs'] }));
    const first = await client.login('user/*.rs', { practitioner: `Practitioner/${ids.practitioner}` });
    const chosen = await client.refresh(first.body.refresh_token!, { care_team_id: url(`CareTeam/${ids.team}`), patient_id: url(`Patient/${ids.patient}`), episode_of_care_id: url(`EpisodeOfCare/${ids.e1}`) });
    expect(chosen.status).toBe(200);
    token = chosen.body.access_token!;
  });
  afterAll(() => s.close());

  it('refuses (403) a search by another episode of care or care team, whether it exists or not', async () => {
    const ghost = nonCprUuid();
    const searches = [
      `Observation?episodeOfCare=EpisodeOfCare/${ids.e2}`,
      `Observation?episodeOfCare=${ids.e2}`,
      `Task?episodeOfCare=${ghost}`,
      `QuestionnaireResponse?episodeOfCare=EpisodeOfCare/${ghost}`,
      `CarePlan?episodeOfCare=${ids.e2}`,
      `CarePlan?care-team=CareTeam/${ids.team2}`,
      `Task?responsible=CareTeam/${ids.team2}`,
      `Communication?careTeamRecipient=${ids.team2}`,
      `EpisodeOfCare?participant-actor=CareTeam/${ghost}`,
      `Consent?affiliation=EpisodeOfCare/${ids.e2}`,
      `Provenance?entity-episodeOfCare=EpisodeOfCare/${ids.e2}`,
    ];
    for (const search of searches) {
      const res = await client.fhir(token, search);
      expect(`${search} ${res.status}`).toBe(`${search} 403`);
      expect((res.body.issue as Array<{ diagnostics: string }>)[0].diagnostics).toContain('contradicts');
    }
  });

  it('answers searches within the context', async () => {
    const found = async (search: string) => {
      const res = await client.fhir(token, search);
      expect(`${search} ${res.status}`).toBe(`${search} 200`);
      return ((res.body.entry ?? []) as Array<{ resource: { id: string } }>).map((e) => e.resource.id);
    };
    expect(await found(`Observation?episodeOfCare=${ids.e1}`)).toEqual([ids.obs]);
    expect(await found(`Task?episodeOfCare=EpisodeOfCare/${ids.e1}`)).toEqual([ids.task]);
    expect(await found(`Task?responsible=CareTeam/${ids.team}`)).toEqual([ids.task]);
    // a list that includes the context's own is no contradiction
    expect(await found(`Observation?episodeOfCare=${ids.e1},${ids.e2}`)).toEqual([ids.obs]);
  });
});
