import { nonCprUuid } from '../../support/ids';
import { drainAudit } from '../../support/audit-drain';
import {
  buildFixture,
  call,
  differs,
  DIRECTORY_KEYS,
  HIDDEN_KEYS,
  leaks,
  OWNED_KEYS,
  outsiders,
  probersFor,
  protectedIds,
  report,
  runProbes,
  versionsOf,
  type Answer,
  type Fixture,
  type HiddenKey,
  type Probe,
  type Prober,
  missingId as newMissingId,
} from './tenants';

/**
 * Issue 12, cross-tenant probes, reads: every outsider of municipality A (B's system, clinician,
 * citizen and narrow-scope clients, the operator; A's own citizen for A's organisational records)
 * × every hidden kind of A's resources × read, vread, instance history, searches by id and by
 * identifier, type history, `$validate` — each compared with the same request for an id that does
 * not exist. Then searches with chains, `_has`, includes, compartments and system search, history
 * at type and system level, and the read-only operations, none of which may return or count
 * anything of A's. Positive controls: A's own clients and the directory readers do see.
 */
describe('cross-tenant probes: reads, searches, histories, read-only operations', () => {
  let f: Fixture;
  let since: string;
  let before: Record<string, string>;
  let count = 0;
  /** More of A's hidden resources, made in beforeAll: a Binary and Provenances pointing at a version of A's Observation. */
  const extras: Array<{ label: string; type: string; id: string }> = [];

  beforeAll(async () => {
    since = new Date(Date.now() - 1000).toISOString();
    // a database of its own: the count probes compare a search's total with its matches, and
    // with _summary=count, over searches B's staff see rows of other test files in (no
    // compartment, written with auth off: Bundle?type=collection, _type=Binary,…&_lastUpdated=ge):
    // one such row written between the two statements read as "counts hidden resources"
    f = await buildFixture({ ownDatabase: 'kolibri_probes_read' });
    // Provenances that point at a version of A's Observation: one A writes, one the server writes when A marks a measurement entered-in-error
    const a = f.a;
    const versioned = await call(f.t, a.tokens.system, 'POST', '/fhir/Provenance', {
      resourceType: 'Provenance',
      target: [{ reference: `Observation/${a.ids.observation}/_history/1` }],
      recorded: '2026-05-01T09:00:00Z',
      agent: [{ who: { reference: `Organization/${a.org}` } }],
    });
    const versionedBinary = await call(f.t, a.tokens.system, 'POST', '/fhir/Binary', {
      resourceType: 'Binary',
      contentType: 'text/plain',
      securityContext: { reference: `Observation/${a.ids.observation}/_history/1` },
      data: Buffer.from('versioned context').toString('base64'),
    });
    extras.push({ label: 'versionedBinary', type: 'Binary', id: versionedBinary.json().id });
    for (const [label, context] of [
      ['binaryOfPatient', `Patient/${a.ids.patient}`],
      ['binaryOfTask', `Task/${a.ids.task}`],
      ['binaryOfEpisode', `EpisodeOfCare/${a.ids.episode}`],
      ['binaryOfAbsolutePatient', `http://kolibri.test/fhir/Patient/${a.ids.patient}`],
    ]) {
      const made = await call(f.t, a.tokens.system, 'POST', '/fhir/Binary', { resourceType: 'Binary', contentType: 'text/plain', securityContext: { reference: context }, data: Buffer.from(label).toString('base64') });
      if (made.status !== 201) f.seedProblems.push(`${label}: ${made.status} ${made.body.slice(0, 200)}`);
      else extras.push({ label, type: 'Binary', id: made.json().id });
    }
    const twoTargets = await call(f.t, a.tokens.system, 'POST', '/fhir/Provenance', {
      resourceType: 'Provenance',
      target: [{ reference: `Task/${a.ids.task}` }, { reference: `Observation/${a.ids.observationByCitizen}` }],
      recorded: '2026-05-01T09:30:00Z',
      agent: [{ who: { reference: `Organization/${a.org}` } }],
    });
    const absolute = await call(f.t, a.tokens.system, 'POST', '/fhir/Provenance', {
      resourceType: 'Provenance',
      target: [{ reference: `http://kolibri.test/fhir/Observation/${a.ids.observation}` }],
      recorded: '2026-05-01T09:40:00Z',
      agent: [{ who: { reference: `Organization/${a.org}` } }],
    });
    if (absolute.status !== 201) f.seedProblems.push(`Provenance with an absolute target: ${absolute.status} ${absolute.body.slice(0, 200)}`);
    else extras.push({ label: 'provenanceOfAbsoluteTarget', type: 'Provenance', id: absolute.json().id });
    if (twoTargets.status !== 201) f.seedProblems.push(`Provenance with two targets: ${twoTargets.status} ${twoTargets.body.slice(0, 200)}`);
    else extras.push({ label: 'provenanceOfTwoTargets', type: 'Provenance', id: twoTargets.json().id });
    const invalid = await call(f.t, a.tokens.system, 'POST', '/fhir/Observation', { ...f.a.resources.observation, id: undefined, meta: { tag: f.a.resources.observation.meta?.tag }, identifier: undefined });
    const marked = await call(f.t, a.tokens.system, 'PATCH', `/fhir/Observation/${invalid.json().id}`, [{ op: 'replace', path: '/status', value: 'entered-in-error' }], { 'content-type': 'application/json-patch+json' });
    const made = await call(f.t, a.tokens.system, 'GET', `/fhir/Provenance?target=Observation/${invalid.json().id}`);
    if (versioned.status !== 201 || marked.status !== 200) f.seedProblems.push(`versioned Provenance ${versioned.status}, entered-in-error ${marked.status} ${marked.body.slice(0, 200)}`);
    extras.push({ label: 'versionedProvenance', type: 'Provenance', id: versioned.json().id });
    extras.push({ label: 'enteredInErrorObservation', type: 'Observation', id: invalid.json().id });
    for (const e of made.json().entry ?? []) extras.push({ label: 'serverProvenance', type: 'Provenance', id: e.resource.id });
    if (!extras.some((e) => e.label === 'serverProvenance')) f.seedProblems.push('marking an Observation entered-in-error made no Provenance A can find');
    for (const e of extras) {
      f.labels.set(e.id, `<A:${e.label}>`);
      f.hiddenIdsOfA.add(e.id);
    }
    before = await versionsOf(f.t, [...protectedIds(f), ...extras.map((e) => e.id)]);
  }, 120_000);
  afterAll(async () => {
    console.log(`tenant-probes-read: ${count} probes`);
    await f.t.close();
  });

  const get = (token: string, url: string) => call(f.t, token, 'GET', url);
  const ids = () => f.a.ids;
  /** Probers of a hidden kind: every outsider, and A's citizen for A's organisational records. */
  const probersOf = (key: HiddenKey): Prober[] => probersFor(f, key);

  /** A pair probe: the request for A's id and for a fresh id answer alike, and nothing of A's leaks. */
  const pair = (name: string, token: string, hiddenId: string, build: (id: string) => Promise<Answer>, expectError: boolean | number = true): Probe => ({
    name,
    run: async () => {
      const missingId = newMissingId();
      const [hidden, missing] = await Promise.all([build(hiddenId), build(missingId)]);
      if (expectError && hidden.status < 300) return `answered ${hidden.status} for A's resource: ${hidden.body.slice(0, 200)}`;
      if (typeof expectError === 'number' && hidden.status !== expectError) return `expected ${expectError}, got ${hidden.status} ${hidden.body.slice(0, 200)}`;
      return differs(f, hidden, missing, hiddenId, missingId);
    },
  });

  /** A search probe: no entry is A's, and `total` counts only the entries returned. */
  const searchProbe = (name: string, token: string, run: () => Promise<Answer>): Probe => ({
    name,
    run: async () => {
      const res = await run();
      if (res.status !== 200) return res.status === 403 ? undefined : `answered ${res.status}: ${res.body.slice(0, 200)}`;
      return bundleLeak(res);
    },
  });
  const bundleLeak = (res: Answer): string | undefined => {
    const bundle = res.json() as { total?: number; link?: Array<{ relation: string }>; entry?: Array<{ fullUrl?: string; resource?: { resourceType: string }; search?: { mode?: string } }> };
    const entries = (bundle.entry ?? []).filter((e) => e.resource?.resourceType !== 'OperationOutcome');
    const found = leaks(f, JSON.stringify(entries));
    if (found.length) return `returned A's ${found.join(', ')}`;
    const matches = entries.filter((e) => (e.search?.mode ?? 'match') === 'match').length;
    const paged = (bundle.link ?? []).some((l) => l.relation === 'next');
    if (bundle.total !== undefined && !paged && bundle.total !== matches) return `total ${bundle.total} but ${matches} matches returned (counts hidden resources)`;
    return undefined;
  };

  /** `_summary=count` counts exactly what the full search returns to this caller. */
  const countProbe = (name: string, token: string, fullUrl: string, countUrl: string): Probe => ({
    name,
    run: async () => {
      const [full, counted] = await Promise.all([get(token, fullUrl), get(token, countUrl)]);
      if (counted.status !== full.status) return `_summary=count answered ${counted.status}, the search ${full.status}`;
      if (counted.status !== 200) return undefined;
      const bundle = full.json() as { link?: Array<{ relation: string }>; entry?: Array<{ resource?: { resourceType: string }; search?: { mode?: string } }> };
      if ((bundle.link ?? []).some((l) => l.relation === 'next')) return undefined;
      const matches = (bundle.entry ?? []).filter((e) => e.resource?.resourceType !== 'OperationOutcome' && (e.search?.mode ?? 'match') === 'match').length;
      const total = (counted.json() as { total?: number }).total;
      return total === matches ? undefined : `_summary=count says ${total}, the search returns ${matches} (counts hidden resources)`;
    },
  });

  /** Searches of directory resources B may read, filtered by A's hidden data (name, A's hidden id, URL for an id). */
  const directoryHasProbes = (): Array<[string, string, (x: string) => string]> => {
    const a = f.a;
    return [
        ['Organization?_has:EpisodeOfCare:organization:patient=Patient/{A}', a.ids.patient, (x) => `/fhir/Organization?_has:EpisodeOfCare:organization:patient=Patient/${x}`],
        ['CareTeam?_has:EpisodeOfCare:team:patient=Patient/{A}', a.ids.patient, (x) => `/fhir/CareTeam?_has:EpisodeOfCare:team:patient=Patient/${x}`],
        ['CareTeam?_has:Task:owner:patient=Patient/{A}', a.ids.patient, (x) => `/fhir/CareTeam?_has:Task:owner:patient=Patient/${x}`],
        ['CareTeam?_has:EpisodeOfCare:team:_id={A episode}', a.ids.episode, (x) => `/fhir/CareTeam?_has:EpisodeOfCare:team:_id=${x}`],
        ['Organization?_has:EpisodeOfCare:organization:_id={A episode}', a.ids.episode, (x) => `/fhir/Organization?_has:EpisodeOfCare:organization:_id=${x}`],
        ['Organization?_has:Provenance:agent:target=Observation/{A}', a.ids.observation, (x) => `/fhir/Organization?_has:Provenance:agent:target=Observation/${x}`],
        ['Practitioner?_has:CareTeam:participant:_has:EpisodeOfCare:team:patient=Patient/{A}', a.ids.patient, (x) => `/fhir/Practitioner?_has:CareTeam:participant:_has:EpisodeOfCare:team:patient=Patient/${x}`],
        ['Organization?_id={A org}&_revinclude=EpisodeOfCare:organization (with the episode\'s patient)', a.ids.patient, (x) => `/fhir/Organization?_has:EpisodeOfCare:organization:patient=Patient/${x}&_revinclude=EpisodeOfCare:organization`],
      ];
  };

  it('seeding through the API with the owners\' own tokens works (positive control)', () => {
    expect(f.seedProblems).toEqual([]);
  });

  it('read, vread, instance history, search by _id and identifier, $validate: hidden answers like nonexistent', async () => {
    const probes: Probe[] = [];
    for (const key of HIDDEN_KEYS) {
      const type = f.a.types[key];
      const id = ids()[key];
      const identifier = f.a.identifiers[key];
      for (const p of probersOf(key)) {
        const at = `${p.name} → A.${key}`;
        // 404 like an id that does not exist; 403 only where the token's scopes do not cover the type at all
        const notFound = p.name === 'B.narrow' && type !== 'Observation' ? 403 : 404;
        probes.push(pair(`${at}: GET ${type}/{id}`, p.token, id, (x) => get(p.token, `/fhir/${type}/${x}`), notFound));
        probes.push(pair(`${at}: GET ${type}/{id}/_history/1`, p.token, id, (x) => get(p.token, `/fhir/${type}/${x}/_history/1`), notFound));
        probes.push(pair(`${at}: GET ${type}/{id}/_history`, p.token, id, (x) => get(p.token, `/fhir/${type}/${x}/_history`), notFound));
        probes.push(pair(`${at}: GET ${type}/{id}/_history?_count=1`, p.token, id, (x) => get(p.token, `/fhir/${type}/${x}/_history?_count=1`), notFound));
        probes.push(pair(`${at}: GET ${type}/{id}/_history?_since=2000-01-01`, p.token, id, (x) => get(p.token, `/fhir/${type}/${x}/_history?_since=2000-01-01T00:00:00Z`), notFound));
        probes.push(pair(`${at}: GET ${type}/{id}/_history/2`, p.token, id, (x) => get(p.token, `/fhir/${type}/${x}/_history/2`), notFound));
        // conditional reads must not answer 304 for what the caller may not see
        probes.push(pair(`${at}: GET ${type}/{id} If-None-Match W/"1"`, p.token, id, (x) => call(f.t, p.token, 'GET', `/fhir/${type}/${x}`, undefined, { 'if-none-match': 'W/"1"' }), notFound));
        probes.push(
          pair(`${at}: GET ${type}/{id} If-Modified-Since 2000`, p.token, id, (x) => call(f.t, p.token, 'GET', `/fhir/${type}/${x}`, undefined, { 'if-modified-since': 'Sat, 01 Jan 2000 00:00:00 GMT' }), notFound),
        );
        probes.push(pair(`${at}: HEAD ${type}/{id}`, p.token, id, (x) => call(f.t, p.token, 'HEAD', `/fhir/${type}/${x}`), notFound));
        probes.push(pair(`${at}: GET ${type}/{id}?_summary=true`, p.token, id, (x) => get(p.token, `/fhir/${type}/${x}?_summary=true`), notFound));
        probes.push(pair(`${at}: GET ${type}?_id={id}`, p.token, id, (x) => get(p.token, `/fhir/${type}?_id=${x}&_total=accurate`), false));
        probes.push(pair(`${at}: POST ${type}/_search _id={id}`, p.token, id, (x) =>
          call(f.t, p.token, 'POST', `/fhir/${type}/_search`, `_id=${x}&_total=accurate`, { 'content-type': 'application/x-www-form-urlencoded' }), false));
        probes.push(pair(`${at}: GET ${type}?_id={id}&_summary=count`, p.token, id, (x) => get(p.token, `/fhir/${type}?_id=${x}&_summary=count`), false));
        probes.push(pair(`${at}: POST ${type}/{id}/$validate?mode=delete`, p.token, id, (x) => call(f.t, p.token, 'POST', `/fhir/${type}/${x}/$validate?mode=delete`, {})));
        probes.push(
          pair(`${at}: POST ${type}/{id}/$validate?mode=update`, p.token, id, (x) =>
            call(f.t, p.token, 'POST', `/fhir/${type}/${x}/$validate?mode=update`, { ...f.a.resources[key], id: x }), false),
        );
        if (identifier) {
          probes.push(searchProbe(`${at}: GET ${type}?identifier=${identifier}`, p.token, () => get(p.token, `/fhir/${type}?identifier=${encodeURIComponent(identifier)}&_total=accurate`)));
        }
        probes.push(searchProbe(`${at}: GET ${type}?_id={id}&_total=accurate`, p.token, () => get(p.token, `/fhir/${type}?_id=${id}&_total=accurate`)));
      }
    }
    for (const e of extras) {
      for (const p of [...outsiders(f), { name: 'A.otherTeamClinician', token: f.a.otherTeam.token, writes: true }]) {
        const at = `${p.name} → A.${e.label}`;
        const notFound = p.name === 'B.narrow' && e.type !== 'Observation' ? 403 : 404;
        probes.push(pair(`${at}: GET ${e.type}/{id}`, p.token, e.id, (x) => get(p.token, `/fhir/${e.type}/${x}`), notFound));
        probes.push(pair(`${at}: GET ${e.type}/{id}/_history`, p.token, e.id, (x) => get(p.token, `/fhir/${e.type}/${x}/_history`), notFound));
        probes.push(pair(`${at}: GET ${e.type}?_id={id}`, p.token, e.id, (x) => get(p.token, `/fhir/${e.type}?_id=${x}&_total=accurate`), false));
      }
    }
    for (const p of [...outsiders(f), { name: 'A.otherTeamClinician', token: f.a.otherTeam.token, writes: true }]) {
      probes.push(searchProbe(`${p.name}: GET Provenance?target=Observation/{A} (versioned targets too)`, p.token, () => get(p.token, `/fhir/Provenance?target=Observation/${f.a.ids.observation}&_total=accurate`)));
      probes.push(searchProbe(`${p.name}: GET Binary?_id={versioned securityContext}`, p.token, () => get(p.token, `/fhir/Binary?_id=${extras.map((e) => e.id).join(',')}&_total=accurate`)));
    }
    count += probes.length;
    report('read', probes.length, await runProbes(probes));
  }, 120_000);

  it('searches with chains, _has, includes, compartments and system search return and count nothing of A', async () => {
    const a = f.a;
    const b = f.b;
    const cpr = encodeURIComponent(`urn:oid:1.2.208.176.1.2|${a.cpr}`);
    const allA = HIDDEN_KEYS.map((k) => a.ids[k]).join(',');
    const typesA = [...new Set(HIDDEN_KEYS.map((k) => a.types[k]))].join(',');
    const urls = [
      `/fhir/Observation?subject=Patient/${a.ids.patient}`,
      `/fhir/Observation?patient=${a.ids.patient}`,
      `/fhir/Observation?subject:Patient.name=${a.family}`,
      `/fhir/Observation?subject:Patient.identifier=${cpr}`,
      `/fhir/Observation?based-on=ServiceRequest/${a.ids.serviceRequest}`,
      `/fhir/Observation?based-on:ServiceRequest.subject=Patient/${a.ids.patient}`,
      `/fhir/Observation?code=urn:oid:1.2.208.176.2.1|NPU03011&subject=Patient/${a.ids.patient}`,
      `/fhir/Observation?_id=${a.ids.observation},${b.ids.observation}&_include=Observation:subject`,
      `/fhir/Observation?_id=${b.ids.observation}&_include=Observation:based-on&_revinclude=Provenance:target`,
      `/fhir/Observation?_id=${a.ids.observation}&_revinclude=Provenance:target&_revinclude=Task:focus`,
      `/fhir/Patient?name=${a.family}`,
      `/fhir/Patient?family=${a.family}`,
      `/fhir/Patient?identifier=${cpr}`,
      `/fhir/Patient?_id=${a.ids.patient},${b.ids.patient}&_revinclude=Observation:subject&_revinclude=EpisodeOfCare:patient`,
      `/fhir/Patient?_has:Observation:subject:_id=${a.ids.observation}`,
      `/fhir/Patient?_has:Observation:patient:code=NPU03011`,
      `/fhir/Patient?_has:EpisodeOfCare:patient:organization=Organization/${a.org}`,
      `/fhir/Patient?_has:EpisodeOfCare:patient:team=CareTeam/${a.ids.careTeam}`,
      `/fhir/Patient?_has:Device:patient:_id=${a.ids.device}`,
      `/fhir/Patient?_has:Observation:subject:_has:Provenance:target:agent=Organization/${a.org}`,
      `/fhir/Patient?_has:Task:patient:owner=CareTeam/${a.ids.careTeam}`,
      `/fhir/Observation?subject:Patient._has:EpisodeOfCare:patient:organization=Organization/${a.org}`,
      `/fhir/Observation?code=urn:oid:1.2.208.176.2.1|NPU03011&_lastUpdated=ge${since}&_sort=-_lastUpdated`,
      `/fhir/Observation?_id=${a.ids.observation}&_total=estimate`,
      `/fhir/Observation?subject=Patient/${a.ids.patient}&_elements=subject,valueQuantity`,
      `/fhir/Observation?_id=${a.ids.observation},${b.ids.observation}&_summary=data&_sort=-date`,
      `/fhir/Observation?subject=Patient/${a.ids.patient}&_count=1&_offset=1`,
      // read from the timeline index of the target (one reference, first _sort key the type's main date)
      `/fhir/Observation?subject=Patient/${a.ids.patient}&_sort=-date`,
      `/fhir/Observation?patient=${a.ids.patient}&code=urn:oid:1.2.208.176.2.1|NPU03011&_sort=date,-_lastUpdated`,
      `/fhir/Task?owner=CareTeam/${a.ids.careTeam}&_sort=-authored-on`,
      `/fhir/Task?patient=Patient/${a.ids.patient}&_sort=authored-on`,
      `/fhir/QuestionnaireResponse?subject=Patient/${a.ids.patient}&_sort=-authored`,
      `/fhir/Provenance?target=Observation/${a.ids.observation}&_sort=-recorded`,
      `/fhir/AuditEvent?patient=Patient/${a.ids.patient}&_sort=-date`,
      `/fhir/Observation?_id:not=${b.ids.observation}&subject=Patient/${a.ids.patient}`,
      `/fhir/Observation?_id=${b.ids.observation}&_revinclude:iterate=Provenance:target&_include:iterate=Observation:based-on`,
      `/fhir/EpisodeOfCare?_id=${b.ids.episode},${a.ids.episode}&_include=EpisodeOfCare:team&_include=EpisodeOfCare:patient`,
      `/fhir/Task?_id=${a.ids.task}&_include=Task:focus&_include=Task:patient`,
      `/fhir/EpisodeOfCare?organization=Organization/${a.org}`,
      `/fhir/EpisodeOfCare?team=CareTeam/${a.ids.careTeam}`,
      `/fhir/EpisodeOfCare?_id=${a.ids.episode}&_include=EpisodeOfCare:patient`,
      `/fhir/Task?owner=CareTeam/${a.ids.careTeam}`,
      `/fhir/Task?owner=CareTeam/${a.ids.careTeam}&status=requested,in-progress&_sort=priority,authored-on`,
      `/fhir/Task?focus=Observation/${a.ids.observation}`,
      `/fhir/CareTeam?_id=${a.ids.careTeam}&_revinclude=EpisodeOfCare:team&_revinclude=Task:owner`,
      `/fhir/Organization?_id=${a.org}&_revinclude=EpisodeOfCare:organization&_revinclude=CareTeam:managing-organization`,
      `/fhir/Practitioner?_id=${a.ids.practitioner}&_revinclude=CareTeam:participant`,
      `/fhir/EpisodeOfCare?organization.name=${encodeURIComponent(String((a.resources.organization as { name?: string }).name))}`,
      `/fhir/EpisodeOfCare?team.name=${encodeURIComponent('KOL-team A')}`,
      `/fhir/Task?owner.name=${encodeURIComponent('KOL-team A')}`,
      `/fhir/Organization?_id=${a.org}&_revinclude=Patient:organization&_revinclude=Provenance:agent`,
      `/fhir/CarePlan?subject=Patient/${a.ids.patient}&_include=CarePlan:activity-reference`,
      `/fhir/CarePlan?activity-reference=ServiceRequest/${a.ids.serviceRequest}`,
      `/fhir/ServiceRequest?subject=Patient/${a.ids.patient}&_revinclude=CarePlan:activity-reference`,
      `/fhir/QuestionnaireResponse?subject=Patient/${a.ids.patient}`,
      `/fhir/QuestionnaireResponse?questionnaire=${(f.defs.questionnaire as { url?: string }).url}|1.0`,
      `/fhir/Provenance?target=Observation/${a.ids.observation}`,
      `/fhir/Provenance?agent=Organization/${a.org}`,
      `/fhir/Provenance?patient=Patient/${a.ids.patient}`,
      `/fhir/Binary?_id=${a.ids.binary},${a.ids.binaryFree}`,
      `/fhir/Device?patient=Patient/${a.ids.patient}`,
      `/fhir/Device?_id=${a.ids.device}&_include=Device:patient`,
      `/fhir/Bundle?_id=${a.ids.bundle}`,
      `/fhir/Bundle?type=collection`,
      `/fhir/Patient/${a.ids.patient}/Observation`,
      `/fhir/Patient/${a.ids.patient}/EpisodeOfCare`,
      `/fhir/Patient/${a.ids.patient}/Task`,
      `/fhir/Patient/${a.ids.patient}/Provenance`,
      `/fhir?_type=${typesA}&_id=${allA}`,
      `/fhir?_id=${allA}`,
      `/fhir?_type=Observation,Patient&_id=${a.ids.observation},${a.ids.patient}`,
      `/fhir?_type=Binary,Bundle,Device,Provenance&_lastUpdated=ge${since}`,
      `/fhir?_type:not=Patient&_id=${allA}`,
    ];
    const probes: Probe[] = [];
    for (const p of [...outsiders(f)]) {
      for (const url of urls) {
        const full = `${url}${url.includes('?') ? '&' : '?'}_total=accurate&_count=500`;
        probes.push(searchProbe(`${p.name}: GET ${url}`, p.token, () => get(p.token, full)));
        probes.push(countProbe(`${p.name}: GET ${url} &_summary=count`, p.token, full, `${url}${url.includes('?') ? '&' : '?'}_summary=count`));
        const [path, query = ''] = full.split('?');
        if (!path.endsWith('/*') && !/Patient\/[^/]+\//.test(path)) {
          probes.push(searchProbe(`${p.name}: POST ${path}/_search ${url}`, p.token, () =>
            call(f.t, p.token, 'POST', `${path === '/fhir' ? '/fhir' : path}/_search`, query, { 'content-type': 'application/x-www-form-urlencoded' })));
        }
      }
      // searches of directory resources (which B may read) filtered by A's hidden data: the same result as for ids that do not exist
      const directoryHas = directoryHasProbes();
      for (const [name, hidden, url] of directoryHas) {
        probes.push(pair(`${p.name}: GET ${name}`, p.token, hidden, (x) => get(p.token, `${url(x)}&_total=accurate`), false));
      }
      // compartment searches answer like the compartment of a patient that does not exist
      for (const type of ['Observation', 'EpisodeOfCare', 'Task', 'Provenance', 'QuestionnaireResponse', 'CarePlan', 'ServiceRequest']) {
        probes.push(pair(`${p.name}: GET Patient/{A}/${type}`, p.token, a.ids.patient, (x) => get(p.token, `/fhir/Patient/${x}/${type}?_total=accurate`), false));
      }
    }
    count += probes.length;
    report('search', probes.length, await runProbes(probes));
  }, 120_000);

  it('type and system history (every page) never show a version of A\'s resources', async () => {
    // with the audit trail of what was done so far: AuditEvents about A's patient (owned by no
    // one, as the server writes them) must stay out of every outsider's history as well
    await drainAudit(f.t);
    const types = [...new Set([...HIDDEN_KEYS.map((k) => f.a.types[k]), 'AuditEvent'])];
    const probes: Probe[] = [];
    for (const p of outsiders(f)) {
      // small pages too: a full page may come from the newest versions, a short one from the
      // resources the caller may see (history.ts); both must hide A's
      for (const [query, pages] of [[`_since=${encodeURIComponent(since)}&_count=200`, 20], ['_count=3', 100]] as const) {
        for (const url of [...types.map((t) => `/fhir/${t}/_history`), '/fhir/_history']) {
          probes.push({
            name: `${p.name}: GET ${url}?${query.replace(/_since=[^&]*/, '_since=…')}`,
            run: async () => {
              let next: string | undefined = `${url}?${query}`;
              for (let page = 0; next && page < pages; page++) {
                const res = await get(p.token, next);
                if (res.status === 403) return undefined;
                if (res.status !== 200) return `answered ${res.status}: ${res.body.slice(0, 200)}`;
                const bundle = res.json() as { total?: number; entry?: unknown[]; link?: Array<{ relation: string; url: string }> };
                const found = leaks(f, JSON.stringify(bundle.entry ?? []));
                if (found.length) return `page ${page + 1} has versions of A's ${found.join(', ')}`;
                const link = bundle.link?.find((l) => l.relation === 'next')?.url;
                if (page === 0 && !link && bundle.total !== undefined && bundle.total !== (bundle.entry ?? []).length) return `total ${bundle.total} but ${(bundle.entry ?? []).length} versions returned (counts hidden versions)`;
                next = link ? link.replace(/^https?:\/\/[^/]+/, '') : undefined;
              }
              return undefined;
            },
          });
        }
      }
    }
    count += probes.length;
    report('history', probes.length, await runProbes(probes, 6));
  }, 120_000);

  it('read-only operations on A\'s patient answer like for a patient that does not exist', async () => {
    const a = f.a;
    const probes: Probe[] = [];
    const plan = f.defs.planDefinition.id;
    for (const p of [...outsiders(f), { name: 'A.otherTeamClinician', token: f.a.otherTeam.token, writes: true }]) {
      probes.push(pair(`${p.name}: GET Patient/{A}/$everything`, p.token, a.ids.patient, (x) => get(p.token, `/fhir/Patient/${x}/$everything`)));
      probes.push(pair(`${p.name}: GET Patient/{A}/$everything?_type=Observation`, p.token, a.ids.patient, (x) => get(p.token, `/fhir/Patient/${x}/$everything?_type=Observation`)));
      probes.push(pair(`${p.name}: GET Observation/$lastn?patient={A}`, p.token, a.ids.patient, (x) => get(p.token, `/fhir/Observation/$lastn?patient=${x}`), false));
      probes.push(pair(`${p.name}: GET Observation/$lastn?subject=Patient/{A}`, p.token, a.ids.patient, (x) => get(p.token, `/fhir/Observation/$lastn?subject=Patient/${x}&max=3`), false));
      probes.push(pair(`${p.name}: GET Observation/$lastn?patient={A}&code=NPU03011`, p.token, a.ids.patient, (x) => get(p.token, `/fhir/Observation/$lastn?patient=${x}&code=urn:oid:1.2.208.176.2.1|NPU03011`), false));
      probes.push(pair(`${p.name}: GET Patient/{A}/$get-patient-procedures`, p.token, a.ids.patient, (x) => get(p.token, `/fhir/Patient/${x}/$get-patient-procedures?date=2026-03-04`)));
      probes.push(pair(`${p.name}: GET ServiceRequest/{A}/$get-patient-procedures`, p.token, a.ids.serviceRequest, (x) => get(p.token, `/fhir/ServiceRequest/${x}/$get-patient-procedures?date=2026-03-04`)));
      probes.push(
        pair(`${p.name}: GET PlanDefinition/{plan}/$apply?subject=Patient/{A}`, p.token, a.ids.patient, (x) =>
          get(p.token, `/fhir/PlanDefinition/${plan}/$apply?subject=Patient/${x}&episodeOfCare=EpisodeOfCare/${a.ids.episode}&start=2026-03-02`)),
      );
      probes.push(
        pair(`${p.name}: POST PlanDefinition/{plan}/$apply episodeOfCare={A}`, p.token, a.ids.episode, (x) =>
          call(f.t, p.token, 'POST', `/fhir/PlanDefinition/${plan}/$apply`, {
            resourceType: 'Parameters',
            parameter: [{ name: 'subject', valueReference: { reference: `Patient/${f.b.ids.patient}` } }, { name: 'episodeOfCare', valueReference: { reference: `EpisodeOfCare/${x}` } }],
          })),
      );
      probes.push(
        pair(`${p.name}: POST Observation/$validate (mode=create) with subject Patient/{A}`, p.token, a.ids.patient, (x) =>
          call(f.t, p.token, 'POST', '/fhir/Observation/$validate?mode=create', { ...f.a.resources.observation, id: undefined, meta: undefined, subject: { reference: `Patient/${x}` } }), false),
      );
      probes.push(
        pair(`${p.name}: POST EpisodeOfCare/$validate (mode=create) for Patient/{A}`, p.token, a.ids.patient, (x) =>
          call(f.t, p.token, 'POST', '/fhir/EpisodeOfCare/$validate?mode=create', { ...f.b.resources.episode, id: undefined, meta: undefined, patient: { reference: `Patient/${x}` } }), false),
      );
      probes.push(searchProbe(`${p.name}: GET Observation/$lastn?subject:Patient.family={A's family}`, p.token, () => get(p.token, `/fhir/Observation/$lastn?subject:Patient.family=${a.family}`)));
      probes.push(searchProbe(`${p.name}: GET Observation/$lastn?patient={A},{B}`, p.token, () => get(p.token, `/fhir/Observation/$lastn?patient=${a.ids.patient},${f.b.ids.patient}`)));
    }
    count += probes.length;
    report('operation', probes.length, await runProbes(probes));
  }, 120_000);

  it('B\'s own resources pointing at A\'s: writing them answers like pointing at nothing, and includes never follow them into A', async () => {
    const b = f.b;
    const probes: Probe[] = [];
    for (const key of HIDDEN_KEYS) {
      const type = f.a.types[key];
      for (const [p, base] of outsiders(f)
        .filter((o) => ['B.system', 'B.clinician', 'B.citizen'].includes(o.name))
        .flatMap((o) => [[o, ''], [o, 'http://kolibri.test/fhir/']] as const)) {
        const observation = (target: string) => ({
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'NPU03011' }] },
          subject: { reference: `Patient/${b.ids.patient}` },
          effectiveDateTime: '2026-05-03T08:00:00Z',
          valueQuantity: { value: 95, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
          focus: [{ reference: `${base}${type}/${target}` }],
        });
        probes.push(
          pair(`${p.name}: POST Observation (B's patient) with focus ${base}${type}/{A.${key}}`, p.token, f.a.ids[key], (x) => call(f.t, p.token, 'POST', '/fhir/Observation', observation(x)), false),
        );
        probes.push({
          name: `${p.name}: _include / _include:iterate / chained search from B's Observation focused on ${base}A.${key}`,
          run: async () => {
            const created = await call(f.t, p.token, 'POST', '/fhir/Observation', observation(f.a.ids[key]));
            if (created.status !== 201) return undefined; // refused alike for a nonexistent target: the pair above decides
            const own = created.json().id as string;
            const failures: string[] = [];
            for (const url of [
              `/fhir/Observation?_id=${own}&_include=Observation:focus`,
              `/fhir/Observation?_id=${own}&_include=*`,
              `/fhir/Observation?_id=${own}&_include=Observation:focus&_include:iterate=*`,
              `/fhir/Observation?focus=${type}/${f.a.ids[key]}`,
              `/fhir/Observation?_id=${own}&_revinclude=Provenance:target&_include=Observation:subject`,
            ]) {
              const res = await get(p.token, url);
              if (res.status !== 200) continue;
              // B's own resources name A's ids in their focus (B wrote them); what must not come back is A's resources themselves
              const found = ((res.json().entry ?? []) as Array<{ resource: { id: string } }>).filter((e) => f.hiddenIdsOfA.has(e.resource.id));
              if (found.length) failures.push(`${url} returned A's ${found.map((e) => f.labels.get(e.resource.id)).join(', ')}`);
            }
            return failures.length ? failures.join('; ') : undefined;
          },
        });
      }
    }
    count += probes.length;
    report('reference', probes.length, await runProbes(probes, 6));
  }, 120_000);

  it('positive controls: B\'s clients find their own data in the same searches and histories', async () => {
    const b = f.b;
    const a = f.a;
    const has = (name: string, token: string, url: string, ids: string[]): Probe => ({
      name,
      run: async () => {
        const res = await get(token, url);
        const missing = ids.filter((id) => !res.body.includes(id));
        return res.status === 200 && missing.length === 0 ? undefined : `answered ${res.status}, missing ${missing.map((id) => f.labels.get(id)).join(', ')}`;
      },
    });
    const since_ = encodeURIComponent(since);
    const probes: Probe[] = [
      has('B.system: Observation?_id={A},{B}&_include=Observation:subject', b.tokens.system, `/fhir/Observation?_id=${a.ids.observation},${b.ids.observation}&_include=Observation:subject`, [b.ids.observation, b.ids.patient]),
      has('B.clinician: Patient?_id={A},{B}&_revinclude=Observation:subject', b.tokens.clinician, `/fhir/Patient?_id=${a.ids.patient},${b.ids.patient}&_revinclude=Observation:subject`, [b.ids.patient, b.ids.observation, b.ids.observationByCitizen]),
      has('B.citizen: Patient/{B}/Observation', b.tokens.citizen, `/fhir/Patient/${b.ids.patient}/Observation`, [b.ids.observation, b.ids.observationByCitizen]),
      has('B.narrow: Observation?subject=Patient/{B}', b.tokens.narrow, `/fhir/Observation?subject=Patient/${b.ids.patient}`, [b.ids.observation]),
      has('B.system: Observation/_history', b.tokens.system, `/fhir/Observation/_history?_since=${since_}&_count=500`, [b.ids.observation]),
      has('B.system: _history (system level)', b.tokens.system, `/fhir/_history?_since=${since_}&_count=1000`, [b.ids.bundle, b.ids.binaryFree, b.ids.observation]),
      has('B.system: Binary/_history', b.tokens.system, `/fhir/Binary/_history?_since=${since_}&_count=500`, [b.ids.binary, b.ids.binaryFree]),
      has('B.system: Provenance/_history', b.tokens.system, `/fhir/Provenance/_history?_since=${since_}&_count=500`, [b.ids.provenance]),
      has('B.clinician: Bundle/{B}', b.tokens.clinician, `/fhir/Bundle/${b.ids.bundle}`, [b.ids.bundle]),
      has('B.citizen: Binary/{B, securityContext}', b.tokens.citizen, `/fhir/Binary/${b.ids.binary}`, [b.ids.binary]),
      has('B.system: Patient/{B}/$everything', b.tokens.system, `/fhir/Patient/${b.ids.patient}/$everything`, [b.ids.observation, b.ids.episode, b.ids.task]),
      has('B.system: Observation/$lastn?patient={B}', b.tokens.system, `/fhir/Observation/$lastn?patient=${b.ids.patient}`, [`Patient/${b.ids.patient}`]),
      has('B.system: ?_type:not=Patient system search', b.tokens.system, `/fhir?_type:not=Patient&_id=${a.ids.observation},${b.ids.observation},${a.ids.patient},${b.ids.patient}`, [b.ids.observation]),
      has('B.system: ?_type=… system search', b.tokens.system, `/fhir?_type=Observation,Patient&_id=${a.ids.observation},${b.ids.observation},${a.ids.patient},${b.ids.patient}`, [b.ids.observation, b.ids.patient]),
      has('B.system: Patient?_has:Observation:subject:_id={B}', b.tokens.system, `/fhir/Patient?_has:Observation:subject:_id=${b.ids.observation}`, [b.ids.patient]),
      has('B.system: Observation?subject:Patient.name={B family}', b.tokens.system, `/fhir/Observation?subject:Patient.name=${b.family}`, [b.ids.observation]),
    ];
    count += probes.length;
    report('B positive control', probes.length, await runProbes(probes));
  }, 120_000);

  it('positive controls: A\'s clients read their own records, everyone reads the directory and definitions', async () => {
    const a = f.a;
    const probes: Probe[] = [];
    const expect200 = (name: string, token: string, url: string): Probe => ({
      name,
      run: async () => {
        const res = await get(token, url);
        return res.status === 200 ? undefined : `expected 200, got ${res.status} ${res.body.slice(0, 200)}`;
      },
    });
    for (const key of HIDDEN_KEYS) {
      const url = `/fhir/${a.types[key]}/${a.ids[key]}`;
      probes.push(expect200(`A.system reads A.${key}`, a.tokens.system, url));
      probes.push(expect200(`A.clinician reads A.${key}`, a.tokens.clinician, url));
      if (![...OWNED_KEYS].includes(key as (typeof OWNED_KEYS)[number])) probes.push(expect200(`A.citizen reads A.${key}`, a.tokens.citizen, url));
      probes.push(expect200(`A.system vreads A.${key}`, a.tokens.system, `${url}/_history/1`));
    }
    probes.push(expect200('A.narrow reads A.observation', a.tokens.narrow, `/fhir/Observation/${a.ids.observation}`));
    for (const e of extras) {
      for (const [name, token] of [['A.system', a.tokens.system], ['A.clinician', a.tokens.clinician], ['A.citizen', a.tokens.citizen]] as const) {
        probes.push(expect200(`${name} reads A.${e.label}`, token, `/fhir/${e.type}/${e.id}`));
      }
    }
    // (the server has no conditional read: If-None-Match is ignored, so A's own read answers 200 — the probes above only compare)
    probes.push(expect200('A.system: HEAD Observation/{A}', a.tokens.system, `/fhir/Observation/${a.ids.observation}`));
    for (const p of [...outsiders(f), { name: 'A.citizen', token: a.tokens.citizen }]) {
      for (const key of DIRECTORY_KEYS) {
        if (p.name === 'B.narrow') continue;
        probes.push(expect200(`${p.name} reads directory A.${key}`, p.token, `/fhir/${a.types[key]}/${a.ids[key]}`));
      }
      for (const [k, d] of Object.entries(f.defs)) {
        if (p.name === 'B.narrow') continue;
        probes.push(expect200(`${p.name} reads definitional ${k}`, p.token, `/fhir/${d.resourceType}/${d.id}`));
      }
    }
    probes.push({
      name: 'A.system finds all of A\'s Observations with their subject',
      run: async () => {
        const res = await get(a.tokens.system, `/fhir/Observation?subject=Patient/${a.ids.patient}&_include=Observation:subject`);
        const found = (res.json().entry ?? []).map((e: { resource: { id: string } }) => e.resource.id).sort();
        const want = [a.ids.observation, a.ids.observationByCitizen, a.ids.patient, ...extras.filter((e) => e.type === 'Observation').map((e) => e.id)].sort();
        return JSON.stringify(found) === JSON.stringify(want) ? undefined : `found ${found.length}: ${JSON.stringify(found)}`;
      },
    });
    probes.push({
      name: 'A.system sees its Bundle and Binaries in type history',
      run: async () => {
        const missing: string[] = [];
        for (const key of ['bundle', 'binaryFree', 'binary', 'provenance', 'device'] as const) {
          const res = await get(a.tokens.system, `/fhir/${a.types[key]}/_history?_since=${encodeURIComponent(since)}&_count=500`);
          if (!res.body.includes(a.ids[key])) missing.push(key);
        }
        return missing.length ? `missing ${missing.join(', ')}` : undefined;
      },
    });
    probes.push(expect200('A.system: Patient/{A}/$everything', a.tokens.system, `/fhir/Patient/${a.ids.patient}/$everything`));
    // the directory searches filtered by A's data do find A's entries for A (so B's empty answers mean something)
    for (const [name, hidden, url] of directoryHasProbes()) {
      probes.push({
        name: `A.system finds something with ${name}`,
        run: async () => {
          const res = await get(a.tokens.system, url(hidden));
          return res.status === 200 && (res.json().entry ?? []).length > 0 ? undefined : `answered ${res.status} with ${(res.json().entry ?? []).length} entries: ${res.body.slice(0, 200)}`;
        },
      });
    }
    count += probes.length;
    report('positive control', probes.length, await runProbes(probes));
  }, 120_000);

  it('the audit trail of A\'s patient (including B\'s refused reads) is not B\'s to read', async () => {
    await drainAudit(f.t);
    const a = f.a;
    const probes: Probe[] = [];
    for (const p of outsiders(f)) {
      const clientId = p.name === 'operator' ? undefined : f.b.apps[p.name.slice(2) as 'system' | 'clinician' | 'citizen' | 'narrow'].clientId;
      const urls = [
        `/fhir/AuditEvent?patient=Patient/${a.ids.patient}`,
        `/fhir/AuditEvent?entity=Patient/${a.ids.patient}`,
        `/fhir/AuditEvent?entity=Observation/${a.ids.observation}`,
        `/fhir/AuditEvent?agent=Organization/${a.org}`,
        `/fhir/AuditEvent?_lastUpdated=ge${since}`,
        `/fhir/AuditEvent?date=ge${since.slice(0, 10)}`,
        `/fhir/AuditEvent?outcome=4&_lastUpdated=ge${since}`,
        ...(clientId ? [`/fhir/AuditEvent?altid=${clientId}`] : []),
        `/fhir/AuditEvent/_history?_since=${encodeURIComponent(since)}`,
        `/fhir/Patient/${a.ids.patient}/AuditEvent`,
      ];
      for (const url of urls) {
        probes.push(searchProbe(`${p.name}: GET ${url.replace(/\?.*/, '?…')} ${url.includes('?') ? url.slice(url.indexOf('?')) : ''}`, p.token, () => get(p.token, `${url}${url.includes('?') ? '&' : '?'}_count=500`)));
      }
    }
    // positive controls: the trail exists (A sees B's refused reads of its patient), and B reads its own patient's trail
    const found = (name: string, token: string, url: string, test: (body: string) => boolean): Probe => ({
      name,
      run: async () => {
        const res = await get(token, url);
        return res.status === 200 && test(res.body) ? undefined : `answered ${res.status} without what was expected: ${res.body.slice(0, 200)}`;
      },
    });
    probes.push(found('A.system finds refused reads (outcome 4) by B\'s system client in its patient\'s trail', a.tokens.system, `/fhir/AuditEvent?patient=Patient/${a.ids.patient}&outcome=4&_count=500`, (body) => body.includes(f.b.apps.system.clientId)));
    probes.push(found('B.system finds its own patient\'s trail', f.b.tokens.system, `/fhir/AuditEvent?patient=Patient/${f.b.ids.patient}&_count=500`, (body) => body.includes(`Patient/${f.b.ids.patient}`)));
    count += probes.length;
    report('audit read', probes.length, await runProbes(probes));
  }, 120_000);

  it('nothing of A\'s changed (versions straight from the database)', async () => {
    expect(await versionsOf(f.t, [...protectedIds(f), ...extras.map((e) => e.id)])).toEqual(before);
  });
});
