import { nonCprUuid } from '../../support/ids';
import { missingId } from './tenants';
import type { Resource } from '@medplum/fhirtypes';
import { createTestApp, type TestApp } from '../../support/app';
import { spo2Observation } from '../../support/spo2';
import { accessToken, registerVendorApp } from '../auth/vendor-app';

const ORG_A = 'Organization/0851'; // Aalborg
const ORG_B = 'Organization/0101'; // København

/**
 * Cross-organization probes (issue 5): a vendor app of another municipality reaches nothing of
 * a patient it has no care relationship with — through every interaction. And the positive
 * side: the own organization, the care team's clinician and the citizen see what they should.
 */
describe('access model across organizations', () => {
  let t: TestApp;
  const ids = { teamA: '', teamB: '', patientA: '', patientB: '', episodeA: '', obsA: '', obsB: '', practitioner: '' };
  const familyA = `Aagaard-${nonCprUuid().slice(0, 8)}`;
  const tokens = { sysA: '', sysB: '', clinicianA: '', citizenA: '' };

  const seed = async (resource: Resource): Promise<string> => (await t.services.store.transaction((tx) => tx.create(resource))).id;
  const as = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' });
  const get = (token: string, url: string) => t.app.inject({ method: 'GET', url, headers: as(token) });
  const ids_ = (bundle: { entry?: Array<{ resource: { resourceType: string; id: string } }> }) =>
    (bundle.entry ?? []).filter((e) => e.resource.resourceType !== 'OperationOutcome').map((e) => `${e.resource.resourceType}/${e.resource.id}`);

  beforeAll(async () => {
    t = await createTestApp({ auth: 'on' });
    ids.practitioner = await seed({ resourceType: 'Practitioner', name: [{ family: 'Lund' }] });
    ids.teamA = await seed({ resourceType: 'CareTeam', name: 'KOL-team Aalborg', managingOrganization: [{ reference: ORG_A }], participant: [{ member: { reference: `Practitioner/${ids.practitioner}` } }] });
    ids.teamB = await seed({ resourceType: 'CareTeam', name: 'KOL-team København', managingOrganization: [{ reference: ORG_B }] });
    ids.patientA = await seed({ resourceType: 'Patient', name: [{ family: familyA }], gender: 'female' });
    ids.patientB = await seed({ resourceType: 'Patient', name: [{ family: 'Berg' }], gender: 'male' });
    ids.episodeA = await seed({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${ids.patientA}` }, managingOrganization: { reference: ORG_A }, team: [{ reference: `CareTeam/${ids.teamA}` }] });
    await seed({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${ids.patientB}` }, managingOrganization: { reference: ORG_B }, team: [{ reference: `CareTeam/${ids.teamB}` }] });
    ids.obsA = await seed(spo2Observation(ids.patientA, 91));
    ids.obsB = await seed(spo2Observation(ids.patientB, 95));

    const sysA = await registerVendorApp(t, { organization: ORG_A, scopes: ['system/*.cruds'] });
    const sysB = await registerVendorApp(t, { organization: ORG_B, scopes: ['system/*.cruds'] });
    const clinicianA = await registerVendorApp(t, { kind: 'clinician', organization: ORG_A, scopes: ['user/*.cruds'] });
    const citizenA = await registerVendorApp(t, { kind: 'citizen', organization: ORG_A, patient: `Patient/${ids.patientA}`, scopes: ['patient/*.rs'] });
    tokens.sysA = await accessToken(t, sysA, 'system/*.cruds');
    tokens.sysB = await accessToken(t, sysB, 'system/*.cruds');
    tokens.clinicianA = await accessToken(t, clinicianA, 'user/*.cruds', {
      claims: { practitioner: `Practitioner/${ids.practitioner}`, care_team: `CareTeam/${ids.teamA}` },
    });
    tokens.citizenA = await accessToken(t, citizenA, 'patient/*.rs', { claims: { patient: `Patient/${ids.patientA}` } });
  });
  afterAll(() => t.close());

  describe("another municipality's system app finds nothing of patient A", () => {
    it('read, vread and instance history answer 404', async () => {
      for (const url of [`/fhir/Observation/${ids.obsA}`, `/fhir/Observation/${ids.obsA}/_history/1`, `/fhir/Observation/${ids.obsA}/_history`, `/fhir/Patient/${ids.patientA}`]) {
        expect([url, (await get(tokens.sysB, url)).statusCode]).toEqual([url, 404]);
      }
    });

    it('search, totals, chains, _has, includes, compartment and system search return nothing of A', async () => {
      const probes = [
        `/fhir/Observation?subject=Patient/${ids.patientA}&_total=accurate`,
        `/fhir/Observation?subject:Patient.name=${familyA}`,
        `/fhir/Patient?_has:Observation:subject:_id=${ids.obsA}`,
        `/fhir/Patient?name=${familyA}`,
        `/fhir/Patient/${ids.patientA}/Observation`,
        `/fhir?_type=Observation,Patient&_id=${ids.obsA},${ids.patientA}`,
        `/fhir/Patient?_id=${ids.patientA},${ids.patientB}&_revinclude=Observation:subject`,
        `/fhir/Observation?_id=${ids.obsA},${ids.obsB}&_include=Observation:subject`,
        `/fhir/EpisodeOfCare?_id=${ids.episodeA}`,
      ];
      for (const url of probes) {
        const res = await get(tokens.sysB, url);
        expect([url, res.statusCode]).toEqual([url, 200]);
        const found = ids_(res.json());
        expect([url, found.filter((r) => r.endsWith(ids.obsA) || r.endsWith(ids.patientA) || r.endsWith(ids.episodeA))]).toEqual([url, []]);
        if (res.json().total !== undefined) expect(res.json().total).toBe(0);
      }
      // … while B's own data is there, with its patient included
      const own = ids_((await get(tokens.sysB, `/fhir/Observation?_id=${ids.obsA},${ids.obsB}&_include=Observation:subject`)).json());
      expect(own.sort()).toEqual([`Observation/${ids.obsB}`, `Patient/${ids.patientB}`].sort());
    });

    it('type history leaves out A’s versions', async () => {
      // newest first, on to later pages until B's own: B's staff also see the Observations other
      // test files write without an owner (authentication off), more than a page of them at times
      const found: string[] = [];
      let next: string | undefined = '/fhir/Observation/_history?_count=1000';
      for (let page = 0; next && !found.some((u) => u.endsWith(`/Observation/${ids.obsB}`)) && page < 20; page++) {
        const res = (await get(tokens.sysB, next)).json() as { entry?: Array<{ fullUrl: string }>; link: Array<{ relation: string; url: string }> };
        found.push(...(res.entry ?? []).map((e) => e.fullUrl));
        next = res.link.find((l) => l.relation === 'next')?.url.replace(/^https?:\/\/[^/]+/, '');
      }
      expect(found.some((u: string) => u.endsWith(`/Observation/${ids.obsA}`))).toBe(false);
      expect(found.some((u: string) => u.endsWith(`/Observation/${ids.obsB}`))).toBe(true);
    });

    it('type and system history give full pages of what the caller may see, however many newer versions it may not', async () => {
      const since = new Date(Date.now() - 1000).toISOString();
      const mine = [await seed(spo2Observation(ids.patientB, 90)), await seed(spo2Observation(ids.patientB, 91)), await seed(spo2Observation(ids.patientB, 92))];
      // newer than all of B's: versions of A's patients would fill B's first pages if they were filtered after the LIMIT
      const other = await seed({ resourceType: 'Patient', gender: 'female' });
      await seed({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${other}` }, managingOrganization: { reference: ORG_A }, team: [{ reference: `CareTeam/${ids.teamA}` }] });
      const hidden = [other];
      for (let i = 0; i < 6; i++) hidden.push(await seed(spo2Observation(other, 80 + i)));
      for (const path of ['/fhir/Observation/_history', '/fhir/_history']) {
        const seen: string[] = [];
        let next: string | undefined = `${path}?_count=2&_since=${encodeURIComponent(since)}`;
        // up to 500 pages: B's staff also see what other test files write without an owner
        // (authentication off) meanwhile, and at system level every definitional resource
        for (let page = 0; next && page < 500; page++) {
          const res = await get(tokens.sysB, next);
          expect(res.statusCode).toBe(200);
          const bundle = res.json() as { entry?: Array<{ fullUrl: string }>; link: Array<{ relation: string; url: string }> };
          const urls = (bundle.entry ?? []).map((e) => e.fullUrl);
          next = bundle.link.find((l) => l.relation === 'next')?.url.replace(/^https?:\/\/[^/]+/, '');
          // every page but the last is full
          if (next) expect(urls).toHaveLength(2);
          expect(urls.filter((u) => hidden.some((id) => u.endsWith(`/${id}`)))).toEqual([]);
          seen.push(...urls);
        }
        for (const id of mine) expect(seen.filter((u) => u.endsWith(`/Observation/${id}`))).toHaveLength(1);
      }
    });

    it('writes change nothing and answer as for an id that does not exist: update, patch, delete, a transaction entry; a create for A is 403', async () => {
      const missing = missingId();
      const changed = (id: string) => ({ resourceType: 'Observation', id, status: 'entered-in-error', code: { text: 'x' }, subject: { reference: `Patient/${ids.patientA}` } });
      const attempts = (id: string) => [
        t.app.inject({ method: 'PUT', url: `/fhir/Observation/${id}`, headers: as(tokens.sysB), payload: changed(id) }),
        t.app.inject({ method: 'PATCH', url: `/fhir/Observation/${id}`, headers: { ...as(tokens.sysB), 'content-type': 'application/json-patch+json' }, payload: [{ op: 'replace', path: '/status', value: 'cancelled' }] }),
        t.app.inject({ method: 'DELETE', url: `/fhir/Observation/${id}`, headers: as(tokens.sysB) }),
        t.app.inject({
          method: 'POST',
          url: '/fhir',
          headers: as(tokens.sysB),
          payload: { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: changed(id), request: { method: 'PUT', url: `Observation/${id}` } }] },
        }),
      ];
      const hidden = await Promise.all(attempts(ids.obsA));
      const absent = await Promise.all(attempts(missing));
      const answer = (res: { statusCode: number; body: string }, id: string) => [res.statusCode, res.body.split(id).join('<id>')];
      expect(hidden.map((r) => answer(r, ids.obsA))).toEqual(absent.map((r) => answer(r, missing)));
      expect(hidden.map((r) => r.statusCode)).toEqual([405, 404, 200, 405]);
      const create = await t.app.inject({ method: 'POST', url: '/fhir/Observation', headers: as(tokens.sysB), payload: { ...changed('x'), id: undefined, status: 'final' } });
      expect(create.statusCode).toBe(403);
      const stored = await t.services.store.read('Observation', ids.obsA);
      expect(stored?.versionId).toBe(1);
    });

    it('batch entries and operations find nothing either', async () => {
      const batch = await t.app.inject({
        method: 'POST',
        url: '/fhir',
        headers: as(tokens.sysB),
        payload: { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `Observation/${ids.obsA}` } }, { request: { method: 'GET', url: `Observation?subject=Patient/${ids.patientA}` } }] },
      });
      expect(batch.statusCode).toBe(200);
      const [readEntry, searchEntry] = batch.json().entry;
      expect(readEntry.response.status).toMatch(/^404/);
      expect(ids_(searchEntry.resource)).toEqual([]);
      const validate = await t.app.inject({ method: 'POST', url: `/fhir/Observation/${ids.obsA}/$validate?mode=delete`, headers: as(tokens.sysB), payload: {} });
      expect(validate.statusCode).toBe(404);
    });
  });

  describe('those with a care relationship see it', () => {
    it("the episode's organization reads and searches patient A's data", async () => {
      expect((await get(tokens.sysA, `/fhir/Observation/${ids.obsA}`)).statusCode).toBe(200);
      const found = ids_((await get(tokens.sysA, `/fhir/Observation?subject=Patient/${ids.patientA}&_include=Observation:subject`)).json());
      expect(found.sort()).toEqual([`Observation/${ids.obsA}`, `Patient/${ids.patientA}`].sort());
      expect((await get(tokens.sysA, `/fhir/Observation/${ids.obsB}`)).statusCode).toBe(404);
    });

    it('a read by id is decided by the resource itself, whatever the search index says of its compartment', async () => {
      const observation = (patient: string): Resource => ({ resourceType: 'Observation', status: 'final', code: { text: 'SpO2' }, subject: { reference: `Patient/${patient}` } });
      const unindexed = await seed(observation(ids.patientA));
      const mislabelled = await seed(observation(ids.patientB));
      const rid = async (id: string) => (await t.pool.query(`SELECT rid FROM resource WHERE resource_type = 'Observation' AND id = $1`, [id])).rows[0].rid;
      // no compartment rows at all, and a wrong one claiming patient A's compartment for patient B's Observation
      await t.pool.query(`DELETE FROM resource_compartment WHERE rid = $1`, [await rid(unindexed)]);
      await t.pool.query(`INSERT INTO resource_compartment (rid, compartment_type, compartment_id) VALUES ($1, 'Patient', $2)`, [await rid(mislabelled), ids.patientA]);
      expect((await get(tokens.sysA, `/fhir/Observation/${unindexed}`)).statusCode).toBe(200);
      expect((await get(tokens.sysB, `/fhir/Observation/${unindexed}`)).statusCode).toBe(404);
      expect((await get(tokens.citizenA, `/fhir/Observation/${unindexed}`)).statusCode).toBe(200);
      expect((await get(tokens.sysA, `/fhir/Observation/${mislabelled}`)).statusCode).toBe(404);
      expect((await get(tokens.clinicianA, `/fhir/Observation/${mislabelled}`)).statusCode).toBe(404);
      expect((await get(tokens.citizenA, `/fhir/Observation/${mislabelled}`)).statusCode).toBe(404);
      expect((await get(tokens.sysB, `/fhir/Observation/${mislabelled}`)).statusCode).toBe(200);
    });

    it("the clinician of the episode's care team reads it, and may write for the patient", async () => {
      expect((await get(tokens.clinicianA, `/fhir/Observation/${ids.obsA}`)).statusCode).toBe(200);
      expect((await get(tokens.clinicianA, `/fhir/Observation/${ids.obsB}`)).statusCode).toBe(404);
      const created = await t.app.inject({
        method: 'POST',
        url: '/fhir/Task',
        headers: as(tokens.clinicianA),
        payload: { resourceType: 'Task', status: 'requested', intent: 'order', priority: 'routine', for: { reference: `Patient/${ids.patientA}` } },
      });
      expect(created.statusCode).toBe(201);
      const foreign = await t.app.inject({
        method: 'POST',
        url: '/fhir/Task',
        headers: as(tokens.clinicianA),
        payload: { resourceType: 'Task', status: 'requested', intent: 'order', priority: 'routine', for: { reference: `Patient/${ids.patientB}` } },
      });
      expect(foreign.statusCode).toBe(403);
    });

    it('the citizen reads only their own data, also through _include and _revinclude', async () => {
      expect(ids_((await get(tokens.citizenA, `/fhir/Observation?_id=${ids.obsA},${ids.obsB}`)).json())).toEqual([`Observation/${ids.obsA}`]);
      expect((await get(tokens.citizenA, `/fhir/Observation/${ids.obsB}`)).statusCode).toBe(404);
      const withSubject = ids_((await get(tokens.citizenA, `/fhir/Observation?_id=${ids.obsA},${ids.obsB}&_include=Observation:subject`)).json());
      expect(withSubject.sort()).toEqual([`Observation/${ids.obsA}`, `Patient/${ids.patientA}`].sort());
      const rev = ids_((await get(tokens.citizenA, `/fhir/Patient?_id=${ids.patientA},${ids.patientB}&_revinclude=Observation:subject`)).json());
      expect(rev.sort()).toEqual([`Observation/${ids.obsA}`, `Patient/${ids.patientA}`].sort());
      // read-only scopes: writing is refused
      const write = await t.app.inject({ method: 'DELETE', url: `/fhir/Observation/${ids.obsA}`, headers: as(tokens.citizenA) });
      expect(write.statusCode).toBe(403);
    });
  });
});
