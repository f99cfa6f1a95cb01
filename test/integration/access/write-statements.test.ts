import { nonCprUuid } from '../../support/ids';
import type { Resource } from '@medplum/fhirtypes';
import { Client } from 'pg';
import { createTestApp, type TestApp } from '../../support/app';
import { spo2Observation } from '../../support/spo2';
import { accessToken, registerVendorApp } from '../auth/vendor-app';

const INDEX_TABLES = ['search_string', 'search_token', 'search_reference', 'search_date', 'search_number', 'search_quantity', 'search_uri', 'resource_compartment'];

/**
 * The write path's statements: a plain create is one statement in autocommit with its access
 * rule inside it, a transaction's creates are inserted together. Whatever the path, a refused
 * write leaves nothing in any table and answers as before, and a committed one leaves every row
 * (current, history, index, compartment) and its audit record.
 */
describe('write statements', () => {
  let t: TestApp;
  const orgA = nonCprUuid();
  const orgB = nonCprUuid();
  const tok = { sysA: '', sysB: '' };
  let patientA = '';
  let patientB = '';

  const call = (token: string, method: 'POST' | 'PUT', url: string, payload: unknown, requestId: string, extra: Record<string, string> = {}) =>
    t.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json', 'x-request-id': requestId, ...extra }, payload: payload as object });
  /** A marked SpO2 Observation: its marker is in the stored JSON, so its rows can be found. */
  const marked = (patient: string, marker: string) => ({ ...spo2Observation(patient, 90), note: [{ text: marker }] }) as unknown as Record<string, unknown>;
  const count = async (sql: string, values: unknown[]) => Number((await t.pool.query(sql, values)).rows[0].n);
  const stored = (marker: string) => count(`SELECT count(*) AS n FROM resource WHERE content LIKE '%' || $1 || '%'`, [marker]);
  const versions = (marker: string) => count(`SELECT count(*) AS n FROM resource_version WHERE content LIKE '%' || $1 || '%'`, [marker]);
  /** Index rows whose resource row does not exist: what a half-written create would leave. */
  const orphans = async () => {
    let n = 0;
    for (const table of INDEX_TABLES) n += await count(`SELECT count(*) AS n FROM ${table} x WHERE NOT EXISTS (SELECT 1 FROM resource r WHERE r.rid = x.rid)`, []);
    return n;
  };
  /** Audit records of a request, drained into AuditEvents or not. */
  const audited = (requestId: string) =>
    count(
      `SELECT (SELECT count(*) FROM audit_outbox WHERE request_id = $1) +
              (SELECT count(*) FROM resource WHERE resource_type = 'AuditEvent' AND content::jsonb #>> '{entity,1,detail,0,valueString}' = $1) AS n`,
      [requestId],
    );
  /** Nothing of a failed request is anywhere: no current or history row, no index row, no audit record. */
  const expectNothingWritten = async (marker: string, orphansBefore: number) => {
    expect(await stored(marker)).toBe(0);
    expect(await versions(marker)).toBe(0);
    expect(await orphans()).toBe(orphansBefore);
    expect(await audited(`${marker}-req`)).toBe(0);
  };
  const indexRowsOf = async (type: string, id: string) => {
    const rid = (await t.pool.query(`SELECT rid FROM resource WHERE resource_type = $1 AND id = $2`, [type, id])).rows[0].rid;
    const rows: Record<string, number> = {};
    for (const table of INDEX_TABLES) rows[table] = await count(`SELECT count(*) AS n FROM ${table} WHERE rid = $1`, [rid]);
    return rows;
  };

  beforeAll(async () => {
    t = await createTestApp({ auth: 'on' });
    const seed = async (r: Resource) => (await t.services.store.transaction((tx) => tx.create(r))).id;
    patientA = await seed({ resourceType: 'Patient', name: [{ family: 'A' }] });
    patientB = await seed({ resourceType: 'Patient', name: [{ family: 'B' }] });
    await seed({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${patientA}` }, managingOrganization: { reference: `Organization/${orgA}` } });
    await seed({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${patientB}` }, managingOrganization: { reference: `Organization/${orgB}` } });
    const sysA = await registerVendorApp(t, { organization: `Organization/${orgA}`, scopes: ['system/*.cruds'] });
    const sysB = await registerVendorApp(t, { organization: `Organization/${orgB}`, scopes: ['system/*.cruds'] });
    tok.sysA = await accessToken(t, sysA, 'system/*.cruds');
    tok.sysB = await accessToken(t, sysB, 'system/*.cruds');
  });
  afterAll(() => t.close());

  it('writes a create of patient data without a transaction: resource, history, index, compartment and audit rows', async () => {
    const marker = `one-${nonCprUuid()}`;
    const requestId = `${marker}-req`;
    // the transaction path takes a client of its own from the pool; the one statement does not
    const [res, transactions] = await transactionsOf(() => call(tok.sysA, 'POST', '/fhir/Observation', marked(patientA, marker), requestId));
    expect(res.statusCode).toBe(201);
    expect(transactions).toBe(0);
    const id = res.json().id as string;
    expect(res.headers.location).toContain(`/Observation/${id}/_history/1`);
    expect(await stored(marker)).toBe(1);
    expect(await versions(marker)).toBe(1);
    expect((await t.services.store.vread('Observation', id, 1))?.json).toBe(res.body);
    const rows = await indexRowsOf('Observation', id);
    expect(rows.resource_compartment).toBe(1);
    expect(rows.search_reference).toBeGreaterThan(0);
    expect(rows.search_token).toBeGreaterThan(0);
    expect(rows.search_quantity).toBeGreaterThan(0);
    expect(rows.search_date).toBeGreaterThan(0);
    // the same rows as the transaction path writes for the same resource
    const viaTransaction = await t.services.store.transaction((tx) => tx.create(marked(patientA, `${marker}-tx`) as unknown as Resource));
    expect(await indexRowsOf('Observation', viaTransaction.id)).toEqual(rows);
    expect(await audited(requestId)).toBe(1);
    const record = await t.pool.query(`SELECT status, action, patients FROM audit_outbox WHERE request_id = $1`, [requestId]);
    if (record.rows.length) expect(record.rows[0]).toEqual({ status: 201, action: 'C', patients: [patientA] });
    // it is found by search at once
    const found = await t.app.inject({ method: 'GET', url: `/fhir/Observation?subject=Patient/${patientA}&_id=${id}`, headers: { authorization: `Bearer ${tok.sysA}` } });
    expect(found.json().total ?? found.json().entry?.length).toBe(1);
  });

  it('refuses a create for a patient outside the caller\'s care with the same 403, and writes nothing in any table', async () => {
    const marker = `refused-${nonCprUuid()}`;
    const before = await orphans();
    const res = await call(tok.sysA, 'POST', '/fhir/Observation', marked(patientB, marker), `${marker}-req`);
    expect(res.statusCode).toBe(403);
    expect(res.json().issue[0].diagnostics).toBe('You may not write data of a patient outside your care relationships (Observation)');
    await expectNothingWritten(marker, before);
    // a resource with two patients, one reachable, is refused as a whole
    const both = { ...marked(patientA, `${marker}-2`), performer: [{ reference: `Patient/${patientB}` }] };
    const mixed = await call(tok.sysA, 'POST', '/fhir/Observation', both, `${marker}-2-req`);
    expect(mixed.statusCode).toBe(403);
    expect(await stored(`${marker}-2`)).toBe(0);
    expect(await audited(`${marker}-2-req`)).toBe(0);
    // the owner of the other patient may write it
    expect((await call(tok.sysB, 'POST', '/fhir/Observation', marked(patientB, `${marker}-3`), `${marker}-3-req`)).statusCode).toBe(201);
  });

  /** Connections the request took for a transaction of its own (connect() without a callback; pool.query takes its own with one). */
  /** Runs `request` and counts the transactions it began (BEGIN sent on any connection). */
  const transactionsOf = async <T>(request: () => Promise<T>): Promise<[T, number]> => {
    const query = jest.spyOn(Client.prototype, 'query');
    try {
      const result = await request();
      const begun = query.mock.calls.filter(([text]) => typeof text === 'string' && /^\s*BEGIN\b/i.test(text)).length;
      return [result, begun];
    } finally {
      query.mockRestore();
    }
  };

  it('updates without a transaction: new current and history rows, index rows replaced, audit record; If-Match and refusals answer as before', async () => {
    const marker = `upd-${nonCprUuid()}`;
    const created = await call(tok.sysA, 'POST', '/fhir/Observation', marked(patientA, marker), `${marker}-c`);
    const id = created.json().id as string;
    const before = await indexRowsOf('Observation', id);
    const [res, transactions] = await transactionsOf(() =>
      call(tok.sysA, 'PUT', `/fhir/Observation/${id}`, { ...marked(patientA, `${marker}-v2`), id, valueQuantity: { value: 77, unit: '%', system: 'http://unitsofmeasure.org', code: '%' } }, `${marker}-u`, { 'if-match': 'W/"1"' }),
    );
    expect(res.statusCode).toBe(200);
    expect(transactions).toBe(0);
    expect(res.headers.etag).toBe('W/"2"');
    expect((await t.services.store.vread('Observation', id, 2))?.json).toBe(res.body);
    expect((await t.services.store.vread('Observation', id, 1))?.json).toBe(created.body);
    // the same number of rows as before (replaced, not added), and the new value found by search
    expect(await indexRowsOf('Observation', id)).toEqual(before);
    const search = (q: string) => t.app.inject({ method: 'GET', url: `/fhir/Observation?_id=${id}&${q}`, headers: { authorization: `Bearer ${tok.sysA}` } });
    expect((await search('value-quantity=77')).json().entry).toHaveLength(1);
    expect((await search('value-quantity=90')).json().entry ?? []).toHaveLength(0);
    expect(await audited(`${marker}-u`)).toBe(1);
    // a stale If-Match: 412 with the store's text, nothing written
    const stale = await call(tok.sysA, 'PUT', `/fhir/Observation/${id}`, { ...marked(patientA, `${marker}-v3`), id }, `${marker}-s`, { 'if-match': 'W/"1"' });
    expect(stale.statusCode).toBe(412);
    expect(stale.json().issue[0].diagnostics).toBe(`Version conflict on Observation/${id}: If-Match W/"1" but the current version is W/"2"`);
    expect(await stored(`${marker}-v3`)).toBe(0);
    // moving it to a patient outside the caller's care: 403, nothing written
    const moved = await call(tok.sysA, 'PUT', `/fhir/Observation/${id}`, { ...marked(patientB, `${marker}-v4`), id }, `${marker}-m`);
    expect(moved.statusCode).toBe(403);
    expect(await versions(`${marker}-v4`)).toBe(0);
    expect(await audited(`${marker}-m`)).toBe(0);
    // another organization: hidden answers as missing (405 without If-Match, 412 with it), nothing written
    const foreign = await call(tok.sysB, 'PUT', `/fhir/Observation/${id}`, { ...marked(patientA, `${marker}-v5`), id }, `${marker}-f`);
    const free = nonCprUuid();
    const missing = await call(tok.sysB, 'PUT', `/fhir/Observation/${free}`, { ...marked(patientA, `${marker}-v6`), id: free }, `${marker}-n`);
    expect(foreign.statusCode).toBe(405);
    expect([missing.statusCode, missing.body.split(free).join('<id>')]).toEqual([foreign.statusCode, foreign.body.split(id).join('<id>')]);
    const foreignIfMatch = await call(tok.sysB, 'PUT', `/fhir/Observation/${id}`, { ...marked(patientA, `${marker}-v7`), id }, `${marker}-fi`, { 'if-match': 'W/"2"' });
    expect(foreignIfMatch.statusCode).toBe(412);
    expect(await versions(`${marker}-v5`) + (await versions(`${marker}-v7`))).toBe(0);
    expect((await t.services.store.read('Observation', id))?.versionId).toBe(2);
  });

  it('patches without a transaction: a PATCH version with its rows; hidden answers 404 as missing', async () => {
    const marker = `patch-${nonCprUuid()}`;
    const created = await call(tok.sysA, 'POST', '/fhir/Observation', marked(patientA, marker), `${marker}-c`);
    const id = created.json().id as string;
    const patch = (token: string, target: string, requestId: string) =>
      t.app.inject({
        method: 'PATCH',
        url: `/fhir/Observation/${target}`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json-patch+json', 'x-request-id': requestId },
        payload: JSON.stringify([{ op: 'replace', path: '/valueQuantity/value', value: 81 }]),
      });
    const [res, transactions] = await transactionsOf(() => patch(tok.sysA, id, `${marker}-p`));
    expect(res.statusCode).toBe(200);
    expect(transactions).toBe(0);
    expect(res.json().valueQuantity.value).toBe(81);
    const history = await t.pool.query(`SELECT version_id, method FROM resource_version WHERE resource_type = 'Observation' AND id = $1 ORDER BY version_id`, [id]);
    expect(history.rows).toEqual([{ version_id: 1, method: 'POST' }, { version_id: 2, method: 'PATCH' }]);
    expect(await audited(`${marker}-p`)).toBe(1);
    const found = await t.app.inject({ method: 'GET', url: `/fhir/Observation?_id=${id}&value-quantity=81`, headers: { authorization: `Bearer ${tok.sysA}` } });
    expect(found.json().entry).toHaveLength(1);
    const hidden = await patch(tok.sysB, id, `${marker}-h`);
    const free = nonCprUuid();
    const missing = await patch(tok.sysB, free, `${marker}-m`);
    expect(hidden.statusCode).toBe(404);
    expect([missing.statusCode, missing.body.split(free).join('<id>')]).toEqual([hidden.statusCode, hidden.body.split(id).join('<id>')]);
    expect((await t.services.store.read('Observation', id))?.versionId).toBe(2);
  });

  it('writes an update decided on a version that has moved on in the meantime nowhere (the caller decides again)', async () => {
    const marker = `cas-${nonCprUuid()}`;
    const created = await call(tok.sysA, 'POST', '/fhir/Observation', marked(patientA, marker), `${marker}-c`);
    const id = created.json().id as string;
    const resource = { ...marked(patientA, `${marker}-late`), id } as unknown as Resource;
    expect(await t.services.store.updateAlone(resource, 2)).toBeUndefined();
    expect(await versions(`${marker}-late`)).toBe(0);
    const written = await t.services.store.updateAlone(resource, 1);
    expect(written?.versionId).toBe(2);
    expect(await t.services.store.updateAlone(resource, 1)).toBeUndefined();
    expect((await t.services.store.read('Observation', id))?.versionId).toBe(2);
  });

  const bundleOf = (entries: Record<string, unknown>[]) => ({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: entries.map((resource) => ({ fullUrl: `urn:uuid:${nonCprUuid()}`, resource, request: { method: 'POST', url: String(resource.resourceType) } })),
  });

  it('writes a 300-entry transaction: every current, history, index and compartment row and its audit record', async () => {
    const marker = `tx300-${nonCprUuid()}`;
    const requestId = `${marker}-req`;
    const entries = Array.from({ length: 300 }, (_, i) => marked(patientA, `${marker}-${String(i).padStart(3, '0')}`));
    const res = await call(tok.sysA, 'POST', '/fhir', bundleOf(entries), requestId);
    expect(res.statusCode).toBe(200);
    const response = res.json();
    expect(response.entry).toHaveLength(300);
    expect(new Set(response.entry.map((e: { response: { status: string } }) => e.response.status))).toEqual(new Set(['201 Created']));
    expect(await stored(marker)).toBe(300);
    expect(await versions(marker)).toBe(300);
    // every entry's rows, in entry order: the response's location i is the resource of entry i
    const ids = response.entry.map((e: { response: { location: string } }) => /Observation\/([^/]+)/.exec(e.response.location)?.[1] as string);
    const { rows } = await t.pool.query(
      `SELECT r.id, r.content, (SELECT count(*) FROM resource_compartment c WHERE c.rid = r.rid AND c.compartment_id = $2)::int AS compartments,
              (SELECT count(*) FROM search_quantity q WHERE q.rid = r.rid)::int AS quantities
         FROM resource r WHERE r.resource_type = 'Observation' AND r.id = ANY($1::text[])`,
      [ids, patientA],
    );
    expect(rows).toHaveLength(300);
    const byId = new Map(rows.map((r) => [r.id, r]));
    ids.forEach((id: string, i: number) => {
      const row = byId.get(id);
      expect(row.content).toContain(`${marker}-${String(i).padStart(3, '0')}`);
      expect(row.compartments).toBe(1);
      expect(row.quantities).toBeGreaterThan(0);
    });
    expect(await audited(requestId)).toBe(1);
    const record = await t.pool.query(`SELECT status, action, patients FROM audit_outbox WHERE request_id = $1`, [requestId]);
    if (record.rows.length) expect(record.rows[0]).toEqual({ status: 200, action: 'E', patients: [patientA] });
  });

  it('fails a 300-entry transaction whose entry 250 is refused: nothing of it is written', async () => {
    const marker = `txfail-${nonCprUuid()}`;
    const before = await orphans();
    const entries = Array.from({ length: 300 }, (_, i) => marked(i === 249 ? patientB : patientA, `${marker}-${i}`));
    const res = await call(tok.sysA, 'POST', '/fhir', bundleOf(entries), `${marker}-req`);
    expect(res.statusCode).toBe(403);
    expect(res.json().issue[0].diagnostics).toContain('Entry 250 of 300');
    await expectNothingWritten(marker, before);
  });

  it('lets a transaction\'s later entries rely on what its earlier creates granted (collected creates are written before any check reads)', async () => {
    const marker = `grant-${nonCprUuid()}`;
    const patient = `urn:uuid:${nonCprUuid()}`;
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: patient, resource: { resourceType: 'Patient', name: [{ family: marker }] }, request: { method: 'POST', url: 'Patient' } },
        ...Array.from({ length: 20 }, (_, i) => ({ resource: { ...spo2Observation('x', 90 + (i % 5)), subject: { reference: patient }, note: [{ text: `${marker}-${i}` }] }, request: { method: 'POST', url: 'Observation' } })),
        {
          resource: { resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: patient }, managingOrganization: { reference: `Organization/${orgA}` } },
          request: { method: 'POST', url: 'EpisodeOfCare' },
        },
      ],
    };
    const res = await call(tok.sysA, 'POST', '/fhir', bundle, `${marker}-req`);
    expect(res.statusCode).toBe(200);
    expect(await stored(marker)).toBe(21);
    // the other organization reaches none of it
    const id = /Patient\/([^/]+)/.exec(res.json().entry[0].response.location)?.[1];
    const foreign = await call(tok.sysB, 'POST', '/fhir/Observation', marked(id as string, `${marker}-b`), `${marker}-b-req`);
    expect(foreign.statusCode).toBe(403);
    expect(await stored(`${marker}-b`)).toBe(0);
  });
});
