import type { AuditEvent, Resource } from '@medplum/fhirtypes';
import { randomInt } from 'node:crypto';
import { createTestApp, type TestApp } from '../../support/app';
import { drainAudit } from '../../support/audit-drain';
import { accessToken, registerVendorApp } from '../auth/vendor-app';

const CPR_SYSTEM = 'urn:oid:1.2.208.176.1.2';

/** A random CPR-shaped number: DDMMYY with a real date, then four digits. */
function randomCpr(): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(randomInt(1, 29))}${two(randomInt(1, 13))}${two(randomInt(0, 100))}${String(randomInt(0, 10000)).padStart(4, '0')}`;
}

/**
 * What the audit trail missed: a conditional create that returns an existing patient, refused
 * reads of another organization's patient, CPR numbers as Patient ids and percent-encoded CPR
 * numbers in request URLs.
 */
describe('AuditEvents for conditional creates, refused reads and CPR numbers in URLs', () => {
  let t: TestApp;
  let patient: string;
  let observation: string;
  const cpr = randomCpr();
  const ids = { writer: '', other: '' };
  const tokens = { writer: '', other: '', citizen: '' };
  let run = 0;

  const seed = async (r: Resource, id?: string) => (await t.services.store.transaction((tx) => tx.create(r, { id }))).id;
  const send = (token: string, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const requestId = `gap-${Date.now()}-${run++}`;
    const reply = t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, 'x-request-id': requestId, 'content-type': 'application/fhir+json', ...headers },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });
    return reply.then((res) => Object.assign(res, { requestId }));
  };
  /** The AuditEvents of one request, after draining the outbox (another test file's drainer may hold its record a moment). */
  const eventsOf = async (requestId: string): Promise<AuditEvent[]> => {
    await drainAudit(t);
    const { rows } = await t.pool.query(
      `SELECT content FROM resource WHERE resource_type = 'AuditEvent' AND content::jsonb #>> '{entity,1,detail,0,valueString}' = $1`,
      [requestId],
    );
    return rows.map((r) => JSON.parse(r.content) as AuditEvent);
  };
  /** POST a one-entry bundle (200, the entry answering `entryStatus`): [patient, client, outcome] of its AuditEvents. */
  const bundleAudit = async (token: string, type: string, entry: unknown, entryStatus: string) => {
    const res = await send(token, 'POST', '/fhir', { resourceType: 'Bundle', type, entry: [entry] });
    expect(res.statusCode).toBe(200);
    expect(res.json().entry[0].response.status).toMatch(new RegExp(`^${entryStatus}`));
    return (await eventsOf(res.requestId)).map((e) => [e.entity?.[0].what?.reference, e.agent[0].altId, e.outcome]);
  };
  /** Whether `text` holds the CPR number, plain, hyphenated or with encoded digits or hyphen. */
  const leaks = (text: string) =>
    new RegExp(`${cpr.slice(0, 6)}(-|%2D)?${cpr.slice(6)}`, 'i').test(text) || text.includes(`%3${cpr[0]}%3${cpr[1]}`) || text.includes(`%2D${cpr.slice(6)}`);
  const description = (e: AuditEvent) => e.entity?.[1].description;
  const query = (e: AuditEvent) => Buffer.from(e.entity?.[1].query ?? '', 'base64').toString();

  beforeAll(async () => {
    t = await createTestApp({ auth: 'on' });
    patient = await seed({ resourceType: 'Patient', identifier: [{ system: CPR_SYSTEM, value: cpr }] });
    await seed({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${patient}` }, managingOrganization: { reference: 'Organization/0851' } });
    observation = await seed({ resourceType: 'Observation', status: 'final', code: { text: 'SpO2' }, subject: { reference: `Patient/${patient}` } });
    const writer = await registerVendorApp(t, { organization: 'Organization/0851', scopes: ['system/*.cruds'] });
    const other = await registerVendorApp(t, { organization: 'Organization/0101', scopes: ['system/*.rs'] });
    const citizen = await registerVendorApp(t, { kind: 'citizen', organization: 'Organization/0851', patient: `Patient/${patient}`, scopes: ['patient/*.rs'] });
    ids.writer = writer.clientId;
    ids.other = other.clientId;
    tokens.writer = await accessToken(t, writer, 'system/*.cruds');
    tokens.other = await accessToken(t, other, 'system/*.rs');
    tokens.citizen = await accessToken(t, citizen, 'patient/*.rs', { claims: { patient: `Patient/${patient}` } });
  });
  afterAll(() => t.close());

  describe('a conditional create that finds its match', () => {
    const ifNoneExist = () => `identifier=${CPR_SYSTEM}|${cpr}`;

    it('records the returned patient as read', async () => {
      const res = await send(tokens.writer, 'POST', '/fhir/Patient', { resourceType: 'Patient' }, { 'if-none-exist': ifNoneExist() });
      expect(res.statusCode).toBe(200);
      expect(res.json().id).toBe(patient);
      const events = await eventsOf(res.requestId);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ action: 'R', outcome: '0', subtype: [{ code: 'create' }], agent: [{ altId: ids.writer }] });
      expect(events[0].entity?.[0].what).toEqual({ reference: `Patient/${patient}` });
      expect(JSON.stringify(events)).not.toContain(cpr);
    });

    it.each(['transaction', 'batch'])('records the returned patient of an If-None-Exist entry in a %s', async (type) => {
      const entry = { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient', ifNoneExist: ifNoneExist() } };
      expect(await bundleAudit(tokens.writer, type, entry, '200')).toEqual([[`Patient/${patient}`, ids.writer, '0']]);
    });
  });

  describe('a read refused across organizations', () => {
    it('answers like a nonexistent id and leaves a failure in the patient\'s trail', async () => {
      const refused = await send(tokens.other, 'GET', `/fhir/Observation/${observation}`);
      const missing = await send(tokens.other, 'GET', '/fhir/Observation/no-such-observation');
      expect(refused.statusCode).toBe(404);
      expect(missing.statusCode).toBe(404);
      expect(refused.body.replace(observation, '{id}')).toBe(missing.body.replace('no-such-observation', '{id}'));

      const events = await eventsOf(refused.requestId);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ action: 'R', outcome: '4', subtype: [{ code: 'read' }] });
      expect(events[0].agent[0]).toMatchObject({ altId: ids.other, who: { reference: 'Organization/0101' } });
      expect(events[0].entity?.[0].what).toEqual({ reference: `Patient/${patient}` });
      expect(await eventsOf(missing.requestId)).toEqual([]);

      // the citizen sees the attempt in "who looked at my data"
      const mine = await send(tokens.citizen, 'GET', `/fhir/AuditEvent?patient=Patient/${patient}&altid=${ids.other}`);
      expect(mine.json().entry.map((e: { resource: AuditEvent }) => e.resource.outcome)).toContain('4');
    });

    it('leaves a failure for a refused GET entry of a batch answered 200', async () => {
      const entry = { request: { method: 'GET', url: `Observation/${observation}` } };
      expect(await bundleAudit(tokens.other, 'batch', entry, '404')).toEqual([[`Patient/${patient}`, ids.other, '4']]);
    });
  });

  describe('CPR numbers as Patient ids', () => {
    /** 400 saying why; the reason does not repeat the number (a transaction names its entry's URL). */
    const refusal = (res: { statusCode: number; json: () => { resourceType: string; issue: Array<{ diagnostics?: string }> } }, id: string) => {
      expect(res.statusCode).toBe(400);
      const outcome = res.json();
      expect(outcome.resourceType).toBe('OperationOutcome');
      const reason = outcome.issue[0].diagnostics?.replace(/^Entry 1 of 1 \([^)]*\): /, '');
      expect(reason).toMatch(/^A Patient id must not be a CPR number/);
      expect(reason).not.toContain(id);
    };

    it.each([
      ['ten digits', () => randomCpr()],
      ['a hyphen after six', () => `${randomCpr().slice(0, 6)}-${randomCpr().slice(6)}`],
    ])('refuses a PUT that would create a Patient whose id is a CPR number (%s)', async (_what, make) => {
      const id = make();
      refusal(await send(tokens.writer, 'PUT', `/fhir/Patient/${id}`, { resourceType: 'Patient', id }), id);
      expect(await t.services.store.read('Patient', id)).toBeUndefined();
    });

    it('refuses such ids in transaction entries and conditional updates', async () => {
      const id = randomCpr();
      const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Patient', id }, request: { method: 'PUT', url: `Patient/${id}` } }] };
      refusal(await send(tokens.writer, 'POST', '/fhir', bundle), id);
      const unmatched = `identifier=${CPR_SYSTEM}|${randomCpr()}`;
      refusal(await send(tokens.writer, 'PUT', `/fhir/Patient?${unmatched}`, { resourceType: 'Patient', id }), id);
      // a fullUrl is no logical id
      const urn = { resourceType: 'Bundle', type: 'transaction', entry: [{ fullUrl: `urn:uuid:00000000-0000-4000-8000-${randomCpr()}00`, resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } }] };
      expect((await send(tokens.writer, 'POST', '/fhir', urn)).statusCode).toBe(200);
    });

    it('accepts ten digits that start with no date', async () => {
      const id = `99${String(randomInt(0, 1e8)).padStart(8, '0')}`;
      // not refused as a CPR number (400): a token client's PUT to a new id is then answered as
      // any update-as-create by a token client is (405, README "Access control")
      expect((await send(tokens.writer, 'PUT', `/fhir/Patient/${id}`, { resourceType: 'Patient', id })).statusCode).toBe(405);
    });

    it('keeps a Patient stored earlier under a CPR id readable, with the id masked in the audit', async () => {
      const id = randomCpr();
      await seed({ resourceType: 'Patient' }, id);
      await seed({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${id}` }, managingOrganization: { reference: 'Organization/0851' } });
      const plain = await send(tokens.writer, 'GET', `/fhir/Patient/${id}`);
      const encoded = await send(tokens.writer, 'GET', `/fhir/Patient/%3${id[0]}${id.slice(1)}`);
      expect([plain.statusCode, encoded.statusCode]).toEqual([200, 200]);
      for (const res of [plain, encoded]) {
        const [event] = await eventsOf(res.requestId);
        expect(description(event)).toBe('GET /fhir/Patient/xxxxxx-xxxx');
      }
    });
  });

  describe('percent-encoded CPR numbers in the request URL', () => {
    it.each([
      ['encoded delimiters', (c: string) => `identifier=urn%3Aoid%3A1.2.208.176.1.2%7C${c}`],
      ['an encoded hyphen', (c: string) => `_id=${patient}&identifier:not=${CPR_SYSTEM}|${c.slice(0, 6)}%2D${c.slice(6)}`],
      ['encoded digits', (c: string) => `identifier=${CPR_SYSTEM}|${[...c].map((d) => `%3${d}`).join('')}`],
      ['a malformed escape before it', (c: string) => `_id=${patient}&note=%E0%A4%A&identifier:not=${CPR_SYSTEM}|${c.slice(0, 6)}%2D${c.slice(6)}`],
    ])('are masked in the AuditEvent (%s)', async (_what, queryOf) => {
      const res = await send(tokens.writer, 'GET', `/fhir/Patient?${queryOf(cpr)}`);
      expect(res.statusCode).toBe(200);
      const events = await eventsOf(res.requestId);
      expect(events).toHaveLength(1);
      expect(query(events[0])).toMatch(/xxxxxx-xxxx/);
      expect(leaks(JSON.stringify(events) + query(events[0]))).toBe(false);
    });

    it('are masked in the query of a read, after a malformed escape', async () => {
      const res = await send(tokens.writer, 'GET', `/fhir/Observation/${observation}?note=%&ref=${cpr.slice(0, 6)}%2D${cpr.slice(6)}`);
      expect(res.statusCode).toBe(200);
      const [event] = await eventsOf(res.requestId);
      expect(query(event)).toBe('note=%&ref=xxxxxx-xxxx');
    });
  });
});
