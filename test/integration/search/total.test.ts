import { createTestApp, type TestApp } from '../../support/app';
import { uniqueTag } from './search-helpers';

/** `_total` (https://hl7.org/fhir/R4/search.html#total): none (default), estimate, accurate. */
describe('_total', () => {
  let t: TestApp;
  const tag = uniqueTag();
  const MATCHES = 12;

  beforeAll(async () => {
    t = await createTestApp();
    for (let i = 0; i < MATCHES; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/fhir/Observation',
        headers: { 'content-type': 'application/fhir+json' },
        payload: { resourceType: 'Observation', meta: { tag: [{ system: tag.system, code: tag.code }] }, status: 'final', code: { text: 'total' } },
      });
      expect(res.statusCode).toBe(201);
    }
    // the estimate comes from the planner, which reads statistics
    await t.pool.query('ANALYZE resource, search_token');
  });
  afterAll(() => t.close());

  const bundle = async (query: string) => {
    const res = await t.app.inject({ method: 'GET', url: `/fhir/Observation?${query}` });
    expect(res.statusCode).toBe(200);
    return res.json() as { total?: number; entry?: unknown[] };
  };

  it('leaves total out by default (none)', async () => {
    const b = await bundle(`${tag.query}&_count=5`);
    expect(b.total).toBeUndefined();
    expect(b.entry).toHaveLength(5);
  });

  it('counts exactly with accurate', async () => {
    expect((await bundle(`${tag.query}&_count=5&_total=accurate`)).total).toBe(MATCHES);
  });

  it("gives the planner's row estimate with estimate: a whole number, without counting", async () => {
    const tagged = await bundle(`${tag.query}&_count=5&_total=estimate`);
    expect(Number.isInteger(tagged.total)).toBe(true);
    expect(tagged.total).toBeGreaterThanOrEqual(0);
    expect(tagged.entry).toHaveLength(5);
    // over the whole type the statistics know of at least the rows made here
    const all = await bundle('_count=1&_total=estimate');
    expect(all.total).toBeGreaterThanOrEqual(MATCHES);
  });

  it('rejects an unknown _total value naming the parameter', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/fhir/Observation?${tag.query}&_total=some` });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('_total');
  });
});
