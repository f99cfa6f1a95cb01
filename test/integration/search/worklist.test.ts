import { nonCprUuid } from '../../support/ids';
import type { Task } from '@medplum/fhirtypes';
import type { AccessPolicy } from '../../../src/auth/access-policy';
import { compileSearch, type CompileOptions } from '../../../src/store/search/compile';
import { parseSearch } from '../../../src/fhir/search/parse';
import { accessFilter as storeAccessFilter } from '../../../src/store/access-sql';
import { runSearch, type SearchResult } from '../../../src/store/search';
import { createIndexWriter } from '../../../src/store/search-index';
import { careReachSql } from '../../../src/telemedicine/access/care-reach-sql';
import { mainNodes, type PlanNode } from './plan-nodes';
import { createTestApp, testRegistry, TEST_BASE_URL, type TestApp } from '../../support/app';
import { enrol, postInTransactions } from './search-helpers';

/**
 * The clinician's worklist, `Task?owner=CareTeam/y&status=requested,in-progress&_sort=priority,authored-on`,
 * over a team with 2,000 Tasks of which 200 are open: read from the work-queue index
 * (src/store/search/queue-scan.ts) in order, only as far as its page, on the first page and far
 * into the result, in exactly the generic sort's order (priorities by ordinal, Tasks without a
 * priority or a date last, ties by row).
 */

let t: TestApp;
const team = `t-${nonCprUuid()}`;
const patients = Array.from({ length: 5 }, () => `p-${nonCprUuid()}`);
const TOTAL = 2000;
const OPEN = 200;
const PRIORITIES = ['routine', 'urgent', 'asap', 'routine', 'stat', undefined, 'routine'] as const;
const authored = (i: number) => new Date(Date.UTC(2026, 4, 1) - Math.floor(i / 3) * 3_600_000).toISOString();

/** Task i: every tenth open (requested or in-progress), priorities cycling (some none), dates with ties, some without one. */
function task(i: number): Task {
  const open = i % 10 === 0;
  return {
    resourceType: 'Task',
    status: open ? (i % 20 === 0 ? 'requested' : 'in-progress') : i % 3 ? 'completed' : 'cancelled',
    intent: 'order',
    ...(PRIORITIES[i % PRIORITIES.length] ? { priority: PRIORITIES[i % PRIORITIES.length] } : {}),
    for: { reference: `Patient/${patients[i % patients.length]}` },
    owner: { reference: `CareTeam/${team}` },
    ...(i % 110 === 0 ? {} : { authoredOn: authored(i) }),
  };
}

beforeAll(async () => {
  t = await createTestApp({ indexWriter: createIndexWriter(testRegistry(), { baseUrl: TEST_BASE_URL }) });
  await postInTransactions(t, TOTAL, task);
  for (const p of patients) await enrol(t, p, team);
  await t.pool.query('ANALYZE search_reference, search_token, search_date, resource, resource_compartment');
}, 300_000);
afterAll(() => t.close());

const accessFilter = (policy: AccessPolicy) => storeAccessFilter(policy, careReachSql);
const careTeam = { accessFilter: accessFilter({ kind: 'care-team', careTeamId: team, organizationId: 'o1' }) };

function compiled(query: string, token?: string, options: CompileOptions = {}) {
  const params = [...new URLSearchParams(query).entries()];
  if (token) params.push(['_page', token]);
  const { request } = parseSearch({ resourceType: 'Task', params }, { registry: testRegistry(), baseUrl: TEST_BASE_URL });
  return { request, compiled: compileSearch(request, options) };
}

async function page(query: string, token?: string, options: CompileOptions = {}): Promise<SearchResult> {
  const c = compiled(query, token, options);
  return runSearch(t.pool, c.request, c.compiled);
}


/**
 * The page's plan, for the values (ANALYZE) and as a prepared statement's cached plan
 * (GENERIC_PLAN): a Limit over an ordered merge of the queue index's ranges, nothing sorted or
 * hashed; returns how many index entries the ANALYZE run read.
 */
async function expectOrderedMerge(query: string, token: string | undefined, options: CompileOptions): Promise<number> {
  const { match } = compiled(query, token, options).compiled;
  let read = 0;
  for (const how of ['ANALYZE', 'GENERIC_PLAN']) {
    const { rows } = await t.pool.query(`EXPLAIN (${how}, FORMAT JSON) ${match!.text}`, how === 'ANALYZE' ? match!.values : []);
    const plan = rows[0]['QUERY PLAN'][0].Plan as PlanNode;
    const main = mainNodes(plan);
    expect(plan['Node Type']).toBe('Limit');
    expect(main.filter((n) => /Sort|Bitmap|Seq Scan|Hash/.test(n['Node Type'])).map((n) => n['Node Type'])).toEqual([]);
    const scans = main.filter((n) => n['Index Name'] === 'search_reference_queue_ix');
    expect(scans).toHaveLength(2);
    if (how === 'ANALYZE') read = scans.reduce((sum, n) => sum + n['Actual Rows']! * n['Actual Loops']!, 0);
  }
  return read;
}

