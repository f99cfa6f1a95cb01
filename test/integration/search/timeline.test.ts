import { nonCprUuid } from '../../support/ids';
import type { Observation } from '@medplum/fhirtypes';
import { compileSearch, type CompileOptions } from '../../../src/store/search/compile';
import { parseSearch } from '../../../src/fhir/search/parse';
import { runSearch, type SearchResult } from '../../../src/store/search';
import type { AccessPolicy } from '../../../src/auth/access-policy';
import { accessFilter as storeAccessFilter } from '../../../src/store/access-sql';
import { careReachSql } from '../../../src/telemedicine/access/care-reach-sql';
import { reindex } from '../../../src/store/reindex';
import { createIndexWriter } from '../../../src/store/search-index';
import { NPU } from '../../support/spo2';
import { writeHistory } from './search-helpers';

/** The search filter as the server composes it: the engine's rules with the telemedicine care model's reach. */
const accessFilter = (policy: AccessPolicy) => storeAccessFilter(policy, careReachSql);
import { mainNodes, nodes, type PlanNode } from './plan-nodes';
import { createTestApp, testRegistry, TEST_BASE_URL, type TestApp } from '../../support/app';

/**
 * Search cost independent of history depth: the vitals query of a patient with 3,000
 * Observations reads the timeline index (migrations/010_timeline_sort_keys.sql) only as far as
 * its page, on the first page and far into the result, and returns exactly what the generic
 * sort returns (ties, resources without a date, mixed precisions, duplicate reference rows).
 */

let t: TestApp;
const patient = `p-${nonCprUuid()}`;
const team = `t-${nonCprUuid()}`;
const TOTAL = 3000;
const CODES = ['NPU03011', 'NPU21692'];
const at = (hoursBack: number) => new Date(Date.UTC(2026, 4, 1, 8) - hoursBack * 3_600_000).toISOString();

/** Observation i: alternating codes, hourly back in time, with ties, gaps, periods and day-precision dates among them. */
function observation(i: number): Observation {
  const effective: Partial<Observation> =
    i % 100 === 7
      ? {}
      : i % 50 === 3
        ? { effectiveDateTime: at(i - 1) }
        : i % 37 === 0
          ? { effectivePeriod: { start: at(i + 2), end: at(i) } }
          : i % 41 === 0
            ? { effectiveDateTime: at(i).slice(0, 10) }
            : { effectiveDateTime: at(i) };
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: NPU, code: CODES[i % 2] }] },
    subject: { reference: `Patient/${patient}` },
    // the same target twice under one parameter: two reference rows for one resource
    ...(i % 300 === 5 ? { performer: [{ reference: `Patient/${patient}` }, { reference: `Patient/${patient}` }] } : {}),
    ...(i % 300 === 6 ? { performer: [{ reference: `Patient/${patient}` }] } : {}),
    ...effective,
    valueQuantity: { value: 90 + (i % 8), unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  };
}

beforeAll(async () => {
  t = await createTestApp({ indexWriter: createIndexWriter(testRegistry(), { baseUrl: TEST_BASE_URL }) });
  // the history, and the clinician's way in: an episode of the patient with the care team
  await writeHistory(t, TOTAL, observation, patient, team);
  await t.pool.query('ANALYZE search_reference, search_token, search_date, resource, resource_compartment');
}, 300_000);
afterAll(() => t.close());

/** `query`: Observation search parameters, or `Patient/{id}/Observation?…` for a compartment search. */
function compiled(query: string, token?: string, options: CompileOptions = {}) {
  const inCompartment = /^Patient\/([^/]+)\/Observation\?(.*)$/.exec(query);
  const params = [...new URLSearchParams(inCompartment ? inCompartment[2] : query).entries()];
  if (token) params.push(['_page', token]);
  const compartment = inCompartment ? { type: 'Patient', id: inCompartment[1] } : undefined;
  const { request } = parseSearch({ resourceType: 'Observation', params, compartment }, { registry: testRegistry(), baseUrl: TEST_BASE_URL });
  return { request, compiled: compileSearch(request, options) };
}

async function page(query: string, token?: string): Promise<SearchResult> {
  const c = compiled(query, token);
  return runSearch(t.pool, c.request, c.compiled);
}


