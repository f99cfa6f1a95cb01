import type { Resource } from '@medplum/fhirtypes';
import type { AccessPolicy } from '../../../src/auth/access-policy';
import { Access } from '../../../src/interactions/access';
import { parseScopes } from '../../../src/auth/scopes';
import { accessFilter, allowedPatientsSql, reachablePatients, reachesSql, type Bind } from '../../../src/store/access-sql';
import { parseSearch } from '../../../src/fhir/search/parse';
import { compileSearch } from '../../../src/store/search/compile';
import type { StoreTransaction } from '../../../src/store/resources';
import * as fhir from '../../../src/telemedicine/seed/resources';
import { careReachSql } from '../../../src/telemedicine/access/care-reach-sql';
import { createTestApp, testRegistry, type TestApp } from '../../support/app';
import { nonCprUuid } from '../../support/ids';
import { rowsRead } from '../../support/rows-read';

/**
 * Whether a client reaches a few given patients (a read by id, a create's condition, the token
 * endpoint's context check) is asked from those patients: the answer is the one the whole reach
 * set gives, and its cost does not grow with how many patients the client's organization cares
 * for. Before, `id IN (<reach>)` read every grant row of the organization in every such
 * statement: a municipality's reads and creates slowed down with each citizen it enrolled.
 */

const ENROLLED = 300;

let t: TestApp;
const org = `reach-org-${nonCprUuid()}`;
const other = `reach-other-${nonCprUuid()}`;
const team = `reach-team-${nonCprUuid()}`;
const otherTeam = `reach-other-team-${nonCprUuid()}`;
const enrolled: string[] = [];
let viaTeam: string;
let registered: string;
let elsewhere: string;

const person = (): Resource => ({ resourceType: 'Patient', name: [{ family: 'Rækkevidde' }] }) as Resource;

async function enrol(patientId: string, organizationId: string, careTeamId: string, tx: StoreTransaction) {
  const condition = nonCprUuid();
  await tx.update(fhir.condition(condition, patientId, 'DJ44'), { allowCreate: true });
  await tx.update(fhir.episodeOfCare({ id: nonCprUuid(), patientId, conditionId: condition, organizationId, careTeamId, start: '2026-01-01' }), { allowCreate: true });
}

beforeAll(async () => {
  t = await createTestApp();
  const store = t.services.store;
  await store.transaction(async (tx) => {
    await tx.update({ resourceType: 'Organization', id: org, name: 'Rækkevidde kommune' } as Resource, { allowCreate: true });
    await tx.update({ resourceType: 'Organization', id: other, name: 'Anden kommune' } as Resource, { allowCreate: true });
    await tx.update(fhir.careTeam(team, 'KOL-teamet', org), { allowCreate: true });
    await tx.update(fhir.careTeam(otherTeam, 'Andet team', other), { allowCreate: true });
    for (let i = 0; i < ENROLLED; i++) {
      const p = await tx.create(person());
      enrolled.push(p.id);
      await enrol(p.id, org, team, tx);
    }
    // managed by the other organization, cared for by this organization's team
    viaTeam = (await tx.create(person())).id;
    await enrol(viaTeam, other, team, tx);
    elsewhere = (await tx.create(person())).id;
    await enrol(elsewhere, other, otherTeam, tx);
  });
  // registered by the organization's client, no episode yet
  registered = await store.transaction(async (tx) => (await tx.create(person())).id, { owner: org });
  await t.pool.query('ANALYZE search_reference');
}, 120_000);
afterAll(() => t.close());

const orgPolicy: AccessPolicy = { kind: 'organization', organizationId: org };
const teamPolicy: AccessPolicy = { kind: 'care-team', careTeamId: team, organizationId: org };

/** The reach as a whole set (the search filter's form), filtered to `ids`. */
async function fromWholeSet(policy: AccessPolicy, ids: string[]): Promise<Set<string>> {
  const values: unknown[] = [ids];
  const bind: Bind = (v, cast) => `$${values.push(v)}${cast ? `::${cast}` : ''}`;
  const { rows } = await t.pool.query(`SELECT id FROM unnest($1::text[]) AS x(id) WHERE id IN (${allowedPatientsSql(policy, bind, careReachSql)})`, values);
  return new Set(rows.map((r: { id: string }) => r.id));
}

