import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp } from '../../support/app';

const JSON_HEADERS = { 'content-type': 'application/fhir+json' };
const CPR = 'urn:oid:1.2.208.176.1.2';

/**
 * Conditional creates racing for real: over a listening server (sockets, Fastify's full request
 * path, the pool under contention) and mixed with transactions deciding the same condition.
 * https://hl7.org/fhir/R4/http.html#ccreate
 */
describe('conditional create races', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => t.close());

  const cpr = () => String(Math.floor(1e9 + Math.random() * 8e9));
  const patient = (value: string) => ({ resourceType: 'Patient', identifier: [{ system: CPR, value }] });
  const ids = async (value: string): Promise<string[]> =>
    (
      await t.pool.query(
        `SELECT id FROM resource WHERE resource_type = 'Patient' AND NOT deleted AND content::jsonb @> $1::jsonb`,
        [JSON.stringify({ identifier: [{ system: CPR, value }] })],
      )
    ).rows.map((r) => r.id as string);

  it('50 concurrent If-None-Exist creates over HTTP make one resource; 49 answers are 200 with its Location and ETag', async () => {
    const value = cpr();
    const responses = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const res = await fetch(`${base}/fhir/Patient`, {
          method: 'POST',
          headers: { ...JSON_HEADERS, 'if-none-exist': `identifier=${CPR}|${value}` },
          body: JSON.stringify(patient(value)),
        });
        return { status: res.status, location: res.headers.get('location'), etag: res.headers.get('etag'), body: (await res.json()) as { id: string } };
      }),
    );
    const stored = await ids(value);
    expect(stored).toHaveLength(1);
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    const existing = responses.filter((r) => r.status === 200);
    expect(existing).toHaveLength(49);
    for (const r of existing) {
      expect(r.body.id).toBe(stored[0]);
      expect(r.location).toContain(`/Patient/${stored[0]}/_history/1`);
      expect(r.etag).toBe('W/"1"');
    }
  });

  it('transactions with the same ifNoneExist, racing single conditional creates, make one resource and point every reference at it', async () => {
    const value = cpr();
    const criteria = `identifier=${CPR}|${value}`;
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:8c1f3a52-0d5e-4f7e-9b0a-6a8d2f1e7c01', resource: patient(value), request: { method: 'POST', url: 'Patient', ifNoneExist: criteria } },
        {
          resource: { resourceType: 'Observation', status: 'final', code: { text: 'race' }, subject: { reference: 'urn:uuid:8c1f3a52-0d5e-4f7e-9b0a-6a8d2f1e7c01' } },
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    };
    const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${base}${url}`, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) });
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? post('/fhir', bundle) : post('/fhir/Patient', patient(value), { 'if-none-exist': criteria }))),
    );
    expect(responses.map((r) => r.status).every((s) => s === 200 || s === 201)).toBe(true);
    const stored = await ids(value);
    expect(stored).toHaveLength(1);
    const observations = await t.pool.query(
      `SELECT count(*)::int AS n FROM resource WHERE resource_type = 'Observation' AND content::jsonb #>> '{subject,reference}' = $1`,
      [`Patient/${stored[0]}`],
    );
    expect(observations.rows[0].n).toBe(15);
  });
});