/** Every page following next links, then back following previous links. */
async function walk(query: string, options: CompileOptions = {}): Promise<{ forward: string[]; backward: string[]; tokens: string[] }> {
  const forward: string[] = [];
  const tokens: string[] = [];
  let result = await page(query, undefined, options);
  forward.push(...result.matches.map((m) => m.id));
  while (result.next) {
    tokens.push(result.next);
    result = await page(query, result.next, options);
    forward.push(...result.matches.map((m) => m.id));
  }
  const backward = result.matches.map((m) => m.id);
  while (result.previous) {
    result = await page(query, result.previous, options);
    backward.unshift(...result.matches.map((m) => m.id));
  }
  return { forward, backward, tokens };
}

const worklist = `owner=CareTeam/${team}&status=requested,in-progress&_sort=priority,authored-on&_count=20`;
// two values of one target: the same matches, sorted the generic way (no ordered scan)
const generic = (q: string) => q.replace(`owner=CareTeam/${team}`, `owner=CareTeam/${team},CareTeam/${team}`);

describe('the worklist of a care team with 2,000 Tasks, 200 open', () => {
  it('reads the open Tasks in priority order by index and stops after the page, first page and far page', async () => {
    expect((await page(worklist.replace('_count=20', '_summary=count'))).total).toBe(OPEN);
    for (const options of [{}, careTeam]) {
      const first = await expectOrderedMerge(worklist, undefined, options);
      // 21 rows from two ranges: at most 21 + 1 entries, however many closed Tasks the team has
      expect(first).toBeLessThanOrEqual(22);
      const deep = await page(worklist.replace('_count=20', '_count=150'), undefined, options);
      expect(deep.next).toBeDefined();
      expect(await expectOrderedMerge(worklist, deep.next, options)).toBeLessThanOrEqual(22);
      const far = await page(worklist, deep.next, options);
      expect(far.matches).toHaveLength(20);
      expect(await expectOrderedMerge(worklist, far.previous, options)).toBeLessThanOrEqual(22);
    }
  });

  it('returns what the generic sort returns, page by page in both directions', async () => {
    for (const [query, options] of [
      [worklist.replace('_count=20', '_count=17'), {}],
      [worklist.replace('status=requested,in-progress', 'status=in-progress'), careTeam],
      [worklist.replace('status=requested,in-progress', 'status=requested,in-progress,completed').replace('_count=20', '_count=250'), {}],
    ] as const) {
      const indexed = await walk(query, options);
      const sorted = await walk(generic(query), options);
      expect(indexed.forward.length).toBeGreaterThan(50);
      expect(indexed.forward).toEqual(sorted.forward);
      expect(indexed.backward).toEqual(sorted.forward);
      expect(indexed.tokens).toEqual(sorted.tokens);
    }
  });

  it('follows status and priority changes, and is empty for a team that reaches none of the patients', async () => {
    const [firstId] = (await page(worklist)).matches.map((m) => m.id);
    const read = await t.app.inject({ method: 'GET', url: `/fhir/Task/${firstId}` });
    const done = { ...read.json(), status: 'completed' };
    expect((await t.app.inject({ method: 'PUT', url: `/fhir/Task/${firstId}`, payload: done, headers: { 'content-type': 'application/fhir+json' } })).statusCode).toBe(200);
    const after = (await page(worklist)).matches.map((m) => m.id);
    expect(after).not.toContain(firstId);
    expect(after).toEqual((await page(generic(worklist))).matches.map((m) => m.id));
    // the last Task (no priority) made stat moves to the front
    const routine = (await walk(worklist)).forward.at(-1)!;
    const raised = { ...(await t.app.inject({ method: 'GET', url: `/fhir/Task/${routine}` })).json(), priority: 'stat' };
    expect((await t.app.inject({ method: 'PUT', url: `/fhir/Task/${routine}`, payload: raised, headers: { 'content-type': 'application/fhir+json' } })).statusCode).toBe(200);
    const now = (await walk(worklist)).forward;
    expect(now).toEqual((await walk(generic(worklist))).forward);
    // among the stat Tasks, about a seventh of the open ones
    expect(now.indexOf(routine)).toBeGreaterThanOrEqual(0);
    expect(now.indexOf(routine)).toBeLessThan(OPEN / 7 + 2);
    const nobody = { accessFilter: accessFilter({ kind: 'care-team', careTeamId: 'nobody', organizationId: 'o1' }) };
    expect((await page(worklist, undefined, nobody)).matches).toEqual([]);
  });
});