/** Index and table rows the statement reads for `ids` (every scan node, all loops), under EXPLAIN ANALYZE. */
async function rowsReadFor(policy: AccessPolicy, ids: string[]): Promise<number> {
  const values: unknown[] = [ids];
  const bind: Bind = (v, cast) => `$${values.push(v)}${cast ? `::${cast}` : ''}`;
  const where = reachesSql(policy, 'x.id', bind, careReachSql) as string;
  return rowsRead(t.pool, `SELECT id FROM unnest($1::text[]) AS x(id) WHERE ${where}`, values);
}

describe('reaching given patients', () => {
  it('answers as the whole reach set does: episodes, team care and registration grant; nothing else does', async () => {
    const ids = [enrolled[0], enrolled[ENROLLED - 1], viaTeam, registered, elsewhere, nonCprUuid()];
    const byOrg = await reachablePatients(t.pool, orgPolicy, ids, careReachSql);
    expect(byOrg).toEqual(new Set([enrolled[0], enrolled[ENROLLED - 1], viaTeam, registered]));
    expect(byOrg).toEqual(await fromWholeSet(orgPolicy, ids));
    const byTeam = await reachablePatients(t.pool, teamPolicy, ids, careReachSql);
    expect(byTeam).toEqual(new Set([enrolled[0], enrolled[ENROLLED - 1], viaTeam]));
    expect(byTeam).toEqual(await fromWholeSet(teamPolicy, ids));
    const byOther: AccessPolicy = { kind: 'organization', organizationId: other };
    expect(await reachablePatients(t.pool, byOther, ids, careReachSql)).toEqual(new Set([viaTeam, elsewhere]));
  });

  it('reads a few rows per patient, however many the organization cares for', async () => {
    for (const policy of [orgPolicy, teamPolicy]) {
      // a patient it does not reach: driven from the grantee's side, that reads every grant row
      // of the organization or team (over ENROLLED); from the patient's, the patient's own
      expect(await rowsReadFor(policy, [elsewhere])).toBeLessThan(20);
      expect(await rowsReadFor(policy, [enrolled[ENROLLED - 1]])).toBeLessThan(20);
      expect(await rowsReadFor(policy, [viaTeam])).toBeLessThan(20);
    }
  });

  it('a page of one citizen\'s measurements (an ordered scan) checks its rows, not the organization\'s every grant', async () => {
    const patient = enrolled[ENROLLED - 1];
    await t.services.store.transaction(async (tx) => {
      for (let i = 0; i < 30; i++) {
        await tx.create({ resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'NPU03011' }] }, subject: { reference: `Patient/${patient}` }, effectiveDateTime: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}T08:00:00Z` } as Resource);
      }
    });
    const { request } = parseSearch(
      { resourceType: 'Observation', params: [['subject', `Patient/${patient}`], ['code', 'urn:oid:1.2.208.176.2.1|NPU03011'], ['_sort', '-date'], ['_count', '20']] },
      { registry: testRegistry(), baseUrl: 'http://kolibri.test/fhir', now: new Date() },
    );
    // the store's filter, and the one a request's search runs under (Access, with the
    // client-owned records' clause ANDed in): both must keep the per-row form
    const system = new Access({ clientId: 'reach-system', kind: 'system', organization: `Organization/${org}`, scopes: parseScopes('system/*.rs').scopes }, t.services.interactions.accessDeps);
    const clinician = new Access({ clientId: 'reach-clinician', kind: 'clinician', organization: `Organization/${org}`, careTeam: `CareTeam/${team}`, scopes: parseScopes('user/*.rs').scopes }, t.services.interactions.accessDeps);
    const filters = [accessFilter(orgPolicy, careReachSql), accessFilter(teamPolicy, careReachSql), system.searchFilter(), clinician.searchFilter()];
    for (const filter of filters) {
      const match = compileSearch(request, { accessFilter: filter }).match!;
      const { rows } = await t.pool.query(match.text, match.values);
      expect(rows).toHaveLength(21);
      // 21 rows read from the timeline and each one's few grant look-ups; the whole set was 900+
      expect(await rowsRead(t.pool, match.text, match.values)).toBeLessThan(21 * 12);
    }
  });
});
