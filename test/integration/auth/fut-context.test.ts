import { nonCprUuid } from '../../support/ids';
import type { Resource } from '@medplum/fhirtypes';
import { FixedClock } from '../../support/app';
import { drainAudit } from '../../support/audit-drain';
import { decodeParts, registerVendorApp, type VendorApp } from './vendor-app';
import { FutClient, idsOf, startFutServer, type FutServer } from './fut-client';

/**
 * The national infrastructure's context selection over real HTTP: token → contexts listing →
 * refresh_token grant with organization_id / care_team_id / patient_id / episode_of_care_id →
 * search with the new token; refusals alike for foreign and nonexistent contexts; rotation.
 */
describe('FUT context selection (refresh_token grant and ehealth-connect contexts)', () => {
  let s: FutServer;
  const AALBORG = `aalborg-${nonCprUuid()}`;
  const KBH = `kbh-${nonCprUuid()}`;
  const ids = { practitioner: '', kbhPractitioner: '', team: '', team2: '', foreignTeam: '', a: '', b: '', c: '', e1: '', e2: '', e3: '', obsA: '', obsB: '' };
  let clinicianApp: VendorApp;
  let clinician: FutClient;
  const url = (ref: string) => `${s.fhirBase}/${ref}`;

  const store = (resource: Record<string, unknown>) => s.t.services.store.transaction((tx) => tx.create(resource as unknown as Resource)).then((r) => r.id);
  const team = (org: string, practitioner: string, name: string) =>
    store({ resourceType: 'CareTeam', status: 'active', name, managingOrganization: [{ reference: `Organization/${org}` }], participant: [{ member: { reference: `Practitioner/${practitioner}` } }] });
  const episode = (patient: string, teamId: string, org: string) =>
    store({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${patient}` }, managingOrganization: { reference: `Organization/${org}` }, team: [{ reference: `CareTeam/${teamId}` }] });
  const observation = (patient: string) =>
    store({ resourceType: 'Observation', status: 'final', code: { text: 'SpO2' }, subject: { reference: `Patient/${patient}` }, valueQuantity: { value: 95, unit: '%' } });

  /** A logged-in clinician app with its refresh token (no care team chosen yet). */
  const login = async (client = clinician, practitioner = ids.practitioner) => {
    const res = await client.login('user/*.rs', { practitioner: `Practitioner/${practitioner}` });
    expect(res.status).toBe(200);
    return res.body as { access_token: string; refresh_token: string };
  };

  beforeAll(async () => {
    s = await startFutServer();
    await s.t.services.store.transaction((tx) => tx.update({ resourceType: 'Organization', id: AALBORG, name: 'Aalborg Kommune' } as Resource, { allowCreate: true }));
    ids.practitioner = await store({ resourceType: 'Practitioner', name: [{ family: 'Holm' }] });
    ids.kbhPractitioner = await store({ resourceType: 'Practitioner', name: [{ family: 'Berg' }] });
    ids.team = await team(AALBORG, ids.practitioner, 'KOL-teamet');
    ids.team2 = await team(AALBORG, ids.practitioner, 'Hjertesvigt');
    ids.foreignTeam = await team(KBH, ids.kbhPractitioner, 'KBH KOL');
    ids.a = await store({ resourceType: 'Patient', gender: 'male' });
    ids.b = await store({ resourceType: 'Patient', gender: 'female' });
    ids.c = await store({ resourceType: 'Patient', gender: 'female' });
    ids.e1 = await episode(ids.a, ids.team, AALBORG);
    ids.e2 = await episode(ids.b, ids.team2, AALBORG);
    ids.e3 = await episode(ids.c, ids.foreignTeam, KBH);
    ids.obsA = await observation(ids.a);
    ids.obsB = await observation(ids.b);
    clinicianApp = await registerVendorApp(s.t, { kind: 'clinician', organization: `Organization/${AALBORG}`, scopes: ['user/*.rs'] });
    clinician = new FutClient(s, clinicianApp);
  });
  afterAll(() => s.close());

  it('runs the reference clients’ sequence: token, contexts, refresh with context, search', async () => {
    const first = await login();
    expect(first.refresh_token).toEqual(expect.any(String));
    expect(decodeParts(first.access_token).payload).toMatchObject({ user_type: 'PRACTITIONER', context: { organization_id: url(`Organization/${AALBORG}`) } });
    // without a care team the token reaches no patient
    expect(((await clinician.fhir(first.access_token, `Observation?subject=Patient/${ids.a}`)).body.entry ?? []) as unknown[]).toHaveLength(0);

    const listed = await clinician.contexts(first.access_token);
    expect(listed.status).toBe(200);
    expect(listed.body.organizations).toEqual([{ id: AALBORG, url: url(`Organization/${AALBORG}`), name: 'Aalborg Kommune' }]);
    expect(idsOf(listed.body, 'care_teams')).toEqual([ids.team, ids.team2].sort());
    expect((listed.body.care_teams as Array<{ affiliation: { id: string } }>)[0].affiliation.id).toBe(AALBORG);
    expect(idsOf(listed.body, 'episodes_of_care')).toEqual([ids.e1, ids.e2].sort());
    expect(idsOf(listed.body, 'patients')).toEqual([ids.a, ids.b].sort());
    // the listing named these patients to this client: each has an AuditEvent of it
    await drainAudit(s.t);
    const { rows } = await s.t.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM resource WHERE resource_type = 'AuditEvent' AND content LIKE $1 AND content LIKE '%ehealth-connect/contexts%' AND (content LIKE $2 OR content LIKE $3)`,
      [`%${clinicianApp.clientId}%`, `%Patient/${ids.a}"%`, `%Patient/${ids.b}"%`],
    );
    expect(Number(rows[0].n)).toBe(2);

    const chosen = (listed.body.care_teams as Array<{ id: string; url: string; affiliation: { url: string } }>).find((t) => t.id === ids.team)!;
    const withTeam = await clinician.refresh(first.refresh_token, { organization_id: chosen.affiliation.url, care_team_id: chosen.url });
    expect(withTeam.status).toBe(200);
    expect(withTeam.body.refresh_token).toEqual(expect.any(String));
    expect(withTeam.body.refresh_token).not.toBe(first.refresh_token);
    expect(decodeParts(withTeam.body.access_token!).payload).toMatchObject({
      care_team: `CareTeam/${ids.team}`,
      practitioner: `Practitioner/${ids.practitioner}`,
      context: { organization_id: url(`Organization/${AALBORG}`), care_team_id: url(`CareTeam/${ids.team}`) },
    });
    const found = await clinician.fhir(withTeam.body.access_token!, `Observation?subject=Patient/${ids.a}`);
    expect(found.status).toBe(200);
    expect((found.body.entry as Array<{ resource: { id: string } }>).map((e) => e.resource.id)).toEqual([ids.obsA]);

    // a patient and episode (relative references work too)
    const withPatient = await clinician.refresh(withTeam.body.refresh_token!, { care_team_id: `CareTeam/${ids.team}`, patient_id: url(`Patient/${ids.a}`), episode_of_care_id: `EpisodeOfCare/${ids.e1}` });
    expect(withPatient.status).toBe(200);
    expect(withPatient.body).toMatchObject({ patient: ids.a });
    expect(decodeParts(withPatient.body.access_token!).payload).toMatchObject({ patient: `Patient/${ids.a}`, episode_of_care: `EpisodeOfCare/${ids.e1}` });
  });

  it('refuses searches that contradict the context (403), whether the other resource exists or not', async () => {
    const first = await login();
    const res = await clinician.refresh(first.refresh_token, { care_team_id: url(`CareTeam/${ids.team}`), patient_id: url(`Patient/${ids.a}`) });
    const token = res.body.access_token!;
    const refusal = async (path: string) => {
      const r = await clinician.fhir(token, path);
      expect(r.status).toBe(403);
      expect(r.body.resourceType).toBe('OperationOutcome');
      const diagnostics = (r.body.issue as Array<{ diagnostics: string }>)[0].diagnostics;
      expect(diagnostics).toContain('contradicts');
      return diagnostics;
    };
    const other = await refusal(`Observation?subject=Patient/${ids.b}`);
    const missing = await refusal(`Observation?subject=Patient/${nonCprUuid()}`);
    const shape = (d: string) => d.replace(/Patient\/[A-Za-z0-9-]+(?=,)/, 'Patient/X');
    expect(shape(other)).toBe(shape(missing));
    expect(other).toContain('subject');
    expect(other).toContain(`Patient/${ids.a}`);
    await refusal(`Task?owner=CareTeam/${ids.team2}`);
    await refusal(`Patient?_id=${ids.b}`);
    await refusal(`Patient/${ids.b}/Observation`);
    await refusal(`Observation?subject:Patient._id=${ids.b}`);
    // within the context: fine, and so is a list that includes the context's own (the access filter narrows it)
    const both = await clinician.fhir(token, `Patient?_id=${ids.a},${ids.b}`);
    expect(both.status).toBe(200);
    expect((both.body.entry as Array<{ resource: { id: string } }>).map((e) => e.resource.id)).toEqual([ids.a]);
    expect((await clinician.fhir(token, `Observation?patient=Patient/${ids.a}`)).status).toBe(200);
    expect((await clinician.fhir(token, `Task?owner=CareTeam/${ids.team}`)).status).toBe(200);
  });

  it('refuses contexts the client may not take exactly as ids that do not exist, and keeps the token usable', async () => {
    const first = await login();
    const description = async (context: Parameters<FutClient['refresh']>[1]) => {
      const res = await clinician.refresh(first.refresh_token, context);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
      return res.body.error_description!;
    };
    const same = (a: string, b: string, x: string, y: string) => expect(a.replace(x, 'ID')).toBe(b.replace(y, 'ID'));
    const ghost = nonCprUuid();
    same(await description({ care_team_id: url(`CareTeam/${ids.foreignTeam}`) }), await description({ care_team_id: url(`CareTeam/${ghost}`) }), ids.foreignTeam, ghost);
    same(
      await description({ care_team_id: url(`CareTeam/${ids.team}`), patient_id: url(`Patient/${ids.c}`) }),
      await description({ care_team_id: url(`CareTeam/${ids.team}`), patient_id: url(`Patient/${ghost}`) }),
      ids.c,
      ghost,
    );
    same(
      await description({ care_team_id: url(`CareTeam/${ids.team}`), episode_of_care_id: url(`EpisodeOfCare/${ids.e2}`) }),
      await description({ care_team_id: url(`CareTeam/${ids.team}`), episode_of_care_id: url(`EpisodeOfCare/${ghost}`) }),
      ids.e2,
      ghost,
    );
    // an episode (or patient) without a care team: another municipality's and a missing one alike, no patient revealed
    same(await description({ episode_of_care_id: url(`EpisodeOfCare/${ids.e3}`) }), await description({ episode_of_care_id: url(`EpisodeOfCare/${ghost}`) }), ids.e3, ghost);
    same(await description({ patient_id: url(`Patient/${ids.c}`) }), await description({ patient_id: url(`Patient/${ghost}`) }), ids.c, ghost);
    same(await description({ organization_id: url(`Organization/${KBH}`) }), await description({ organization_id: url(`Organization/${ghost}`) }), KBH, ghost);
    // a URL on another server or of the wrong type is malformed, not a context
    for (const context of [{ care_team_id: `https://elsewhere.test/fhir/CareTeam/${ids.team}` }, { care_team_id: url(`Patient/${ids.a}`) }]) {
      const res = await clinician.refresh(first.refresh_token, context);
      expect(`${res.status} ${res.body.error}`).toBe('400 invalid_request');
    }
    // none of the refusals spent the token
    expect((await clinician.refresh(first.refresh_token, { care_team_id: url(`CareTeam/${ids.team}`) })).status).toBe(200);
  });

  it("lists and selects only the caller's own tenant's contexts (another municipality's clinician)", async () => {
    const kbhApp = await registerVendorApp(s.t, { kind: 'clinician', organization: `Organization/${KBH}`, scopes: ['user/*.rs'] });
    const kbh = new FutClient(s, kbhApp);
    const first = await login(kbh, ids.kbhPractitioner);
    const listed = await kbh.contexts(first.access_token);
    expect(idsOf(listed.body, 'care_teams')).toEqual([ids.foreignTeam]);
    expect(idsOf(listed.body, 'episodes_of_care')).toEqual([ids.e3]);
    expect(idsOf(listed.body, 'patients')).toEqual([ids.c]);
    expect(JSON.stringify(listed.body)).not.toContain(ids.a);
    const res = await kbh.refresh(first.refresh_token, { care_team_id: url(`CareTeam/${ids.team}`) });
    expect(`${res.status} ${res.body.error}`).toBe('400 invalid_grant');
    // Aalborg's practitioner logged in through the KBH app sees no KBH team he is not in, nor Aalborg's
    const stranger = await login(kbh, ids.practitioner);
    expect(idsOf((await kbh.contexts(stranger.access_token)).body, 'care_teams')).toEqual([]);
    // one client's refresh token is nothing to another
    const aalborg = await login();
    const stolen = await kbh.refresh(aalborg.refresh_token, {});
    expect(stolen.body).toMatchObject({ error: 'invalid_grant', error_description: 'the refresh_token is not valid' });
  });

  it('rotates refresh tokens: a spent one presented again revokes its family', async () => {
    const first = await login();
    const second = await clinician.refresh(first.refresh_token, { care_team_id: url(`CareTeam/${ids.team}`) });
    expect(second.status).toBe(200);
    const reused = await clinician.refresh(first.refresh_token, { care_team_id: url(`CareTeam/${ids.team}`) });
    expect(reused.body).toMatchObject({ error: 'invalid_grant', error_description: 'the refresh_token is not valid' });
    // the family is gone: the newest token of it no longer works either
    const after = await clinician.refresh(second.body.refresh_token!, {});
    expect(after.body).toMatchObject({ error: 'invalid_grant', error_description: 'the refresh_token is not valid' });
    // scope may narrow, never widen
    const fresh = await login();
    const narrowed = await clinician.refresh(fresh.refresh_token, {}, { scope: 'user/Observation.rs' });
    expect(narrowed.body.scope).toBe('user/Observation.rs');
    const widened = await clinician.refresh(narrowed.body.refresh_token!, {}, { scope: 'user/Patient.rs' });
    expect(`${widened.status} ${widened.body.error}`).toBe('400 invalid_scope');
    // a revoked client's refresh tokens stop at once
    const doomedApp = await registerVendorApp(s.t, { kind: 'clinician', organization: `Organization/${AALBORG}`, scopes: ['user/*.rs'] });
    const doomed = new FutClient(s, doomedApp);
    const live = await login(doomed);
    await s.t.auth.revoke(doomedApp.clientId);
    const afterRevoke = await doomed.refresh(live.refresh_token, { care_team_id: url(`CareTeam/${ids.team}`) });
    expect(`${afterRevoke.status} ${afterRevoke.body.error}`).toBe('401 invalid_client');
  });

  it('gives citizens their own patient and episodes only, and system clients no refresh token', async () => {
    const citizenApp = await registerVendorApp(s.t, { kind: 'citizen', organization: `Organization/${AALBORG}`, patient: `Patient/${ids.a}`, scopes: ['patient/*.rs'] });
    const citizen = new FutClient(s, citizenApp);
    const first = await citizen.login('patient/*.rs');
    expect(first.body.refresh_token).toEqual(expect.any(String));
    expect(decodeParts(first.body.access_token!).payload).toMatchObject({ user_type: 'PATIENT', context: { patient_id: url(`Patient/${ids.a}`) } });
    const listed = await citizen.contexts(first.body.access_token!);
    expect(idsOf(listed.body, 'patients')).toEqual([ids.a]);
    expect(idsOf(listed.body, 'episodes_of_care')).toEqual([ids.e1]);
    expect(idsOf(listed.body, 'care_teams')).toEqual([]);
    const other = await citizen.refresh(first.body.refresh_token!, { patient_id: url(`Patient/${ids.b}`) });
    expect(`${other.status} ${other.body.error}`).toBe('400 invalid_grant');
    const own = await citizen.refresh(first.body.refresh_token!, { patient_id: url(`Patient/${ids.a}`), episode_of_care_id: url(`EpisodeOfCare/${ids.e1}`) });
    expect(own.status).toBe(200);
    expect(decodeParts(own.body.access_token!).payload).toMatchObject({ patient: `Patient/${ids.a}`, episode_of_care: `EpisodeOfCare/${ids.e1}` });
    expect((await citizen.fhir(own.body.access_token!, `Observation?subject=Patient/${ids.b}`)).status).toBe(403);

    const systemApp = await registerVendorApp(s.t, { organization: `Organization/${AALBORG}`, scopes: ['system/*.rs'] });
    const system = await new FutClient(s, systemApp).login('system/*.rs');
    expect(system.status).toBe(200);
    expect(system.body.refresh_token).toBeUndefined();
    expect(decodeParts(system.body.access_token!).payload).toMatchObject({ user_type: 'SYSTEM' });
    const sysListed = await new FutClient(s, systemApp).contexts(system.body.access_token!);
    expect(sysListed.body).toMatchObject({ organizations: [{ id: AALBORG }], care_teams: [] });
    expect(sysListed.body.patients).toBeUndefined();
  });

  it('answers the contexts listing 401 without a usable token', async () => {
    const res = await fetch(`${s.root}/resource/ehealth-connect/contexts`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
    expect((await clinician.contexts('not.a.token')).status).toBe(401);
  });
});

describe('refresh token expiry', () => {
  it('ends a family at its lifetime, however often it was rotated', async () => {
    const clock = new FixedClock(new Date());
    const s = await startFutServer({ clock, authSettings: { refreshTokenTtlSeconds: 120 } });
    try {
      const app = await registerVendorApp(s.t, { kind: 'citizen', patient: `Patient/${nonCprUuid()}`, scopes: ['patient/*.rs'] });
      await s.t.services.store.transaction((tx) => tx.update({ resourceType: 'Patient', id: app.client.patient!.slice(8) } as Resource, { allowCreate: true }));
      const client = new FutClient(s, app, () => clock.now().getTime());
      const first = await client.login('patient/*.rs');
      expect(first.status).toBe(200);
      clock.advance(90_000);
      const second = await client.refresh(first.body.refresh_token!, {});
      expect(second.status).toBe(200);
      clock.advance(60_000);
      const third = await client.refresh(second.body.refresh_token!, {});
      expect(third.body).toMatchObject({ error: 'invalid_grant', error_description: 'the refresh_token is not valid' });
    } finally {
      await s.close();
    }
  });
});