async function explain(query: string, token?: string, options: CompileOptions = {}): Promise<PlanNode> {
  const { match } = compiled(query, token, options).compiled;
  const { rows } = await t.pool.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${match!.text}`, match!.values);
  return rows[0]['QUERY PLAN'][0].Plan as PlanNode;
}

/**
 * The plan PostgreSQL caches for the server's prepared statement once it stops planning per
 * value (src/store/prepared.ts): planned without the values, as `EXPLAIN (GENERIC_PLAN)` shows.
 */
async function explainGeneric(query: string, token?: string, options: CompileOptions = {}): Promise<PlanNode> {
  const { match } = compiled(query, token, options).compiled;
  const { rows } = await t.pool.query(`EXPLAIN (GENERIC_PLAN, FORMAT JSON) ${match!.text}`);
  return rows[0]['QUERY PLAN'][0].Plan as PlanNode;
}


/** A Limit over an ordered walk of the timeline index, nothing sorted, no other way into search_reference. */
function expectOrderedWalk(plan: PlanNode, index: string): PlanNode {
  expect(plan['Node Type']).toBe('Limit');
  const all = nodes(plan);
  expect(all.filter((n) => /Sort/.test(n['Node Type'])).map((n) => n['Node Type'])).toEqual([]);
  expect(mainNodes(plan).filter((n) => /Bitmap|Seq Scan|Hash/.test(n['Node Type'])).map((n) => n['Node Type'])).toEqual([]);
  const scans = all.filter((n) => n['Index Name'] === index);
  expect(scans).toHaveLength(1);
  return scans[0];
}

/** The plan walks the timeline index in order and stopped early; so does its generic plan. */
async function expectEarlyStop(query: string, token: string | undefined, options: CompileOptions, matches: number): Promise<void> {
  // a compartment search walks the compartment rows' twin of the reference rows' index
  const index = query.startsWith('Patient/') ? 'resource_compartment_timeline_desc_ix' : 'search_reference_timeline_desc_ix';
  expectOrderedWalk(await explainGeneric(query, token, options), index);
  const scan = expectOrderedWalk(await explain(query, token, options), index);
  const read = scan['Actual Rows']! * scan['Actual Loops']!;
  // 21 rows of one code among two interleaved codes: about 42 index entries, whatever the depth
  expect(read).toBeGreaterThanOrEqual(21);
  expect(read).toBeLessThan(100);
  expect(read * 10).toBeLessThan(matches);
}

/** Every page of `query` following next links, then back again following previous links. */
async function walk(query: string): Promise<{ forward: string[]; backward: string[]; tokens: string[] }> {
  const forward: string[] = [];
  const tokens: string[] = [];
  let result = await page(query);
  forward.push(...result.matches.map((m) => m.id));
  while (result.next) {
    tokens.push(result.next);
    result = await page(query, result.next);
    forward.push(...result.matches.map((m) => m.id));
  }
  const backward: string[] = [...result.matches.map((m) => m.id)];
  while (result.previous) {
    result = await page(query, result.previous);
    backward.unshift(...result.matches.map((m) => m.id));
  }
  return { forward, backward, tokens };
}

describe('the vitals query over 3,000 Observations of one patient', () => {
  const vitals = `subject=Patient/${patient}&code=${NPU}|NPU03011&_sort=-date&_count=20`;

  it('stops after the page on the first page: an ordered scan of the timeline index, no sort', async () => {
    const total = await page(`subject=Patient/${patient}&code=${NPU}|NPU03011&_summary=count`);
    expect(total.total).toBe(TOTAL / 2);
    await expectEarlyStop(vitals, undefined, {}, TOTAL / 2);
  });

  it('stops after the page with the access filter of the citizen and of the care team ANDed in', async () => {
    for (const policy of [{ kind: 'patient', patientId: patient } as const, { kind: 'care-team', careTeamId: team, organizationId: 'o1' } as const]) {
      const options = { accessFilter: accessFilter(policy) };
      await expectEarlyStop(vitals, undefined, options, TOTAL / 2);
      const c = compiled(vitals, undefined, options);
      expect((await runSearch(t.pool, c.request, c.compiled)).matches).toHaveLength(20);
    }
    // a care team without the patient's episode reads (all of) the timeline and finds nothing
    const other = compiled(vitals, undefined, { accessFilter: accessFilter({ kind: 'care-team', careTeamId: 'nobody', organizationId: 'o1' }) });
    expect((await runSearch(t.pool, other.request, other.compiled)).matches).toEqual([]);
  });

  it('stops after the page far into the result (_page after 1,000 matches)', async () => {
    const deep = await page(vitals.replace('_count=20', '_count=1000'));
    expect(deep.next).toBeDefined();
    await expectEarlyStop(vitals, deep.next, {}, TOTAL / 2);
    // and the previous page from there reads the index backwards, as far as its page
    const far = await page(vitals, deep.next);
    await expectEarlyStop(vitals, far.previous, {}, TOTAL / 2);
  });

  it('returns what the generic sort returns, page by page in both directions, ties and resources without a date included', async () => {
    // two values of one target: the same matches, sorted without the timeline index
    const generic = (q: string) => q.replace(`subject=Patient/${patient}`, `subject=Patient/${patient},Patient/${patient}`);
    for (const query of [
      `subject=Patient/${patient}&code=${NPU}|NPU03011&_sort=-date&_count=97`,
      `subject=Patient/${patient}&_sort=date&_count=250`,
      `subject=Patient/${patient}&code=${NPU}|NPU21692&_sort=date,-_lastUpdated&_count=113`,
    ]) {
      const indexed = await walk(query);
      const sorted = await walk(generic(query));
      expect(indexed.forward).toHaveLength(query.includes('code=') ? TOTAL / 2 : TOTAL);
      expect(indexed.forward).toEqual(sorted.forward);
      expect(indexed.backward).toEqual(sorted.forward);
      expect(sorted.backward).toEqual(sorted.forward);
      // the tokens name the same rows and keys
      expect(indexed.tokens).toEqual(sorted.tokens);
    }
  });

  it('walks the compartment rows in order for a compartment search (Patient/x/Observation?_sort=-date), first and far pages, as the generic sort does', async () => {
    const inCompartment = `Patient/${patient}/Observation?code=${NPU}|NPU03011&_sort=-date&_count=20`;
    await expectEarlyStop(inCompartment, undefined, {}, TOTAL / 2);
    await expectEarlyStop(inCompartment, undefined, { accessFilter: accessFilter({ kind: 'care-team', careTeamId: team, organizationId: 'o1' }) }, TOTAL / 2);
    // another care team, and a citizen asking for someone else's compartment, find nothing
    for (const policy of [{ kind: 'care-team', careTeamId: 'nobody', organizationId: 'o1' } as const, { kind: 'patient', patientId: 'someone-else' } as const]) {
      const other = compiled(inCompartment, undefined, { accessFilter: accessFilter(policy) });
      expect((await runSearch(t.pool, other.request, other.compiled)).matches).toEqual([]);
    }
    const deep = await page(inCompartment.replace('_count=20', '_count=1000'));
    await expectEarlyStop(inCompartment, deep.next, {}, TOTAL / 2);
    const far = await page(inCompartment, deep.next);
    await expectEarlyStop(inCompartment, far.previous, {}, TOTAL / 2);
    // every Observation here is in the compartment through its subject: the same pages as the
    // generic sort of the subject's (two values of one target: not a timeline scan)
    for (const [query, generic] of [
      [`Patient/${patient}/Observation?code=${NPU}|NPU03011&_sort=-date&_count=97`, `subject=Patient/${patient},Patient/${patient}&code=${NPU}|NPU03011&_sort=-date&_count=97`],
      [`Patient/${patient}/Observation?_sort=date&_count=250`, `subject=Patient/${patient},Patient/${patient}&_sort=date&_count=250`],
    ]) {
      const indexed = await walk(query);
      const sorted = await walk(generic);
      expect(indexed.forward).toHaveLength(query.includes('code=') ? TOTAL / 2 : TOTAL);
      expect(indexed.forward).toEqual(sorted.forward);
      expect(indexed.backward).toEqual(sorted.forward);
    }
  });

  it('returns a resource with two reference rows to the target once', async () => {
    const performed = (await walk(`performer=Patient/${patient}&_sort=-date&_count=3`)).forward;
    const expected = Array.from({ length: TOTAL }, (_v, i) => i).filter((i) => i % 300 === 5 || i % 300 === 6);
    expect(performed).toHaveLength(expected.length);
    expect(new Set(performed).size).toBe(expected.length);
    const generic = (await walk(`performer=Patient/${patient},Patient/${patient}&_sort=-date&_count=3`)).forward;
    expect(performed).toEqual(generic);
  });
});

describe('timeline keys follow the resource', () => {
  it('are rewritten on update, gone on delete, and restored by reindex', async () => {
    const p = `p-${nonCprUuid()}`;
    const query = `subject=Patient/${p}&_sort=-date`;
    const write = async (method: 'POST' | 'PUT', resource: Observation) => {
      const res = await t.app.inject({
        method,
        url: method === 'POST' ? '/fhir/Observation' : `/fhir/Observation/${resource.id}`,
        payload: resource,
        headers: { 'content-type': 'application/fhir+json' },
      });
      if (res.statusCode >= 300) throw new Error(`${method} failed ${res.statusCode}: ${res.body}`);
      return res.json().id as string;
    };
    const obs = (date: string, id?: string): Observation => ({ ...observation(1), id, subject: { reference: `Patient/${p}` }, effectiveDateTime: date });
    const ids = async () => {
      const bySubject = (await page(query)).matches.map((m) => m.id);
      // the compartment rows carry the same keys
      expect((await page(`Patient/${p}/Observation?_sort=-date`)).matches.map((m) => m.id)).toEqual(bySubject);
      return bySubject;
    };
    const a = await write('POST', obs('2026-01-01T00:00:00Z'));
    const b = await write('POST', obs('2026-02-01T00:00:00Z'));
    const c = await write('POST', obs('2026-03-01T00:00:00Z'));
    expect(await ids()).toEqual([c, b, a]);
    await write('PUT', obs('2026-04-01T00:00:00Z', a));
    expect(await ids()).toEqual([a, c, b]);
    expect((await t.app.inject({ method: 'DELETE', url: `/fhir/Observation/${c}` })).statusCode).toBeLessThan(300);
    expect(await ids()).toEqual([a, b]);

    // keys lost (as by a writer that did not know them) come back with reindex
    // only these two: the rids between them are other test files' resources, written meanwhile
    const rids = (await t.pool.query(`SELECT rid::text FROM resource WHERE resource_type = 'Observation' AND id = ANY($1)`, [[a, b]])).rows.map((r) => r.rid as string);
    expect(rids).toHaveLength(2);
    await t.pool.query(`UPDATE search_reference SET sort_desc = '-infinity', sort_asc = 'infinity' WHERE rid = ANY($1::bigint[])`, [rids]);
    await t.pool.query(`UPDATE resource_compartment SET sort_desc = '-infinity', sort_asc = 'infinity' WHERE rid = ANY($1::bigint[])`, [rids]);
    const { rows: lost } = await t.pool.query(`SELECT count(*)::int AS n FROM search_reference WHERE rid = ANY($1::bigint[]) AND sort_desc <> '-infinity'`, [rids]);
    expect(lost[0].n).toBe(0);
    for (const rid of rids) await reindex(t.pool, createIndexWriter(testRegistry(), { baseUrl: TEST_BASE_URL }), { afterRid: String(BigInt(rid) - 1n), upToRid: rid });
    const { rows: back } = await t.pool.query(
      `SELECT r.id, min(x.sort_desc) = max(x.sort_desc) AS same, (min(x.sort_desc) AT TIME ZONE 'UTC')::text AS k FROM search_reference x JOIN resource r ON r.rid = x.rid WHERE r.id = ANY($1) GROUP BY r.id`,
      [[a, b]],
    );
    expect(Object.fromEntries(back.map((r) => [r.id, [r.same, r.k]]))).toEqual({ [a]: [true, '2026-04-01 00:00:01'], [b]: [true, '2026-02-01 00:00:01'] });
    expect(await ids()).toEqual([a, b]);
  });
});
