import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { SearchRequest } from '../../../src/fhir/search/ast';
import { parseScopes } from '../../../src/auth/scopes';
import { parseSearch } from '../../../src/fhir/search/parse';
import { pinnedPatients } from '../../../src/fhir/search/pinned';
import { Access } from '../../../src/interactions/access';
import { compileSearch } from '../../../src/store/search/compile';
import { createTestApp, TEST_BASE_URL, testRegistry, type TestApp } from '../../support/app';
import { nonCprUuid } from '../../support/ids';
import { rowsRead } from '../../support/rows-read';
import { accessToken, registerVendorApp } from '../auth/vendor-app';

/**
 * A search pinned to a patient of another organization (`subject=Patient/x`, `Patient/x/…`)
 * answers with what the caller may see of it, usually nothing. It used to find that out by
 * reading the patient's whole history (an ordered scan checks each row's access): the empty
 * answer took longer the more data the hidden patient had, and no time at all for an id that
 * does not exist, so its timing told the two apart. Now such a search reads only the rows whose
 * access another patient also governs, so the cost does not depend on the hidden history.
 */

const HISTORY = 400;
const SPO2 = 'urn:oid:1.2.208.176.2.1|NPU03011';

let t: TestApp;
const orgA = `pin-a-${nonCprUuid()}`;
const orgB = `pin-b-${nonCprUuid()}`;
let mine: string;
let hidden: string;
let plain: string;
let shared: string;
let token: string;

const person = (): Resource => ({ resourceType: 'Patient', name: [{ family: 'Fastgjort' }] }) as Resource;
const spo2 = (patient: string, day: number, performer?: string): Resource =>
  ({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'NPU03011' }] },
    subject: { reference: `Patient/${patient}` },
    ...(performer ? { performer: [{ reference: `Patient/${performer}` }] } : {}),
    effectiveDateTime: new Date(Date.UTC(2025, 0, 1 + day, 8)).toISOString(),
    valueQuantity: { value: 95, unit: '%' },
  }) as Resource;

beforeAll(async () => {
  t = await createTestApp({ auth: 'on' });
  const store = t.services.store;
  mine = await store.transaction(async (tx) => (await tx.create(person())).id, { owner: orgA });
  [hidden, plain, shared] = await store.transaction(
    async (tx) => {
      const p = (await tx.create(person())).id;
      let first = '';
      for (let i = 0; i < HISTORY; i++) {
        const o = await tx.create(spo2(p, i));
        first ||= o.id;
      }
      // measured by a citizen of A on B's patient: in both patients' compartments
      const both = await tx.create(spo2(p, HISTORY, mine));
      return [p, first, both.id];
    },
    { owner: orgB },
  );
  const app = await registerVendorApp(t, { organization: `Organization/${orgA}`, scopes: ['system/*.rs'] });
  token = await accessToken(t, app, 'system/*.rs');
  await t.pool.query('ANALYZE');
}, 120_000);
afterAll(() => t.close());

const get = async (url: string) => {
  const res = await t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } });
  expect(res.statusCode).toBe(200);
  return res.json() as Bundle;
};
const ids = (bundle: Bundle) => (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource?.id);

