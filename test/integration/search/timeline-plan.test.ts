import { nonCprUuid } from '../../support/ids';
import type { Observation } from '@medplum/fhirtypes';
import type { AccessPolicy } from '../../../src/auth/access-policy';
import { compileSearch, type CompileOptions } from '../../../src/store/search/compile';
import { parseSearch } from '../../../src/fhir/search/parse';
import { accessFilter as storeAccessFilter } from '../../../src/store/access-sql';
import { runSearch } from '../../../src/store/search';
import { createIndexWriter } from '../../../src/store/search-index';
import { careReachSql } from '../../../src/telemedicine/access/care-reach-sql';
import { mainNodes, type PlanNode } from './plan-nodes';
import { testRegistry, TEST_BASE_URL, type TestApp } from '../../support/app';
import { createTestAppOnOwnDatabase } from '../../support/own-database';
import { NPU } from '../../support/spo2';
import { writeHistory } from './search-helpers';

/**
 * The timeline scan's plan does not follow the statistics (src/store/search/timeline-scan.ts): on
 * a database of its own, 400,000 reference rows of other patients with this month's dates make
 * the citizen's rows and dates look rare, as a long-running server's tables do. With the
 * statistics that gives, PostgreSQL planned the earlier shape as a hash join of a sequential
 * `resource` scan and a bitmap read of all the citizen's rows, then a sort of them; the page
 * must still be an ordered walk of the timeline index that stops after it, first page, far page
 * and previous page, with and without an access filter, planned for the values or generically.
 */

let t: TestApp;
const patient = `p-${nonCprUuid()}`;
const team = `t-${nonCprUuid()}`;
const TOTAL = 3000;
const at = (hoursBack: number) => new Date(Date.UTC(2026, 4, 1, 8) - hoursBack * 3_600_000).toISOString();
const observation = (i: number): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: NPU, code: i % 2 ? 'NPU21692' : 'NPU03011' }] },
  subject: { reference: `Patient/${patient}` },
  effectiveDateTime: at(i),
  valueQuantity: { value: 95, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
});
const accessFilter = (policy: AccessPolicy) => storeAccessFilter(policy, careReachSql);

beforeAll(async () => {
  t = await createTestAppOnOwnDatabase('kolibri_plan', { indexWriter: createIndexWriter(testRegistry(), { baseUrl: TEST_BASE_URL }) });
  await writeHistory(t, TOTAL, observation, patient, team);
  const { rows } = await t.pool.query('SELECT param FROM search_reference WHERE target_id = $1 LIMIT 1', [patient]);
  await t.pool.query(
    `INSERT INTO search_reference (rid, param, target_type, target_id, sort_desc, sort_asc)
     SELECT -g, $1, 'Patient', 'other-' || (g % 20000), now() - (g % 1000) * interval '1 minute', now() FROM generate_series(1, 400000) g`,
    [rows[0].param],
  );
  await t.pool.query('ANALYZE');
}, 300_000);
afterAll(async () => {
  await t?.close();
});

function compiled(query: string, token?: string, options: CompileOptions = {}) {
  const params = [...new URLSearchParams(query).entries()];
  if (token) params.push(['_page', token]);
  const { request } = parseSearch({ resourceType: 'Observation', params }, { registry: testRegistry(), baseUrl: TEST_BASE_URL });
  return { request, compiled: compileSearch(request, options) };
}


/** Plan (ANALYZE: planned for the values; GENERIC_PLAN: as a prepared statement's cached plan) of one page. */
async function plan(how: 'ANALYZE' | 'GENERIC_PLAN', query: string, token: string | undefined, options: CompileOptions): Promise<PlanNode> {
  const { match } = compiled(query, token, options).compiled;
  const { rows } = await t.pool.query(`EXPLAIN (${how}, FORMAT JSON) ${match!.text}`, how === 'ANALYZE' ? match!.values : []);
  return rows[0]['QUERY PLAN'][0].Plan as PlanNode;
}

it('walks the timeline index in order and stops after the page, whatever the statistics say', async () => {
  const vitals = `subject=Patient/${patient}&code=${NPU}|NPU03011&_sort=-date&_count=20`;
  const run = async (token?: string) => {
    const c = compiled(vitals, token);
    return runSearch(t.pool, c.request, c.compiled);
  };
  const thousand = compiled(vitals.replace('_count=20', '_count=1000'));
  const deep = await runSearch(t.pool, thousand.request, thousand.compiled);
  const far = await run(deep.next);
  expect(far.matches).toHaveLength(20);
  const pages: [string, string | undefined][] = [
    ['first', undefined],
    ['far', deep.next],
    ['previous', far.previous],
  ];
  const filters: [string, CompileOptions][] = [
    ['no filter', {}],
    ['care team', { accessFilter: accessFilter({ kind: 'care-team', careTeamId: team, organizationId: 'o1' }) }],
  ];
  const shapes: string[] = [];
  for (const [pageName, token] of pages) {
    for (const [filterName, options] of filters) {
      for (const how of ['ANALYZE', 'GENERIC_PLAN'] as const) {
        const top = await plan(how, vitals, token, options);
        const main = mainNodes(top);
        const scans = main.filter((n) => n['Index Name'] === 'search_reference_timeline_desc_ix');
        const read = how === 'ANALYZE' && scans.length === 1 ? scans[0]['Actual Rows']! * scans[0]['Actual Loops']! : 0;
        const ordered = top['Node Type'] === 'Limit' && scans.length === 1 && !main.some((n) => /Sort|Bitmap|Seq Scan|Hash/.test(n['Node Type'])) && read < 100;
        if (!ordered) shapes.push(`${pageName}, ${filterName}, ${how}: ${main.map((n) => n['Node Type']).join(' > ')}${read ? ` (${read} index entries read)` : ''}`);
      }
    }
  }
  expect(shapes).toEqual([]);
}, 120_000);
