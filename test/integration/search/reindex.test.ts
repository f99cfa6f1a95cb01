import { noIndex } from '../../../src/store/index-writer';
import { reindex } from '../../../src/store/reindex';
import { createIndexWriter } from '../../../src/store/search-index';
import { createTestApp, testRegistry, TEST_BASE_URL, type TestApp } from '../../support/app';
import { create, ids, uniqueTag } from './search-helpers';

let t: TestApp;
beforeAll(async () => {
  // resources written WITHOUT index rows, as before a new SearchParameter existed
  t = await createTestApp({ indexWriter: noIndex });
});
afterAll(() => t.close());

describe('reindex', () => {
  it('builds index rows for stored resources in batches with progress', async () => {
    const tag = uniqueTag();
    const meta = { tag: [{ system: tag.system, code: tag.code }] };
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push(await create(t, { resourceType: 'Patient', meta, name: [{ family: `Reindex${i}` }] }));
    expect(await ids(t, 'Patient', tag.query)).toEqual([]);
    const progress: number[] = [];
    // over this test's rids only: other test files write Patients all along, so a reindex of every
    // Patient would take long and count some that come after its total was taken
    const { rows } = await t.pool.query(`SELECT min(rid)::text AS lo, max(rid)::text AS hi FROM resource WHERE resource_type = 'Patient' AND id = ANY($1)`, [created]);
    const result = await reindex(t.pool, createIndexWriter(testRegistry(), { baseUrl: TEST_BASE_URL }), {
      types: ['Patient'],
      batchSize: 2,
      afterRid: String(BigInt(rows[0].lo) - 1n),
      upToRid: rows[0].hi,
      onProgress: (p) => progress.push(p.done),
    });
    expect(result.done).toBe(result.total);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect((await ids(t, 'Patient', tag.query)).sort()).toEqual([...created].sort());
    expect(await ids(t, 'Patient', `${tag.query}&name=reindex3`)).toEqual([created[3]]);
  });
});