describe('a search pinned to a patient the caller cannot reach', () => {
  it('indexes which compartment rows another patient also governs', async () => {
    const flags = async (id: string) =>
      (
        await t.pool.query(
          `SELECT c.compartment_id, c.shared FROM resource_compartment c JOIN resource r ON r.rid = c.rid
            WHERE r.resource_type = 'Observation' AND r.id = $1 ORDER BY c.compartment_id`,
          [id],
        )
      ).rows.map((r: { compartment_id: string; shared: boolean }) => [r.compartment_id, r.shared]);
    expect(await flags(shared)).toEqual([[hidden, true], [mine, true]].sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
    expect(await flags(plain)).toEqual([[hidden, false]]);
  });

  it('answers with what the caller may see of it, as for a patient that does not exist', async () => {
    const nobody = nonCprUuid();
    const vitals = (patient: string) => `/fhir/Observation?subject=Patient/${patient}&code=${encodeURIComponent(SPO2)}&_sort=-date&_count=20`;
    // the one Observation A sees through its own citizen, and nothing of B's patient's history
    expect(ids(await get(vitals(hidden)))).toEqual([shared]);
    expect(ids(await get(`/fhir/Patient/${hidden}/Observation?_sort=-date`))).toEqual([shared]);
    expect(ids(await get(`/fhir/Observation/$lastn?patient=Patient/${hidden}&max=3`))).toEqual([shared]);
    expect((await get(`${vitals(hidden)}&_summary=count`)).total).toBe(1);
    expect(ids(await get(vitals(nobody)))).toEqual([]);
    expect((await get(`${vitals(nobody)}&_summary=count`)).total).toBe(0);
    // the caller's own patient is searched as before: its Observation is found by its own pin too
    expect(ids(await get(`/fhir/Observation?performer=Patient/${mine}&_sort=-date`))).toEqual([shared]);
  });

  it("reads the shared rows only, not the hidden patient's history", async () => {
    const access = new Access({ clientId: 'pin-system', kind: 'system', organization: `Organization/${orgA}`, scopes: parseScopes('system/*.rs').scopes }, t.services.interactions.accessDeps);
    const vitals = (patient: string) =>
      parseSearch(
        { resourceType: 'Observation', params: [['subject', `Patient/${patient}`], ['code', SPO2], ['_sort', '-date'], ['_count', '20'], ['_total', 'accurate']] },
        { registry: testRegistry(), baseUrl: TEST_BASE_URL, now: new Date() },
      ).request;
    const request = vitals(hidden);
    const pinned = pinnedPatients(request, testRegistry());
    expect(pinned).toEqual([[hidden]]);
    // A table of a few hundred rows PostgreSQL reads whole whichever rows it wants; at any real
    // size the shared rows come from their partial index. Plans are compared as at that size.
    const db = await t.pool.connect();
    const cost = async (r: SearchRequest) => {
      const compiled = compileSearch(r, { accessFilter: access.searchFilter() });
      const { rows } = await db.query(compiled.match!.text, compiled.match!.values);
      return { page: rows.length, read: await rowsRead(db, compiled.match!.text, compiled.match!.values), counted: await rowsRead(db, compiled.count!.text, compiled.count!.values) };
    };
    try {
      await db.query('SET enable_seqscan = off');
      // before: the ordered scan read every one of the hidden patient's measurements to find the one it may show
      const unpinned = await cost(request);
      expect(unpinned.page).toBe(1);
      expect(unpinned.read).toBeGreaterThan(HISTORY);
      // pinned: the statement finds the caller reaches nobody pinned before it reads a row
      const gated = await cost({ ...request, pinned });
      expect(gated).toEqual({ page: 0, read: expect.any(Number), counted: expect.any(Number) });
      expect(gated.read).toBeLessThan(20);
      expect(gated.counted).toBeLessThan(20);
      // then the shared rows alone
      const shared = await cost({ ...request, sharedOf: [hidden] });
      expect(shared.page).toBe(1);
      expect(shared.read).toBeLessThan(40);
      expect(shared.counted).toBeLessThan(40);
      // and both stay so as the hidden history grows
      await t.services.store.transaction(async (tx) => {
        for (let i = 0; i < HISTORY; i++) await tx.create(spo2(hidden, HISTORY + 1 + i));
      }, { owner: orgB });
      await db.query('ANALYZE');
      expect(await cost({ ...request, pinned })).toEqual(gated);
      expect(await cost({ ...request, sharedOf: [hidden] })).toEqual(shared);
      // the caller's own patient passes the check: its page comes from the one statement
      const own = parseSearch(
        { resourceType: 'Observation', params: [['performer', `Patient/${mine}`], ['_sort', '-date'], ['_total', 'accurate']] },
        { registry: testRegistry(), baseUrl: TEST_BASE_URL, now: new Date() },
      ).request;
      expect(pinnedPatients(own, testRegistry())).toEqual([[mine]]);
      expect((await cost({ ...own, pinned: [[mine]] })).page).toBe(1);
    } finally {
      await db.query('RESET enable_seqscan');
      db.release();
    }
  });
});

describe('pinnedPatients', () => {
  const pins = (resourceType: string | undefined, params: Array<[string, string]>, compartment?: { type: string; id: string }) =>
    pinnedPatients(parseSearch({ resourceType, params, compartment }, { registry: testRegistry(), baseUrl: TEST_BASE_URL, now: new Date() }).request, testRegistry());

  it('finds the patients every match is in the compartment of', () => {
    expect(pins('Observation', [['subject', 'Patient/p1']])).toEqual([['p1']]);
    expect(pins('Observation', [['patient', 'p1']])).toEqual([['p1']]);
    expect(pins('Observation', [['subject:Patient', 'p1,p2']])).toEqual([['p1', 'p2']]);
    expect(pins('Observation', [['code', SPO2]], { type: 'Patient', id: 'p3' })).toEqual([['p3']]);
    expect(pins(undefined, [['_type', 'Observation,Condition'], ['patient', 'Patient/p4']])).toEqual([['p4']]);
  });

  it('finds none where a match may lie outside them', () => {
    // a bare id names any target type; a Group is not a patient; a code pins nobody
    expect(pins('Observation', [['subject', 'p1']])).toEqual([]);
    expect(pins('Observation', [['subject', 'Patient/p1,Group/g1']])).toEqual([]);
    expect(pins('Observation', [['code', SPO2]])).toEqual([]);
    // Observation.focus is no Patient-compartment parameter
    expect(pins('Observation', [['focus', 'Patient/p1']])).toEqual([]);
  });
});
