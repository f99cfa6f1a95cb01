import { nonCprUuid } from '../../support/ids';
import { createTestApp, type TestApp } from '../../support/app';

const JSON_HEADERS = { 'content-type': 'application/fhir+json' };

describe('versioning under concurrency', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('20 concurrent PUTs with the same If-Match: exactly one wins, the rest get 412, history has no gap', async () => {
    const created = (await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: JSON_HEADERS, payload: { resourceType: 'Patient' } })).json();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.app.inject({
          method: 'PUT',
          url: `/fhir/Patient/${created.id}`,
          headers: { ...JSON_HEADERS, 'if-match': 'W/"1"' },
          payload: { resourceType: 'Patient', id: created.id, name: [{ text: `writer ${i}` }] },
        }),
      ),
    );
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(19);
    const { rows } = await t.pool.query(`SELECT version_id FROM resource_version WHERE resource_type = 'Patient' AND id = $1 ORDER BY version_id`, [created.id]);
    expect(rows.map((r) => r.version_id)).toEqual([1, 2]);
  });

  it('concurrent PUTs without If-Match serialize into consecutive versions', async () => {
    const id = `c-${nonCprUuid()}`;
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.app.inject({ method: 'PUT', url: `/fhir/Patient/${id}`, headers: JSON_HEADERS, payload: { resourceType: 'Patient', id } }),
      ),
    );
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(9);
    const { rows } = await t.pool.query(`SELECT version_id FROM resource_version WHERE resource_type = 'Patient' AND id = $1 ORDER BY version_id`, [id]);
    expect(rows.map((r) => r.version_id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('every committed change enters the change log once, in order; failed writes never do', async () => {
    const created = (await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: JSON_HEADERS, payload: { resourceType: 'Patient' } })).json();
    await t.app.inject({ method: 'PUT', url: `/fhir/Patient/${created.id}`, headers: { ...JSON_HEADERS, 'if-match': 'W/"9"' }, payload: { resourceType: 'Patient', id: created.id } });
    await t.app.inject({ method: 'DELETE', url: `/fhir/Patient/${created.id}` });
    const { rows } = await t.pool.query(`SELECT operation, version_id FROM change_log WHERE resource_type = 'Patient' AND id = $1 ORDER BY txid, seq`, [created.id]);
    expect(rows.map((c) => [c.operation, c.version_id])).toEqual([
      ['create', 1],
      ['delete', 2],
    ]);
  });
});
