import { compileSearch } from '../../../src/store/search/compile';
import { parseSearch } from '../../../src/fhir/search/parse';
import { runSearch } from '../../../src/store/search';
import { createIndexWriter } from '../../../src/store/search-index';
import { createTestApp, testRegistry, TEST_BASE_URL, type TestApp } from '../../support/app';
import { create, ids, uniqueTag } from './search-helpers';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ indexWriter: createIndexWriter(testRegistry(), { baseUrl: TEST_BASE_URL }) });
});
afterAll(() => t.close());

const registry = () => testRegistry();

async function page(query: string, token?: string) {
  const params = [...new URLSearchParams(query).entries()];
  if (token) params.push(['_page', token]);
  const { request } = parseSearch({ resourceType: 'Observation', params }, { registry: registry(), baseUrl: TEST_BASE_URL });
  return runSearch(t.pool, request, compileSearch(request));
}

/** Bulk-insert through the store (one transaction) so 1,000 resources take seconds, not minutes. */
async function createMany(resources: Record<string, unknown>[]): Promise<void> {
  const chunk = 100;
  for (let i = 0; i < resources.length; i += chunk) {
    await Promise.all(resources.slice(i, i + chunk).map((r) => create(t, r)));
  }
}

describe('_sort', () => {
  it('sorts on several keys with - for descending, resources without a value last', async () => {
    const tag = uniqueTag();
    const meta = { tag: [{ system: tag.system, code: tag.code }] };
    // each a millisecond after the one before: lastUpdated has millisecond precision, and two in
    // one millisecond would sort by rid (ascending) under -_lastUpdated
    const obs = async (status: string, date?: string) => {
      const id = await create(t, { resourceType: 'Observation', meta, status, code: { text: 'x' }, ...(date ? { effectiveDateTime: date } : {}) });
      const done = Date.now();
      while (Date.now() <= done) await new Promise((r) => setTimeout(r, 1));
      return id;
    };
    const a = await obs('final', '2026-01-01');
    const b = await obs('amended', '2026-03-01');
    const c = await obs('final', '2026-02-01');
    const d = await obs('final');
    expect(await ids(t, 'Observation', `${tag.query}&_sort=-date`)).toEqual([b, c, a, d]);
    expect(await ids(t, 'Observation', `${tag.query}&_sort=date`)).toEqual([a, c, b, d]);
    expect(await ids(t, 'Observation', `${tag.query}&_sort=status,-date`)).toEqual([b, c, a, d]);
    expect(await ids(t, 'Observation', `${tag.query}&_sort=-_lastUpdated`)).toEqual([d, c, b, a]);
  });
});

describe('paging', () => {
  it('returns each of 1,000 matches exactly once with _count=7, also while new matches are created', async () => {
    const tag = uniqueTag();
    const meta = { tag: [{ system: tag.system, code: tag.code }] };
    await createMany(
      Array.from({ length: 1000 }, (_v, i) => ({
        resourceType: 'Observation',
        meta,
        status: 'final',
        code: { text: 'x' },
        effectiveDateTime: `2026-01-01T00:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`,
      })),
    );
    const seen = new Map<string, number>();
    let token: string | undefined;
    let pages = 0;
    let created = 0;
    do {
      const result = await page(`${tag.query}&_sort=-date&_count=7`, token);
      for (const m of result.matches) seen.set(m.id, (seen.get(m.id) ?? 0) + 1);
      // new matching resources arrive between pages, sorting both before and after the cursor
      if (pages % 20 === 0) {
        await create(t, { resourceType: 'Observation', meta, status: 'final', code: { text: 'x' }, effectiveDateTime: '2026-01-01T00:08:00Z' });
        created++;
      }
      token = result.next;
      pages++;
    } while (token && pages < 400);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(seen.size).toBeGreaterThanOrEqual(1000);
    expect(seen.size).toBeLessThanOrEqual(1000 + created);
  });

  it('goes back with the previous token to exactly the page before', async () => {
    const tag = uniqueTag();
    const meta = { tag: [{ system: tag.system, code: tag.code }] };
    for (let i = 0; i < 10; i++) await create(t, { resourceType: 'Observation', meta, status: 'final', code: { text: `c${i}` } });
    const first = await page(`${tag.query}&_count=4`);
    const second = await page(`${tag.query}&_count=4`, first.next);
    expect(second.previous).toBeDefined();
    const back = await page(`${tag.query}&_count=4`, second.previous);
    expect(back.matches.map((m) => m.id)).toEqual(first.matches.map((m) => m.id));
    expect(back.previous).toBeUndefined();
    const third = await page(`${tag.query}&_count=4`, second.next);
    expect(third.matches).toHaveLength(2);
    expect(third.next).toBeUndefined();
  });

  it('reports an accurate total and refuses a token made for another _sort', async () => {
    const tag = uniqueTag();
    const meta = { tag: [{ system: tag.system, code: tag.code }] };
    for (let i = 0; i < 3; i++) await create(t, { resourceType: 'Observation', meta, status: 'final', code: { text: 'x' } });
    const result = await page(`${tag.query}&_count=2&_total=accurate`);
    expect(result.total).toBe(3);
    await expect(page(`${tag.query}&_count=2&_sort=date`, result.next)).rejects.toMatchObject({ status: 400 });
  });
});
