import type { Resource } from '@medplum/fhirtypes';
import { AuditDrainer } from '../../../src/audit/drainer';
import { insertAuditRecords } from '../../../src/store/audit-outbox';
import { createTestApp, type TestApp } from '../../support/app';
import { drainAudit } from '../../support/audit-drain';
import { accessToken, registerVendorApp } from '../auth/vendor-app';

const CPR_SYSTEM = 'urn:oid:1.2.208.176.1.2';

/**
 * Every read or search of patient data leaves AuditEvents naming the client and the patient;
 * the citizen can see who looked; query text keeps no CPR number.
 */
describe('AuditEvents', () => {
  let t: TestApp;
  let patient: string;
  let otherPatient: string;
  let observation: string;
  const cpr = `0${String(Date.now()).slice(-5, -4)}0${String(Date.now()).slice(-1)}50${String(Date.now()).slice(-4)}`.slice(0, 10);
  const tokens = { clinic: '', other: '', citizen: '', writer: '' };
  let clinicId = '';

  const seed = async (r: Resource) => (await t.services.store.transaction((tx) => tx.create(r))).id;
  const get = (token: string, url: string) => t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    t = await createTestApp({ auth: 'on' });
    patient = await seed({ resourceType: 'Patient', identifier: [{ system: CPR_SYSTEM, value: cpr }] });
    otherPatient = await seed({ resourceType: 'Patient' });
    await seed({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${patient}` }, managingOrganization: { reference: 'Organization/0851' } });
    observation = await seed({ resourceType: 'Observation', status: 'final', code: { text: 'SpO2' }, subject: { reference: `Patient/${patient}` } });
    const clinic = await registerVendorApp(t, { organization: 'Organization/0851', scopes: ['system/*.rs'] });
    const other = await registerVendorApp(t, { organization: 'Organization/0101', scopes: ['system/*.rs'] });
    const citizen = await registerVendorApp(t, { kind: 'citizen', organization: 'Organization/0851', patient: `Patient/${patient}`, scopes: ['patient/*.rs'] });
    clinicId = clinic.clientId;
    tokens.clinic = await accessToken(t, clinic, 'system/*.rs');
    tokens.other = await accessToken(t, other, 'system/*.rs');
    tokens.citizen = await accessToken(t, citizen, 'patient/*.rs', { claims: { patient: `Patient/${patient}` } });
    const writer = await registerVendorApp(t, { organization: 'Organization/0851', scopes: ['system/*.cruds'] });
    tokens.writer = await accessToken(t, writer, 'system/*.cruds');
  });
  afterAll(async () => {
    await t.pool.query('DROP TRIGGER IF EXISTS audit_test_refuse ON audit_outbox');
    await t.close();
  });

  /**
   * An audit record that PostgreSQL refuses: a trigger fails the INSERT of any record whose
   * request id ends in `-unwritable` (a real database failure, for those requests only).
   */
  beforeAll(async () => {
    await t.pool.query(`CREATE OR REPLACE FUNCTION audit_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.request_id LIKE '%-unwritable' THEN RAISE EXCEPTION 'audit record refused for the test'; END IF;
        RETURN NEW;
      END $$`);
    await t.pool.query('DROP TRIGGER IF EXISTS audit_test_refuse ON audit_outbox');
    await t.pool.query('CREATE TRIGGER audit_test_refuse BEFORE INSERT ON audit_outbox FOR EACH ROW EXECUTE FUNCTION audit_test_refuse()');
  });

  it('records a read and a search, naming client and patient, with CPR numbers masked', async () => {
    expect((await get(tokens.clinic, `/fhir/Observation/${observation}`)).statusCode).toBe(200);
    const search = await get(tokens.clinic, `/fhir/Patient?identifier=${encodeURIComponent(`${CPR_SYSTEM}|${cpr}`)}`);
    expect(search.json().entry).toHaveLength(1);
    // nothing of patient A was touched by the other municipality: no audit for it
    expect((await get(tokens.other, `/fhir/Observation/${observation}`)).statusCode).toBe(404);
    await drainAudit(t);

    const events = await t.pool.query(
      `SELECT content, owner, access_patients FROM resource WHERE resource_type = 'AuditEvent' AND content LIKE '%' || $1 || '%'`,
      [`"Patient/${patient}"`],
    );
    // the server's, no organization's; governed by the patient's access (history candidates rely on it)
    for (const row of events.rows) {
      expect(row.owner).toBeNull();
      expect(row.access_patients).toEqual([patient]);
    }
    const mine = events.rows.map((r) => JSON.parse(r.content)).filter((e) => e.agent[0].altId === clinicId);
    expect(mine.map((e) => e.subtype[0].code).sort()).toEqual(['read', 'search-type']);
    for (const e of mine) {
      expect(e.action).toBe('R');
      expect(e.agent[0].who).toEqual({ reference: 'Organization/0851' });
    }
    const query = Buffer.from(mine.find((e) => e.subtype[0].code === 'search-type').entity[1].query, 'base64').toString();
    expect(query).toBe(`identifier=${CPR_SYSTEM}|xxxxxx-xxxx`);
    expect(JSON.stringify(events.rows)).not.toContain(cpr);
  });

  it('lets the citizen see who looked at their data, and nobody else see it', async () => {
    await get(tokens.clinic, `/fhir/Observation/${observation}`);
    await drainAudit(t);
    const mine = (await get(tokens.citizen, `/fhir/AuditEvent?patient=Patient/${patient}&altid=${clinicId}&_sort=-date`)).json();
    expect(mine.entry.length).toBeGreaterThanOrEqual(1);
    expect(mine.entry[0].resource.agent[0].altId).toBe(clinicId);
    // the citizen's own look at the audit log is not audited again, and other patients' logs are out of reach
    const others = (await get(tokens.citizen, `/fhir/AuditEvent?patient=Patient/${otherPatient}`)).json();
    expect(others.entry ?? []).toHaveLength(0);
    const foreign = (await get(tokens.other, `/fhir/AuditEvent?patient=Patient/${patient}`)).json();
    expect(foreign.entry ?? []).toHaveLength(0);
  });

  /**
   * Audit records of these requests, drained or not: a drainer deletes an outbox row in the
   * transaction that creates its AuditEvents, so one statement sees each record exactly once.
   */
  const recorded = async (requestIds: string[]) =>
    (
      await t.pool.query(
        `SELECT (SELECT count(*) FROM audit_outbox WHERE request_id = ANY($1)) +
                (SELECT count(*) FROM resource WHERE resource_type = 'AuditEvent'
                   AND content::jsonb #>> '{entity,1,detail,0,valueString}' = ANY($1)) AS n`,
        [requestIds],
      )
    ).rows[0].n as string;
  const send = (method: 'POST' | 'PUT' | 'GET', url: string, requestId: string, body?: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${tokens.writer}`, 'x-request-id': requestId, 'content-type': 'application/fhir+json', ...headers },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });

  it('commits a write\'s record with the write, and leaves none for a write that fails', async () => {
    const run = `w${Date.now()}`;
    const spo2 = (subject: string, text: string) => ({ resourceType: 'Observation', status: 'final', code: { text }, subject: { reference: `Patient/${subject}` } });
    const created = await send('POST', '/fhir/Observation', `${run}-create`, spo2(patient, `${run}-ok`));
    expect(created.statusCode).toBe(201);
    expect(await recorded([`${run}-create`])).toBe('1');
    const row = await t.pool.query(`SELECT status, action, patients FROM audit_outbox WHERE request_id = $1`, [`${run}-create`]);
    if (row.rows.length) expect(row.rows[0]).toEqual({ status: 201, action: 'C', patients: [patient] });

    // version conflict after the access check passed: 412, nothing changed, nothing recorded
    const stale = await send('PUT', `/fhir/Observation/${created.json().id}`, `${run}-412`, { ...spo2(patient, `${run}-ok`), id: created.json().id }, { 'if-match': 'W/"7"' });
    expect(stale.statusCode).toBe(412);
    // another organization's patient: 403
    const foreign = await send('POST', '/fhir/Observation', `${run}-403`, spo2(otherPatient, `${run}-403`));
    expect(foreign.statusCode).toBe(403);
    // the audit record itself cannot be written (the database refuses it): 503 and no Observation
    const unauditable = await send('POST', '/fhir/Observation', `${run}-503-unwritable`, spo2(patient, `${run}-503`));
    expect(unauditable.statusCode).toBe(503);
    const written = await t.pool.query(`SELECT count(*)::int AS n FROM resource WHERE resource_type = 'Observation' AND content LIKE '%' || $1 || '%'`, [`${run}-503`]);
    expect(written.rows[0].n).toBe(0);
    expect(await recorded([`${run}-412`, `${run}-403`, `${run}-503-unwritable`])).toBe('0');
  });

  it('records each of a burst of concurrent reads once, and one unwritable record fails only its own request', async () => {
    const run = `r${Date.now()}`;
    const ids = Array.from({ length: 40 }, (_, i) => `${run}-${i}`);
    const answers = await Promise.all([
      ...ids.map((id) => send('GET', `/fhir/Observation/${observation}`, id)),
      send('GET', `/fhir/Observation/${observation}`, `${run}-bad-unwritable`),
    ]);
    expect(answers.slice(0, -1).map((a) => a.statusCode)).toEqual(ids.map(() => 200));
    expect(answers[answers.length - 1].statusCode).toBe(503);
    expect(await recorded(ids)).toBe(String(ids.length));
    expect(await recorded([`${run}-bad-unwritable`])).toBe('0');
  });

  it('drains each record exactly once with two drainers at work', async () => {
    // counted by request id: other test files write and drain AuditEvents of their own meanwhile,
    // and their drainers may claim some of these records too
    const run = `d${Date.now()}`;
    const ids = Array.from({ length: 20 }, (_, i) => `${run}-${i}`);
    for (const id of ids) {
      const res = await t.app.inject({ method: 'GET', url: `/fhir/Observation/${observation}`, headers: { authorization: `Bearer ${tokens.clinic}`, 'x-request-id': id } });
      expect(res.statusCode).toBe(200);
    }
    const secondInstance = await createTestApp();
    try {
      await Promise.all([t.services.auditDrainer.drainAll(), secondInstance.services.auditDrainer.drainAll()]);
    } finally {
      await secondInstance.close();
    }
    // the two leave none of these records that no other drainer holds
    const unclaimed = await t.pool.query(`SELECT count(*)::int AS n FROM (SELECT 1 FROM audit_outbox WHERE client_id = $1 FOR UPDATE SKIP LOCKED) x`, [clinicId]);
    expect(unclaimed.rows[0].n).toBe(0);
    // what another test file's drainer claimed meanwhile is written when its transaction commits
    await drainAudit(t);
    const events = await t.pool.query(
      `SELECT content::jsonb #>> '{entity,1,detail,0,valueString}' AS req, count(*)::int AS n FROM resource
        WHERE resource_type = 'AuditEvent' AND content::jsonb #>> '{entity,1,detail,0,valueString}' = ANY($1) GROUP BY 1`,
      [ids],
    );
    expect(Object.fromEntries(events.rows.map((r) => [r.req, r.n]))).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
    const left = await t.pool.query(`SELECT count(*)::int AS n FROM audit_outbox WHERE client_id = $1`, [clinicId]);
    expect(left.rows[0].n).toBe(0);
    const perRequest = await t.pool.query(
      `SELECT content::jsonb #>> '{entity,1,detail,0,valueString}' AS req, count(*)::int AS n FROM resource
        WHERE resource_type = 'AuditEvent' AND content LIKE '%' || $1 || '%' GROUP BY 1 HAVING count(*) > 1`,
      [clinicId],
    );
    expect(perRequest.rows).toEqual([]);
  });
  it('writes a record that fans out to many patients in bounded statements, each AuditEvent once and findable by its patient', async () => {
    // a worklist page's search names 20 citizens: 20 AuditEvents from one record
    const request = `fan-${Date.now()}`;
    const patients = Array.from({ length: 7 }, (_, i) => `fan-patient-${request}-${i}`);
    await insertAuditRecords(t.pool, [
      { recorded: new Date().toISOString(), requestId: request, clientId: 'fan-client', clientKind: 'system', interaction: 'search-type', action: 'R', status: 200, method: 'GET', path: '/fhir/Task', patients, rids: [], refused: false },
    ]);
    const statements: number[] = [];
    const store = t.services.store;
    const counting: typeof store = Object.create(store);
    counting.transaction = (work, options) =>
      store.transaction(async (tx) => {
        const createMany = tx.createMany.bind(tx);
        tx.createMany = async (resources) => {
          statements.push(resources.length);
          return createMany(resources);
        };
        return work(tx);
      }, options);
    await new AuditDrainer({ store: counting, eventsPerStatement: 3 }).drainAll();
    await drainAudit(t); // another file's drainer may have claimed it
    const { rows } = await t.pool.query(
      `SELECT s.target_id FROM resource r JOIN search_reference s ON s.rid = r.rid AND s.target_type = 'Patient'
        WHERE r.resource_type = 'AuditEvent' AND r.content LIKE '%' || $1 || '%' GROUP BY r.rid, s.target_id`,
      [request],
    );
    expect(rows.map((r) => r.target_id).sort()).toEqual([...patients].sort());
    // none of the statements wrote more than three; when this drainer got the record, 3 + 3 + 1
    expect(Math.max(0, ...statements)).toBeLessThanOrEqual(3);
  });
});
