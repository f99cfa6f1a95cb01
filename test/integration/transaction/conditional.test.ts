import { nonCprUuid } from '../../support/ids';
import { createTestApp, type TestApp, developmentDeps } from '../../support/app';
import { processBundle } from '../../../src/interactions/transaction-bundle';
import type { ConditionalResolver } from '../../../src/interactions/transaction-hooks';

/**
 * A stand-in for the search-backed resolver the lead connects: `identifier=system|value` only,
 * on the transaction's own connection so it sees the transaction's earlier writes.
 */
function identifierResolver(t: TestApp): ConditionalResolver {
  return async (type, query, tx) => {
    const m = /^identifier=([^|]*)\|(.+)$/.exec(decodeURIComponent(query));
    if (!m) throw new Error(`test resolver understands identifier=system|value only, got ${query}`);
    const { rows } = await (tx?.client ?? t.pool).query(
      `SELECT id FROM resource WHERE resource_type = $1 AND NOT deleted AND content::jsonb @> $2::jsonb LIMIT 2`,
      [type, JSON.stringify({ identifier: [{ system: m[1], value: m[2] }] })],
    );
    return rows.map((r) => r.id as string);
  };
}

describe('transactions with a conditional resolver (the hook search will fill)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());
  const run = (entry: unknown[]) =>
    processBundle(developmentDeps(t.services), { resourceType: 'Bundle', type: 'transaction', entry }, { resolveConditional: identifierResolver(t) });
  const body = (r: { body?: unknown }) => JSON.parse(r.body as string);

  it('runs a conditional DELETE before a conditional create of the same identifier, whatever the entry order', async () => {
    const value = nonCprUuid();
    const identifier = [{ system: 'urn:kolibri:test', value }];
    const first = body(await run([{ resource: { resourceType: 'Patient', identifier }, request: { method: 'POST', url: 'Patient' } }]));
    const oldId = first.entry[0].fullUrl.split('/').pop();
    const query = `identifier=urn:kolibri:test|${value}`;
    const result = body(
      await run([
        { fullUrl: 'urn:uuid:new', resource: { resourceType: 'Patient', identifier, active: true }, request: { method: 'POST', url: 'Patient', ifNoneExist: query } },
        { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'urn:uuid:new' } }, request: { method: 'POST', url: 'Observation' } },
        { request: { method: 'DELETE', url: `Patient?${query}` } },
      ]),
    );
    // DELETE ran first, so the If-None-Exist found nothing and a new Patient was created.
    expect(result.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual(['201 Created', '201 Created', '200 OK']);
    const newId = result.entry[0].fullUrl.split('/').pop();
    expect(newId).not.toBe(oldId);
    expect(result.entry[1].resource.subject.reference).toBe(`Patient/${newId}`);
    expect((await t.app.inject({ method: 'GET', url: `/fhir/Patient/${oldId}` })).statusCode).toBe(410);
  });

  it('If-None-Exist with one match creates nothing and points references at the match', async () => {
    const value = nonCprUuid();
    const identifier = [{ system: 'urn:kolibri:test', value }];
    const existing = body(await run([{ resource: { resourceType: 'Patient', identifier }, request: { method: 'POST', url: 'Patient' } }]));
    const id = existing.entry[0].fullUrl.split('/').pop();
    const result = body(
      await run([
        { fullUrl: 'urn:uuid:p', resource: { resourceType: 'Patient', identifier }, request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=urn:kolibri:test|${value}` } },
        { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'urn:uuid:p' } }, request: { method: 'POST', url: 'Observation' } },
      ]),
    );
    expect(result.entry[0].response.status).toBe('200 OK');
    expect(result.entry[1].resource.subject.reference).toBe(`Patient/${id}`);
  });

  it('resolves conditional references; no match fails the transaction naming the entry', async () => {
    const value = nonCprUuid();
    const identifier = [{ system: 'urn:kolibri:test', value }];
    const existing = body(await run([{ resource: { resourceType: 'Patient', identifier }, request: { method: 'POST', url: 'Patient' } }]));
    const id = existing.entry[0].fullUrl.split('/').pop();
    const ok = body(await run([{ resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient?identifier=urn:kolibri:test|${value}` } }, request: { method: 'POST', url: 'Observation' } }]));
    expect(ok.entry[0].resource.subject.reference).toBe(`Patient/${id}`);
    await expect(
      run([
        { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient?identifier=urn:kolibri:test|${nonCprUuid()}` } }, request: { method: 'POST', url: 'Observation' } },
      ]),
    ).rejects.toMatchObject({ status: 412, issues: [expect.objectContaining({ diagnostics: expect.stringMatching(/^Entry 2 of 2 \(Bundle\.entry\[1\].*matches no Patient/) })] });
  });
});
