import { nonCprUuid } from '../../support/ids';
import { buildFixture, call, differs, leaks, probersFor, report, runProbes, type Answer, type Fixture, type Probe } from './tenants';

/**
 * Cross-tenant probes for the search parameters that came with FUT's names
 * (fhir-profiles/fut-search, `_language`, `_list`): searching by them with A's episode, care
 * team, CPR number or List, no other client (B's four clients, the operator, the clinician of A's
 * other care team) finds or counts anything of A's, and a search naming A's episode answers
 * exactly as one naming an episode that does not exist. Positive control: A's own client finds.
 */
describe("cross-tenant probes: FUT's search parameters", () => {
  let f: Fixture;
  let listId: string;

  beforeAll(async () => {
    f = await buildFixture();
    const list = await call(f.t, f.a.tokens.system, 'POST', '/fhir/List', {
      resourceType: 'List',
      status: 'current',
      mode: 'working',
      subject: { reference: `Patient/${f.a.ids.patient}` },
      entry: [{ item: { reference: `Observation/${f.a.ids.observation}` } }, { item: { reference: `Task/${f.a.ids.task}` } }],
    });
    expect(list.status).toBe(201);
    listId = list.json().id;
    f.hiddenIdsOfA.add(listId);
    f.labels.set(listId, '<A:list>');
  }, 120_000);
  afterAll(async () => {
    await f.t.close();
  });

  const get = (token: string, url: string) => call(f.t, token, 'GET', url);

  /** No entry is A's, and `total` counts only the entries returned (a 403 context refusal reveals nothing either). */
  const searchProbe = (name: string, token: string, url: string): Probe => ({
    name,
    run: async () => {
      const res = await get(token, `${url}&_total=accurate&_count=500`);
      if (res.status === 403) return undefined;
      if (res.status !== 200) return `answered ${res.status}: ${res.body.slice(0, 200)}`;
      return bundleLeak(res);
    },
  });
  const bundleLeak = (res: Answer): string | undefined => {
    const bundle = res.json() as { total?: number; entry?: Array<{ resource?: { resourceType: string }; search?: { mode?: string } }> };
    const entries = (bundle.entry ?? []).filter((e) => e.resource?.resourceType !== 'OperationOutcome');
    const found = leaks(f, JSON.stringify(entries));
    if (found.length) return `returned A's ${found.join(', ')}`;
    const matches = entries.filter((e) => (e.search?.mode ?? 'match') === 'match').length;
    return bundle.total === matches ? undefined : `total ${bundle.total} but ${matches} matches returned (counts hidden resources)`;
  };
  /** The search naming A's resource and the one naming a fresh id answer alike. */
  const pair = (name: string, token: string, hiddenId: string, url: (id: string) => string): Probe => ({
    name,
    run: async () => {
      const missingId = nonCprUuid();
      const [hidden, missing] = await Promise.all([get(token, `${url(hiddenId)}&_total=accurate`), get(token, `${url(missingId)}&_total=accurate`)]);
      return differs(f, hidden, missing, hiddenId, missingId);
    },
  });

  const searches = (): string[] => {
    const a = f.a.ids;
    const cpr = f.a.cpr;
    return [
      `/fhir/Observation?episodeOfCare=EpisodeOfCare/${a.episode}`,
      `/fhir/Observation?episodeOfCare=${a.episode}`,
      `/fhir/Task?episodeOfCare=${a.episode}`,
      `/fhir/CarePlan?episodeOfCare=EpisodeOfCare/${a.episode}`,
      `/fhir/QuestionnaireResponse?episodeOfCare=${a.episode}`,
      `/fhir/ClinicalImpression?episodeOfCare=${a.episode}`,
      `/fhir/Communication?episodeOfCare=${a.episode}`,
      `/fhir/Media?episodeOfCare=${a.episode}`,
      `/fhir/Observation?episodeOfCare:EpisodeOfCare.patient=Patient/${a.patient}`,
      `/fhir/Observation?episodeOfCare:EpisodeOfCare.team=CareTeam/${a.careTeam}`,
      `/fhir/EpisodeOfCare?_has:Observation:episodeOfCare:code=NPU03011`,
      `/fhir/EpisodeOfCare?_has:Task:episodeOfCare:responsible=CareTeam/${a.careTeam}`,
      `/fhir/Patient?_has:Observation:patient:episodeOfCare=${a.episode}`,
      `/fhir/Task?responsible=CareTeam/${a.careTeam}`,
      `/fhir/Task?responsible=${a.careTeam}&_sort=-authored-on`,
      `/fhir/Task?carePlan=CarePlan/${a.carePlan}`,
      `/fhir/Task?category=urn:oid:1.2.208.184.100.1|measurement&episodeOfCare=${a.episode}`,
      `/fhir/Communication?careTeamRecipient=CareTeam/${a.careTeam}`,
      `/fhir/Communication?communicationParticipant=Patient/${a.patient}`,
      `/fhir/EpisodeOfCare?participant-actor=CareTeam/${a.careTeam}`,
      `/fhir/Consent?affiliation=EpisodeOfCare/${a.episode}`,
      `/fhir/Provenance?entity-episodeOfCare=EpisodeOfCare/${a.episode}`,
      `/fhir/Patient?patientCPRIdentifier=${cpr}`,
      `/fhir/Patient?patientCPRIdentifierUnique=urn:oid:1.2.208.176.1.2|${cpr}`,
      `/fhir/Observation?_list=${listId}`,
      `/fhir/Task?_list=${listId}`,
      `/fhir/List?_id=${listId}`,
      `/fhir/Observation?_language=da,en&patient=${a.patient}`,
      `/fhir/Observation?qualityCode=https://kolibri.dk/fhir/CodeSystem/measurement-quality|device&patient=${a.patient}`,
      `/fhir?_type=Observation,Task,CarePlan,QuestionnaireResponse&episodeOfCare=${a.episode}`,
    ];
  };

  it('searching by them with A\'s episode, care team, CPR number or List finds and counts nothing of A\'s', async () => {
    const probes: Probe[] = [];
    for (const p of probersFor(f, 'observation')) {
      for (const url of searches()) probes.push(searchProbe(`${p.name}: GET ${url}`, p.token, url));
      for (const [type, code] of [['Observation', 'episodeOfCare'], ['Task', 'episodeOfCare'], ['CarePlan', 'episodeOfCare'], ['QuestionnaireResponse', 'episodeOfCare']]) {
        probes.push(pair(`${p.name}: GET ${type}?${code}={A episode}`, p.token, f.a.ids.episode, (x) => `/fhir/${type}?${code}=${x}`));
      }
      probes.push(pair(`${p.name}: GET Task?responsible={A care team}`, p.token, f.a.ids.careTeam, (x) => `/fhir/Task?responsible=CareTeam/${x}`));
      probes.push(pair(`${p.name}: GET Observation?_list={A list}`, p.token, listId, (x) => `/fhir/Observation?_list=${x}`));
      probes.push(pair(`${p.name}: GET Patient?patientCPRIdentifier={A cpr}`, p.token, f.a.cpr, (x) => `/fhir/Patient?patientCPRIdentifier=${x}`));
    }
    report('FUT search', probes.length, await runProbes(probes));
  }, 120_000);

  it("positive control: A's own system client finds its records by the same parameters", async () => {
    const ids = async (url: string) => ((await get(f.a.tokens.system, url)).json().entry ?? []).map((e: { resource: { id: string } }) => e.resource.id);
    expect(await ids(`/fhir/Observation?episodeOfCare=${f.a.ids.episode}`)).toContain(f.a.ids.observation);
    expect(await ids(`/fhir/Task?responsible=CareTeam/${f.a.ids.careTeam}`)).toContain(f.a.ids.task);
    expect(await ids(`/fhir/Observation?_list=${listId}`)).toEqual([f.a.ids.observation]);
    expect(await ids(`/fhir/Patient?patientCPRIdentifier=${f.a.cpr}`)).toEqual([f.a.ids.patient]);
  });
});
