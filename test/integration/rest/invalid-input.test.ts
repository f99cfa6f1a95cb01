import { nonCprUuid } from '../../support/ids';
import { createTestApp, type TestApp } from '../../support/app';

const JSON_HEADERS = { 'content-type': 'application/fhir+json' };

/** Versions stored whose JSON contains a marker: proves that a failed request stored nothing. */
async function versionsWith(t: TestApp, marker: string): Promise<number> {
  const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM resource_version WHERE content LIKE '%' || $1 || '%'`, [marker]);
  return rows[0].n;
}

describe('bad input gets a 4xx OperationOutcome and changes nothing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const observation = (marker: string, extra: Record<string, unknown> = {}) => ({
    resourceType: 'Observation',
    status: 'final',
    code: { text: marker },
    ...extra,
  });

  it('422 naming Observation.status when status is a number', async () => {
    const marker = nonCprUuid();
    const res = await t.app.inject({ method: 'POST', url: '/fhir/Observation', headers: JSON_HEADERS, payload: observation(marker, { status: 5 }) });
    expect(res.statusCode).toBe(422);
    const oo = res.json();
    expect(oo.resourceType).toBe('OperationOutcome');
    expect(oo.issue.some((i: { expression?: string[] }) => i.expression?.includes('Observation.status'))).toBe(true);
    expect(await versionsWith(t, marker)).toBe(0);
  });

  it('422 naming an unknown element', async () => {
    const marker = nonCprUuid();
    const res = await t.app.inject({ method: 'POST', url: '/fhir/Observation', headers: JSON_HEADERS, payload: observation(marker, { colour: 'red' }) });
    expect(res.statusCode).toBe(422);
    expect(res.json().issue[0].expression).toEqual(['Observation.colour']);
    expect(await versionsWith(t, marker)).toBe(0);
  });

  it('400 for a Patient posted to /Observation', async () => {
    const marker = nonCprUuid();
    const res = await t.app.inject({ method: 'POST', url: '/fhir/Observation', headers: JSON_HEADERS, payload: { resourceType: 'Patient', name: [{ text: marker }] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().issue[0].expression).toEqual(['resourceType']);
    expect(await versionsWith(t, marker)).toBe(0);
  });

  it('an invalid update leaves the resource and its history untouched', async () => {
    const created = (await t.app.inject({ method: 'POST', url: '/fhir/Observation', headers: JSON_HEADERS, payload: observation('x') })).json();
    const bad = await t.app.inject({
      method: 'PUT',
      url: `/fhir/Observation/${created.id}`,
      headers: JSON_HEADERS,
      payload: { ...observation('x'), id: created.id, effectiveDateTime: '2026-13-45' },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().issue[0].expression).toEqual(['Observation.effectiveDateTime']);
    const hist = (await t.app.inject({ method: 'GET', url: `/fhir/Observation/${created.id}/_history` })).json();
    expect(hist.total).toBe(1);
  });

  it('400 when the PUT body id is missing or differs from the URL', async () => {
    const id = nonCprUuid();
    const missing = await t.app.inject({ method: 'PUT', url: `/fhir/Patient/${id}`, headers: JSON_HEADERS, payload: { resourceType: 'Patient' } });
    expect(missing.statusCode).toBe(400);
    const differs = await t.app.inject({ method: 'PUT', url: `/fhir/Patient/${id}`, headers: JSON_HEADERS, payload: { resourceType: 'Patient', id: 'other' } });
    expect(differs.statusCode).toBe(400);
    expect(differs.json().issue[0].expression).toEqual(['Patient.id']);
  });

  it('400 for malformed JSON, an empty body, an array, a bad If-Match and bad history parameters', async () => {
    const cases = [
      { method: 'POST', url: '/fhir/Patient', payload: '{"resourceType":' },
      { method: 'POST', url: '/fhir/Patient', payload: '' },
      { method: 'POST', url: '/fhir/Patient', payload: '[]' },
      { method: 'PUT', url: '/fhir/Patient/abc', payload: '{"resourceType":"Patient","id":"abc"}', headers: { 'if-match': 'yesterday' } },
      { method: 'GET', url: '/fhir/Patient/_history?_count=many' },
      { method: 'GET', url: '/fhir/Patient/_history?_since=2026-13-01' },
      { method: 'GET', url: '/fhir/_history?_cursor=bm9wZQ' },
      { method: 'GET', url: '/fhir/Patient/bad$id' },
    ] as const;
    for (const c of cases) {
      const res = await t.app.inject({
        method: c.method,
        url: c.url,
        payload: 'payload' in c ? c.payload : undefined,
        headers: { ...JSON_HEADERS, ...('headers' in c ? c.headers : {}) },
      });
      expect([c.url, res.statusCode]).toEqual([c.url, 400]);
      expect(res.json().resourceType).toBe('OperationOutcome');
    }
  });

  it('400 OperationOutcome for a path the router cannot decode (percent-encoding that is not UTF-8)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/fhir/Patient/%E0%A4%A' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'invalid' }] });
  });

  it('415 for an unsupported content type and 413 for a body over the limit', async () => {
    const xml = await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: { 'content-type': 'application/fhir+xml' }, payload: '<Patient/>' });
    expect(xml.statusCode).toBe(415);
    expect(xml.json().resourceType).toBe('OperationOutcome');
    const big = { resourceType: 'Patient', name: [{ text: 'x'.repeat(1024 * 1024 + 10) }] };
    const tooLarge = await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: JSON_HEADERS, payload: big });
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json().issue[0].code).toBe('too-long');
  });

  it('an unexpected failure is a 500 with a generic OperationOutcome and rolls the write back', async () => {
    const marker = nonCprUuid();
    const failing = await createTestApp({
      indexWriter: {
        async write() {
          throw new Error('index exploded with secret details');
        },
      },
    });
    try {
      const res = await failing.app.inject({ method: 'POST', url: '/fhir/Patient', headers: JSON_HEADERS, payload: { resourceType: 'Patient', name: [{ text: marker }] } });
      expect(res.statusCode).toBe(500);
      const oo = res.json();
      expect(oo.issue[0].diagnostics).toBe(`Internal server error (request id ${res.headers['x-request-id']})`);
      expect(res.body).not.toContain('secret');
      expect(await versionsWith(t, marker)).toBe(0);
    } finally {
      await failing.close();
    }
  });
});
