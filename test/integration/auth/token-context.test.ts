import { nonCprUuid } from '../../support/ids';
import { createTestApp, type TestApp } from '../../support/app';
import { accessToken, decodeParts, registerVendorApp, requestToken, type VendorApp } from './vendor-app';

/**
 * Context in tokens: clinician apps assert practitioner + care team, citizen apps the patient,
 * as extra claims of their signed client assertion; the server checks them against the data.
 */
describe('token context (care team, episode, patient, practitioner)', () => {
  let t: TestApp;
  let system: VendorApp;
  let token: string;
  const ids = { practitioner: '', otherPractitioner: '', team: '', foreignTeam: '', patient: '', otherPatient: '', episode: '' };

  const create = async (resource: Record<string, unknown>): Promise<string> => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/fhir/${resource.resourceType}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      payload: resource,
    });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  };

  beforeAll(async () => {
    t = await createTestApp({ auth: 'on' });
    system = await registerVendorApp(t, { scopes: ['system/*.cruds'] });
    token = await accessToken(t, system, 'system/*.cruds');
    ids.practitioner = await create({ resourceType: 'Practitioner', name: [{ family: 'Holm' }] });
    ids.otherPractitioner = await create({ resourceType: 'Practitioner', name: [{ family: 'Berg' }] });
    ids.patient = await create({ resourceType: 'Patient', gender: 'male' });
    ids.otherPatient = await create({ resourceType: 'Patient', gender: 'female' });
    const participant = [{ member: { reference: `Practitioner/${ids.practitioner}` } }];
    ids.team = await create({ resourceType: 'CareTeam', status: 'active', managingOrganization: [{ reference: 'Organization/0851' }], participant });
    // another municipality's team: its own system client would have made it (stored here directly)
    ids.foreignTeam = (
      await t.services.store.transaction((tx) =>
        tx.create({ resourceType: 'CareTeam', status: 'active', managingOrganization: [{ reference: 'Organization/0101' }], participant } as never),
      )
    ).id;
    ids.episode = await create({
      resourceType: 'EpisodeOfCare',
      status: 'active',
      patient: { reference: `Patient/${ids.patient}` },
      managingOrganization: { reference: 'Organization/0851' },
      team: [{ reference: `CareTeam/${ids.team}` }],
    });
  });
  afterAll(() => t.close());

  it('gives a clinician app a token with practitioner, care team and episode (and its patient)', async () => {
    const clinician = await registerVendorApp(t, { kind: 'clinician', scopes: ['user/*.rs', 'patient/Observation.rs'] });
    const res = await requestToken(t, clinician, 'user/*.rs', {
      claims: { practitioner: `Practitioner/${ids.practitioner}`, care_team: `CareTeam/${ids.team}`, episode_of_care: `EpisodeOfCare/${ids.episode}` },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.patient).toBe(ids.patient);
    expect(body.fhirContext).toEqual([
      { reference: `Practitioner/${ids.practitioner}` },
      { reference: `CareTeam/${ids.team}` },
      { reference: `EpisodeOfCare/${ids.episode}` },
    ]);
    expect(decodeParts(body.access_token).payload).toMatchObject({
      client_kind: 'clinician',
      practitioner: `Practitioner/${ids.practitioner}`,
      care_team: `CareTeam/${ids.team}`,
      episode_of_care: `EpisodeOfCare/${ids.episode}`,
      patient: `Patient/${ids.patient}`,
    });
  });

  it('refuses clinician contexts the client may not have (invalid_grant)', async () => {
    const clinician = await registerVendorApp(t, { kind: 'clinician', scopes: ['user/*.rs'] });
    const attempt = async (claims: Record<string, string>) => {
      const res = await requestToken(t, clinician, 'user/*.rs', { claims });
      return `${res.statusCode} ${res.json().error}`;
    };
    const practitioner = `Practitioner/${ids.practitioner}`;
    // no care team: accepted (to choose one with the refresh_token grant), but it reaches no patient
    expect(await attempt({ practitioner })).toBe('200 undefined');
    expect(await attempt({})).toBe('400 invalid_grant'); // no practitioner
    expect(await attempt({ practitioner, episode_of_care: `EpisodeOfCare/${ids.episode}` })).toBe('400 invalid_grant'); // an episode needs the team
    expect(await attempt({ practitioner, care_team: `CareTeam/${ids.foreignTeam}` })).toBe('400 invalid_grant'); // another municipality's team
    expect(await attempt({ practitioner: `Practitioner/${ids.otherPractitioner}`, care_team: `CareTeam/${ids.team}` })).toBe('400 invalid_grant');
    expect(await attempt({ practitioner, care_team: `CareTeam/${nonCprUuid()}` })).toBe('400 invalid_grant'); // no such team
    expect(
      await attempt({ practitioner, care_team: `CareTeam/${ids.team}`, episode_of_care: `EpisodeOfCare/${ids.episode}`, patient: `Patient/${ids.otherPatient}` }),
    ).toBe('400 invalid_grant');
    expect(await attempt({ practitioner, care_team: `Patient/${ids.patient}` })).toBe('400 invalid_request'); // wrong reference type
  });

  it('gives a citizen app a token for its registered patient only', async () => {
    const citizen = await registerVendorApp(t, { kind: 'citizen', patient: `Patient/${ids.patient}`, scopes: ['patient/*.rs', 'patient/Observation.cruds'] });
    const res = await requestToken(t, citizen, 'patient/Observation.cruds', { claims: { patient: `Patient/${ids.patient}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ patient: ids.patient, scope: 'patient/Observation.cruds' });
    expect(decodeParts(res.json().access_token).payload).toMatchObject({ client_kind: 'citizen', patient: `Patient/${ids.patient}` });

    // an assertion naming no patient gets the registered one
    const noPatient = await requestToken(t, citizen, 'patient/*.rs');
    expect(noPatient.statusCode).toBe(200);
    expect(noPatient.json().patient).toBe(ids.patient);
    expect(decodeParts(noPatient.json().access_token).payload).toMatchObject({ patient: `Patient/${ids.patient}` });
    const asTeam = await requestToken(t, citizen, 'patient/*.rs', { claims: { patient: `Patient/${ids.patient}`, care_team: `CareTeam/${ids.team}` } });
    expect(asTeam.json().error).toBe('invalid_grant');
  });

  it("refuses a citizen app's assertion of any other patient (invalid_grant), existing or not", async () => {
    const citizen = await registerVendorApp(t, { kind: 'citizen', patient: `Patient/${ids.patient}`, scopes: ['patient/*.rs'] });
    for (const patient of [`Patient/${ids.otherPatient}`, `Patient/${nonCprUuid()}`]) {
      const res = await requestToken(t, citizen, 'patient/*.rs', { claims: { patient } });
      expect(`${res.statusCode} ${res.json().error}`).toBe('400 invalid_grant');
    }
    // nor through another patient's episode; its own patient's episode is fine
    const otherEpisode = await create({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${ids.otherPatient}` }, managingOrganization: { reference: 'Organization/0851' }, team: [{ reference: `CareTeam/${ids.team}` }] });
    const viaEpisode = await requestToken(t, citizen, 'patient/*.rs', { claims: { episode_of_care: `EpisodeOfCare/${otherEpisode}` } });
    expect(`${viaEpisode.statusCode} ${viaEpisode.json().error}`).toBe('400 invalid_grant');
    const ownEpisode = await requestToken(t, citizen, 'patient/*.rs', { claims: { episode_of_care: `EpisodeOfCare/${ids.episode}` } });
    expect(ownEpisode.json()).toMatchObject({ patient: ids.patient, fhirContext: [{ reference: `EpisodeOfCare/${ids.episode}` }] });
  });

  it('refuses a token when the registered patient does not exist or is deleted (invalid_grant)', async () => {
    const gone = await create({ resourceType: 'Patient', gender: 'other' });
    expect(await t.services.store.transaction((tx) => tx.delete('Patient', gone))).toMatchObject({ deleted: true });
    for (const patient of [`Patient/${gone}`, `Patient/${nonCprUuid()}`]) {
      const citizen = await registerVendorApp(t, { kind: 'citizen', patient, scopes: ['patient/*.rs'] });
      const res = await requestToken(t, citizen, 'patient/*.rs');
      expect(`${res.statusCode} ${res.json().error}`).toBe('400 invalid_grant');
      expect(res.json().error_description).toMatch(/does not exist/);
    }
  });

  it('refuses a patient context for a system client', async () => {
    const res = await requestToken(t, system, 'system/*.rs', { claims: { patient: `Patient/${ids.patient}` } });
    expect(res.json().error).toBe('invalid_grant');
  });
});
