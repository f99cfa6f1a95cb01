import { nonCprUuid } from '../../support/ids';
import { createIndexWriter } from '../../../src/store/search-index';
import { paramKey } from '../../../src/fhir/search/param-key';
import { createTestApp, testRegistry, TEST_BASE_URL, type TestApp } from '../../support/app';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ indexWriter: createIndexWriter(testRegistry(), { baseUrl: TEST_BASE_URL }) });
});
afterAll(() => t.close());

async function create(resource: Record<string, unknown>): Promise<{ id: string; rid: string }> {
  const res = await t.app.inject({ method: 'POST', url: `/fhir/${resource.resourceType}`, payload: resource, headers: { 'content-type': 'application/fhir+json' } });
  expect(res.statusCode).toBe(201);
  const id = res.json().id as string;
  const { rows } = await t.pool.query('SELECT rid FROM resource WHERE resource_type = $1 AND id = $2', [resource.resourceType, id]);
  return { id, rid: rows[0].rid };
}

describe('search index rows', () => {
  it('are written with the resource, replaced on update and removed on delete', async () => {
    const patientId = nonCprUuid();
    const obs = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'NPU03011' }] },
      subject: { reference: `Patient/${patientId}` },
      effectiveDateTime: '2026-05-15T10:00:00+02:00',
      valueQuantity: { value: 88, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
    };
    const { id, rid } = await create(obs);
    const token = await t.pool.query('SELECT system, value FROM search_token WHERE rid = $1 AND param = $2', [rid, paramKey('Observation', 'code')]);
    expect(token.rows).toEqual([{ system: 'urn:oid:1.2.208.176.2.1', value: 'NPU03011' }]);
    const date = await t.pool.query('SELECT low, high FROM search_date WHERE rid = $1 AND param = $2', [rid, paramKey('Observation', 'date')]);
    expect(date.rows).toEqual([{ low: '2026-05-15 08:00:00+00', high: '2026-05-15 08:00:01+00' }]);
    const comp = await t.pool.query('SELECT compartment_id FROM resource_compartment WHERE rid = $1', [rid]);
    expect(comp.rows).toEqual([{ compartment_id: patientId }]);

    const put = await t.app.inject({ method: 'PUT', url: `/fhir/Observation/${id}`, payload: { ...obs, id, status: 'amended' }, headers: { 'content-type': 'application/fhir+json' } });
    expect(put.statusCode).toBe(200);
    const status = await t.pool.query('SELECT value FROM search_token WHERE rid = $1 AND param = $2', [rid, paramKey('Observation', 'status')]);
    expect(status.rows).toEqual([{ value: 'amended' }]);
    const comp2 = await t.pool.query('SELECT compartment_id FROM resource_compartment WHERE rid = $1', [rid]);
    expect(comp2.rows).toEqual([{ compartment_id: patientId }]);

    const del = await t.app.inject({ method: 'DELETE', url: `/fhir/Observation/${id}` });
    expect(del.statusCode).toBeLessThan(300);
    for (const table of ['search_token', 'search_date', 'search_quantity', 'search_reference', 'resource_compartment']) {
      const left = await t.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE rid = $1`, [rid]);
      expect(left.rows[0].n).toBe(0);
    }
  });
});
