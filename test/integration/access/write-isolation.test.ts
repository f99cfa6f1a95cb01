import { nonCprUuid } from '../../support/ids';
import type { Resource } from '@medplum/fhirtypes';
import { createTestApp, type TestApp } from '../../support/app';
import { spo2Observation } from '../../support/spo2';
import { accessToken, registerVendorApp } from '../auth/vendor-app';

const CPR = 'urn:oid:1.2.208.176.1.2';

/**
 * The write side of tenant isolation (issue 12, items 1–4 and 6–9), with real tokens: a second
 * municipality's clients can neither take over, move, re-parent nor enrol the first one's
 * records, grant-bearing and definitional resources change only by their owners, records
 * outside patient compartments belong to their organization, and what is hidden answers like
 * what does not exist.
 */
describe('tenant isolation on writes', () => {
  let t: TestApp;
  const orgA = nonCprUuid();
  const orgB = nonCprUuid();
  const tok = { sysA: '', sysB: '', clinA: '', clinB: '', operator: '' };
  const id = { practitionerA: '', practitionerB: '', teamA: '', teamB: '', patientA: '', patientB: '', episodeA: '', episodeB: '', obsA: '', obsB: '', binaryA: '', bundleA: '', provenanceA: '', deviceA: '' };
  const cprA = `0101${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;

  const headers = (token: string, contentType = 'application/fhir+json') => ({ authorization: `Bearer ${token}`, 'content-type': contentType });
  const call = (token: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown, extra: Record<string, string> = {}) =>
    t.app.inject({ method, url, headers: { ...headers(token, method === 'PATCH' ? 'application/json-patch+json' : 'application/fhir+json'), ...extra }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const create = async (token: string, resource: Record<string, unknown>): Promise<string> => {
    const res = await call(token, 'POST', `/fhir/${resource.resourceType}`, resource);
    if (res.statusCode !== 201) throw new Error(`create ${resource.resourceType}: ${res.statusCode} ${res.body}`);
    return res.json().id;
  };
  const version = async (type: string, rid: string) => (await t.services.store.read(type, rid))?.versionId;
  const obs = (patient: string, value = 91) => spo2Observation(patient, value) as unknown as Record<string, unknown>;
  /** Status and body with the id replaced: what a caller can tell two answers apart by. */
  const answer = (res: { statusCode: number; body: string }, ...ids: string[]) => [res.statusCode, ids.reduce((b, i) => b.split(i).join('<id>'), res.body)];

  beforeAll(async () => {
    t = await createTestApp({ auth: 'on' });
    const store = (r: Resource) => t.services.store.transaction((tx) => tx.create(r));
    // the directory as the operator would have registered it
    await t.services.store.transaction(async (tx) => {
      await tx.update({ resourceType: 'Organization', id: orgA, name: 'Kommune A' } as Resource, { allowCreate: true });
      await tx.update({ resourceType: 'Organization', id: orgB, name: 'Kommune B' } as Resource, { allowCreate: true });
    });
    const apps = {
      sysA: await registerVendorApp(t, { organization: `Organization/${orgA}`, scopes: ['system/*.cruds'] }),
      sysB: await registerVendorApp(t, { organization: `Organization/${orgB}`, scopes: ['system/*.cruds'] }),
      clinA: await registerVendorApp(t, { kind: 'clinician', organization: `Organization/${orgA}`, scopes: ['user/*.cruds'] }),
      clinB: await registerVendorApp(t, { kind: 'clinician', organization: `Organization/${orgB}`, scopes: ['user/*.cruds'] }),
      operator: await registerVendorApp(t, { kind: 'operator', organization: 'Organization/national-operator', scopes: ['system/*.cruds'] }),
    };
    tok.sysA = await accessToken(t, apps.sysA, 'system/*.cruds');
    tok.sysB = await accessToken(t, apps.sysB, 'system/*.cruds');
    tok.operator = await accessToken(t, apps.operator, 'system/*.cruds');
    // each municipality builds its own records through the API
    for (const [side, sys] of [['A', tok.sysA], ['B', tok.sysB]] as const) {
      const org = side === 'A' ? orgA : orgB;
      const practitioner = await create(sys, { resourceType: 'Practitioner', name: [{ family: `Lund ${side}` }] });
      const team = await create(sys, { resourceType: 'CareTeam', name: `KOL ${side}`, managingOrganization: [{ reference: `Organization/${org}` }], participant: [{ member: { reference: `Practitioner/${practitioner}` } }] });
      const patient = await create(sys, { resourceType: 'Patient', identifier: [{ system: CPR, value: side === 'A' ? cprA : `0202${cprA.slice(4)}` }], name: [{ family: `Borger ${side}` }] });
      const episode = await create(sys, { resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${patient}` }, managingOrganization: { reference: `Organization/${org}` }, team: [{ reference: `CareTeam/${team}` }] });
      const o = await create(sys, obs(patient));
      if (side === 'A') Object.assign(id, { practitionerA: practitioner, teamA: team, patientA: patient, episodeA: episode, obsA: o });
      else Object.assign(id, { practitionerB: practitioner, teamB: team, patientB: patient, episodeB: episode, obsB: o });
    }
    tok.clinA = await accessToken(t, apps.clinA, 'user/*.cruds', { claims: { practitioner: `Practitioner/${id.practitionerA}`, care_team: `CareTeam/${id.teamA}` } });
    tok.clinB = await accessToken(t, apps.clinB, 'user/*.cruds', { claims: { practitioner: `Practitioner/${id.practitionerB}`, care_team: `CareTeam/${id.teamB}` } });
    id.binaryA = await create(tok.sysA, { resourceType: 'Binary', contentType: 'text/plain', securityContext: { reference: `Observation/${id.obsA}` }, data: Buffer.from(cprA).toString('base64') });
    id.bundleA = await create(tok.sysA, { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Basic', code: { text: 'note' } } }] });
    id.provenanceA = await create(tok.sysA, { resourceType: 'Provenance', target: [{ reference: `Observation/${id.obsA}` }], recorded: '2026-05-01T09:00:00Z', agent: [{ who: { reference: `Organization/${orgA}` } }] });
    id.deviceA = await create(tok.sysA, { resourceType: 'Device', patient: { reference: `Patient/${id.patientA}` }, deviceName: [{ name: 'Oximeter', type: 'user-friendly-name' }] });
    void store;
  });
  afterAll(() => t.close());

  it('item 1: a conditional update never matches, takes over or overwrites what the caller cannot see', async () => {
    const moved = { ...obs(id.patientB, 50) };
    const missing = nonCprUuid();
    // with the hidden id in the body: the same answer as for an id that does not exist, nothing changed
    const hidden = await call(tok.sysB, 'PUT', `/fhir/Observation?_id=${id.obsA}`, { ...moved, id: id.obsA });
    const absent = await call(tok.sysB, 'PUT', `/fhir/Observation?_id=${missing}`, { ...moved, id: missing });
    expect(answer(hidden, id.obsA)).toEqual(answer(absent, missing));
    expect(hidden.statusCode).toBeGreaterThanOrEqual(400);
    // by CPR: B's conditional update finds no patient of A's and creates B's own
    const byCpr = await call(tok.sysB, 'PUT', `/fhir/Patient?identifier=${CPR}|${cprA}`, { resourceType: 'Patient', identifier: [{ system: CPR, value: cprA }], name: [{ family: 'Overtaget' }] });
    expect(byCpr.statusCode).toBe(201);
    expect(byCpr.json().id).not.toBe(id.patientA);
    for (const token of [tok.clinB]) {
      const res = await call(token, 'PUT', `/fhir/Patient?identifier=${CPR}|${cprA}`, { resourceType: 'Patient', id: id.patientA, identifier: [{ system: CPR, value: cprA }] });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
    }
    expect(await version('Observation', id.obsA)).toBe(1);
    expect(await version('Patient', id.patientA)).toBe(1);
    // … and A still reads both, B sees no history of them
    expect((await call(tok.sysA, 'GET', `/fhir/Observation/${id.obsA}`)).statusCode).toBe(200);
    expect((await call(tok.sysB, 'GET', `/fhir/Observation/${id.obsA}/_history`)).statusCode).toBe(404);
  });

  it('item 2: a patch is authorized on its result too (single, conditional, transaction entry)', async () => {
    const move = [{ op: 'replace', path: '/subject/reference', value: `Patient/${id.patientB}` }];
    expect((await call(tok.sysA, 'PATCH', `/fhir/Observation/${id.obsA}`, move)).statusCode).toBe(403);
    expect((await call(tok.sysA, 'PATCH', `/fhir/Observation?_id=${id.obsA}`, move)).statusCode).toBe(403);
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: Buffer.from(JSON.stringify(move)).toString('base64') }, request: { method: 'PATCH', url: `Observation/${id.obsA}` } }],
    };
    expect((await call(tok.sysA, 'POST', '/fhir', bundle)).statusCode).toBe(403);
    expect(await version('Observation', id.obsA)).toBe(1);
    // a patch within the patient's own data is fine
    const ok = await call(tok.sysA, 'PATCH', `/fhir/Observation/${id.obsA}`, [{ op: 'add', path: '/note', value: [{ text: 'checked' }] }]);
    expect(ok.statusCode).toBe(200);
  });

  it('item 3: grant-bearing and definitional resources change only by their owners', async () => {
    const teamA = JSON.parse((await call(tok.sysA, 'GET', `/fhir/CareTeam/${id.teamA}`)).body);
    const widened = { ...teamA, managingOrganization: [...teamA.managingOrganization, { reference: `Organization/${orgB}` }], participant: [...teamA.participant, { member: { reference: `Practitioner/${id.practitionerB}` } }] };
    const attempts = [
      call(tok.sysB, 'PUT', `/fhir/CareTeam/${id.teamA}`, widened),
      call(tok.clinB, 'PUT', `/fhir/CareTeam/${id.teamA}`, widened),
      call(tok.sysB, 'DELETE', `/fhir/CareTeam/${id.teamA}`),
      call(tok.sysA, 'PUT', `/fhir/CareTeam/${id.teamA}`, { ...teamA, managingOrganization: [{ reference: `Organization/${orgB}` }] }),
      call(tok.sysB, 'PUT', `/fhir/Organization/${orgA}`, { resourceType: 'Organization', id: orgA, name: 'Taken' }),
      call(tok.sysB, 'POST', '/fhir/CareTeam', { resourceType: 'CareTeam', managingOrganization: [{ reference: `Organization/${orgA}` }] }),
      call(tok.sysA, 'PUT', `/fhir/ActivityDefinition/probe-${orgA}`, { resourceType: 'ActivityDefinition', id: `probe-${orgA}`, status: 'active' }),
      call(tok.sysA, 'POST', '/fhir/Questionnaire', { resourceType: 'Questionnaire', status: 'active' }),
      call(tok.clinA, 'POST', '/fhir/ValueSet', { resourceType: 'ValueSet', status: 'active' }),
    ];
    for (const res of await Promise.all(attempts)) expect([res.statusCode, res.json().resourceType]).toEqual([403, 'OperationOutcome']);
    expect(await version('CareTeam', id.teamA)).toBe(1);
    expect(await version('Organization', orgA)).toBe(1);
    // B's clinician still gets no token in A's care team
    // the operator maintains definitions, A's own system client its organization record
    const ad = `probe-${nonCprUuid()}`;
    expect((await call(tok.operator, 'PUT', `/fhir/ActivityDefinition/${ad}`, { resourceType: 'ActivityDefinition', id: ad, status: 'active' })).statusCode).toBe(201);
    expect((await call(tok.operator, 'PUT', `/fhir/ActivityDefinition/${ad}`, { resourceType: 'ActivityDefinition', id: ad, status: 'retired' })).statusCode).toBe(200);
    expect((await call(tok.operator, 'POST', '/fhir/Observation', obs(id.patientA))).statusCode).toBe(403);
    expect((await call(tok.sysA, 'PUT', `/fhir/Organization/${orgA}`, { resourceType: 'Organization', id: orgA, name: 'Kommune A (ny)' })).statusCode).toBe(200);
    expect((await call(tok.sysA, 'PUT', `/fhir/CareTeam/${id.teamA}`, { ...teamA, name: 'KOL A (ny)' })).statusCode).toBe(200);
  });

  it('item 4: enrolling another municipality’s patient by id is refused', async () => {
    const episode = { resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${id.patientA}` }, managingOrganization: { reference: `Organization/${orgB}` }, team: [{ reference: `CareTeam/${id.teamB}` }] };
    expect((await call(tok.sysB, 'POST', '/fhir/EpisodeOfCare', episode)).statusCode).toBe(403);
    expect((await call(tok.clinB, 'POST', '/fhir/EpisodeOfCare', episode)).statusCode).toBe(403);
    expect((await call(tok.sysB, 'POST', '/fhir/EpisodeOfCare', { ...episode, managingOrganization: { reference: `Organization/${orgA}` } })).statusCode).toBe(403);
    // nor can B move its own episode onto A's patient
    const own = JSON.parse((await call(tok.sysB, 'GET', `/fhir/EpisodeOfCare/${id.episodeB}`)).body);
    expect((await call(tok.sysB, 'PUT', `/fhir/EpisodeOfCare/${id.episodeB}`, { ...own, patient: { reference: `Patient/${id.patientA}` } })).statusCode).toBe(403);
    expect((await call(tok.sysB, 'GET', `/fhir/Patient/${id.patientA}/$everything`)).statusCode).toBe(404);
    // sharing is the owner's act: A adds B's team to its episode, then B reaches the patient
    const shared = await t.app.inject({ method: 'GET', url: `/fhir/Patient/${id.patientA}`, headers: headers(tok.clinB) });
    expect(shared.statusCode).toBe(404);
  });

  it('item 6: records outside patient compartments belong to their organization or follow the patient they point at', async () => {
    for (const [type, rid] of [['Binary', id.binaryA], ['Bundle', id.bundleA], ['Provenance', id.provenanceA], ['Device', id.deviceA]] as const) {
      expect([type, (await call(tok.sysB, 'GET', `/fhir/${type}/${rid}`)).statusCode]).toEqual([type, 404]);
      expect([type, (await call(tok.clinB, 'GET', `/fhir/${type}/${rid}`)).statusCode]).toEqual([type, 404]);
      expect([type, (await call(tok.sysA, 'GET', `/fhir/${type}/${rid}`)).statusCode]).toEqual([type, 200]);
      expect([type, (await call(tok.sysB, 'GET', `/fhir/${type}?_id=${rid}`)).json().entry ?? []]).toEqual([type, []]);
    }
    // the Binary, Provenance and Device follow patient A: A's clinician sees them, the Bundle is A's system's record
    expect((await call(tok.clinA, 'GET', `/fhir/Binary/${id.binaryA}`)).statusCode).toBe(200);
    expect((await call(tok.clinA, 'GET', `/fhir/Provenance/${id.provenanceA}`)).statusCode).toBe(200);
    const mine = new Set(Object.values(id).filter((v) => v && ![id.practitionerA, id.teamA, id.practitionerB, id.teamB, id.patientB, id.episodeB, id.obsB].includes(v)));
    for (const url of ['/fhir/_history?_count=1000', '/fhir/Binary/_history?_count=1000', '/fhir/Provenance/_history?_count=1000', '/fhir/Device/_history', '/fhir/Bundle/_history']) {
      const found = ((await call(tok.sysB, 'GET', url)).json().entry ?? []).map((e: { fullUrl: string }) => e.fullUrl.split('/').pop());
      expect([url, found.filter((f: string) => mine.has(f))]).toEqual([url, []]);
    }
    // B cannot point a Binary into A's patient either (the same answer as for a resource that does not exist)
    const into = await call(tok.sysB, 'POST', '/fhir/Binary', { resourceType: 'Binary', contentType: 'text/plain', securityContext: { reference: `Observation/${id.obsA}` } });
    const nowhere = await call(tok.sysB, 'POST', '/fhir/Binary', { resourceType: 'Binary', contentType: 'text/plain', securityContext: { reference: `Observation/${nonCprUuid()}` } });
    expect(into.statusCode).toBe(403);
    expect(answer(into)).toEqual(answer(nowhere));
  });

  it('item 7: hidden and nonexistent answer alike (vread, instance history, patch of a deleted resource, writes)', async () => {
    const missing = nonCprUuid();
    const deletedA = await create(tok.sysA, obs(id.patientA));
    expect((await call(tok.sysA, 'DELETE', `/fhir/Observation/${deletedA}`)).statusCode).toBe(200);
    const pairs: Array<[string, 'GET' | 'PATCH' | 'DELETE' | 'PUT', (x: string) => string, unknown?]> = [
      ['vread', 'GET', (x) => `/fhir/Observation/${x}/_history/1`],
      ['instance history', 'GET', (x) => `/fhir/Observation/${x}/_history`],
      ['read', 'GET', (x) => `/fhir/Observation/${x}`],
      ['patch', 'PATCH', (x) => `/fhir/Observation/${x}`, [{ op: 'replace', path: '/status', value: 'amended' }]],
      ['delete', 'DELETE', (x) => `/fhir/Observation/${x}`],
    ];
    for (const [what, method, url, body] of pairs) {
      for (const hidden of [id.obsA, deletedA]) {
        const h = await call(tok.sysB, method, url(hidden), body);
        const m = await call(tok.sysB, method, url(missing), body);
        expect([what, ...answer(h, hidden)]).toEqual([what, ...answer(m, missing)]);
      }
    }
    for (const token of [tok.sysB, tok.clinB]) {
      const h = await call(token, 'PUT', `/fhir/Observation/${id.obsA}`, { ...obs(id.patientB), id: id.obsA }, { 'if-match': 'W/"1"' });
      const m = await call(token, 'PUT', `/fhir/Observation/${missing}`, { ...obs(id.patientB), id: missing }, { 'if-match': 'W/"1"' });
      expect(answer(h, id.obsA)).toEqual(answer(m, missing));
      expect(h.statusCode).toBe(412);
    }
    expect(await version('Observation', id.obsA)).toBe(2); // item 2's own note only
  });

  it('item 8: a transaction’s writes are authorized on the state the transaction itself sees', async () => {
    // A's clinician ends the episode that lets it reach the patient and, in the same
    // transaction, changes the patient's Observation: the second entry is judged after the first
    const own = await create(tok.sysA, obs(id.patientA, 93));
    const episode = await create(tok.sysA, { resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${id.patientA}` }, managingOrganization: { reference: `Organization/${orgA}` }, team: [{ reference: `CareTeam/${id.teamA}` }] });
    const current = JSON.parse((await call(tok.clinA, 'GET', `/fhir/Observation/${own}`)).body);
    const bundle = (episodes: string[]) => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        ...episodes.map((e) => ({ request: { method: 'DELETE', url: `EpisodeOfCare/${e}` } })),
        { resource: { ...current, status: 'amended' }, request: { method: 'PUT', url: `Observation/${own}` } },
      ],
    });
    const res = await call(tok.clinA, 'POST', '/fhir', bundle([episode, id.episodeA]));
    // the Observation is out of the clinician's reach once both episodes are gone: a PUT to it
    // answers as a PUT to an id that does not exist, and the whole transaction changes nothing
    expect(res.statusCode).toBe(405);
    expect(await version('Observation', own)).toBe(1);
    expect(await version('EpisodeOfCare', episode)).toBe(1);
  });

  it('item 9: a system client reads and changes the Patient it created before any episode exists', async () => {
    const created = await call(tok.sysB, 'POST', '/fhir/Patient', { resourceType: 'Patient', name: [{ family: 'Ny' }] });
    expect(created.statusCode).toBe(201);
    const pid = created.json().id;
    expect((await call(tok.sysB, 'GET', `/fhir/Patient/${pid}`)).statusCode).toBe(200);
    expect((await call(tok.sysB, 'PATCH', `/fhir/Patient/${pid}`, [{ op: 'add', path: '/active', value: true }])).statusCode).toBe(200);
    expect((await call(tok.sysB, 'POST', '/fhir/Observation', obs(pid))).statusCode).toBe(201);
    // … and the other municipality still cannot
    expect((await call(tok.sysA, 'GET', `/fhir/Patient/${pid}`)).statusCode).toBe(404);
    // a clinician reaches patients through its team's episodes: its new Patient is not readable to
    // it yet, and the 201 says so instead of returning what a read would then refuse
    const byClinician = await call(tok.clinB, 'POST', '/fhir/Patient', { resourceType: 'Patient', name: [{ family: 'Ny2' }] });
    expect([byClinician.statusCode, byClinician.json().resourceType]).toEqual([201, 'OperationOutcome']);
    // the care model's words for how the clinician comes to reach it
    expect(byClinician.json().issue[0].diagnostics).toMatch(/You can read it once an EpisodeOfCare of your care team includes the patient/);
    const location = byClinician.headers.location as string;
    const newId = location.split('/Patient/')[1].split('/')[0];
    expect((await call(tok.clinB, 'GET', `/fhir/Patient/${newId}`)).statusCode).toBe(404);
    // its organization opens the episode with the clinician's team: now the clinician reads it
    await create(tok.clinB, { resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${newId}` }, managingOrganization: { reference: `Organization/${orgB}` }, team: [{ reference: `CareTeam/${id.teamB}` }] });
    expect((await call(tok.clinB, 'GET', `/fhir/Patient/${newId}`)).statusCode).toBe(200);
  });
});
