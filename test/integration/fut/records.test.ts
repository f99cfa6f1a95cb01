import { nonCprUuid } from '../../support/ids';
import { futRecordsModule } from '../../../src/fut/records/module';
import { buildFixture, call, differs, outsiders, report, runProbes, type Fixture, type Probe } from '../access/tenants';

const SOR = 'urn:oid:1.2.208.176.1.1';
const TAG_OF_A = { system: 'urn:kolibri:probe-tag', code: `a-${nonCprUuid()}` };

/** FUT's $get-resource-counts, Organization/$traverse-to-sor and Appointment/$exportAsiCal, with cross-tenant probes. */
describe('FUT operations on records', () => {
  let f: Fixture;
  let appointmentOfA = '';

  beforeAll(async () => {
    // a database of its own: $get-resource-counts is compared with searches by the same client,
    // and staff see the Observations other test files write without subject or owner meanwhile
    f = await buildFixture({ ownDatabase: 'kolibri_records' });
    const res = await call(f.t, f.a.tokens.system, 'POST', '/fhir/Appointment', {
      resourceType: 'Appointment',
      meta: { tag: [TAG_OF_A], security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] },
      status: 'booked',
      description: 'Video follow-up; wound, day 3',
      comment: 'Bring the\nmeasurement log',
      start: '2026-03-10T10:00:00+01:00',
      end: '2026-03-10T10:20:00+01:00',
      participant: [{ actor: { reference: `Patient/${f.a.ids.patient}` }, status: 'accepted' }],
    });
    expect(res.status).toBe(201);
    appointmentOfA = res.json().id;
  }, 120_000);

  afterAll(async () => {
    await f.t.close();
  });

  describe('$get-resource-counts', () => {
    const counts = async (token: string) => {
      const res = await call(f.t, token, 'GET', '/fhir/$get-resource-counts');
      expect(res.status).toBe(200);
      return Object.fromEntries((res.json().parameter ?? []).map((p: { name: string; valueInteger: number }) => [p.name, p.valueInteger]));
    };
    const searchTotal = async (token: string, type: string) => (await call(f.t, token, 'GET', `/fhir/${type}?_summary=count`)).json().total;

    it('counts what a search by the same client would find, type by type', async () => {
      for (const token of [f.a.tokens.system, f.b.tokens.clinician, f.a.tokens.citizen]) {
        const mine = await counts(token);
        for (const type of ['Patient', 'Observation', 'EpisodeOfCare', 'Appointment']) expect({ type, n: mine[type] ?? 0 }).toEqual({ type, n: await searchTotal(token, type) });
      }
      expect((await counts(f.a.tokens.citizen)).Patient).toBe(1);
      expect((await counts(f.a.tokens.system)).Observation).toBeGreaterThanOrEqual(2);
    });

    it('lists only the types the scopes allow; takes no parameters', async () => {
      expect(Object.keys(await counts(f.a.tokens.narrow))).toEqual(['Observation']);
      const bad = await call(f.t, f.a.tokens.system, 'GET', '/fhir/$get-resource-counts?type=Patient');
      expect([bad.status, bad.json().resourceType]).toEqual([400, 'OperationOutcome']);
      const body = await call(f.t, f.a.tokens.system, 'POST', '/fhir/$get-resource-counts', { resourceType: 'Parameters', parameter: [{ name: 'x', valueString: 'y' }] });
      expect(body.status).toBe(400);
    });
  });

  describe('Organization/$traverse-to-sor', () => {
    it('finds the first Organization up partOf with a SOR identifier', async () => {
      const make = async (body: object) => {
        const res = await call(f.t, f.operatorToken, 'POST', '/fhir/Organization', { resourceType: 'Organization', ...body });
        expect(res.status).toBe(201);
        return res.json().id as string;
      };
      const sorValue = `${Date.now()}`;
      const top = await make({ name: 'Hospital', identifier: [{ system: SOR, value: sorValue }] });
      const ward = await make({ name: 'Ward', partOf: { reference: `Organization/${top}` } });
      const team = await make({ name: 'Team', partOf: { reference: `Organization/${ward}` } });
      const loose = await make({ name: 'No SOR anywhere' });
      const found = await call(f.t, f.a.tokens.system, 'GET', `/fhir/Organization/${team}/$traverse-to-sor`);
      expect([found.status, found.json().id]).toEqual([200, top]);
      expect((await call(f.t, f.b.tokens.clinician, 'POST', `/fhir/Organization/${top}/$traverse-to-sor`)).json().id).toBe(top);
      const none = await call(f.t, f.a.tokens.system, 'GET', `/fhir/Organization/${loose}/$traverse-to-sor`);
      const missing = await call(f.t, f.a.tokens.system, 'GET', `/fhir/Organization/${nonCprUuid()}/$traverse-to-sor`);
      expect([none.status, none.json().resourceType, missing.status]).toEqual([404, 'OperationOutcome', 404]);
      expect((await call(f.t, f.a.tokens.system, 'GET', `/fhir/Organization/${team}/$traverse-to-sor?x=1`)).status).toBe(400);
      expect((await call(f.t, f.a.tokens.system, 'GET', `/fhir/Patient/${f.a.ids.patient}/$traverse-to-sor`)).status).toBe(404);
    });
  });

  describe('Appointment/$exportAsiCal', () => {
    it('answers the Appointment as an iCalendar file', async () => {
      const res = await call(f.t, f.a.tokens.citizen, 'GET', `/fhir/Appointment/${appointmentOfA}/$exportAsiCal`);
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ resourceType: 'Binary', contentType: 'text/calendar' });
      const text = Buffer.from(res.json().data, 'base64').toString('utf8');
      expect(text.split('\r\n')).toEqual(
        expect.arrayContaining([
          'BEGIN:VCALENDAR',
          'VERSION:2.0',
          `UID:${appointmentOfA}@kolibri.test`,
          'DTSTART:20260310T090000Z',
          'DTEND:20260310T092000Z',
          'SUMMARY:Video follow-up\\; wound\\, day 3',
          'DESCRIPTION:Bring the\\nmeasurement log',
          'STATUS:CONFIRMED',
          'END:VCALENDAR',
        ]),
      );
      expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    });

    it('answers 422 for an Appointment without start and end, 400 for parameters', async () => {
      const open = await call(f.t, f.a.tokens.system, 'POST', '/fhir/Appointment', {
        resourceType: 'Appointment',
        status: 'proposed',
        participant: [{ actor: { reference: `Patient/${f.a.ids.patient}` }, status: 'needs-action' }],
      });
      expect(open.status).toBe(201);
      const res = await call(f.t, f.a.tokens.system, 'POST', `/fhir/Appointment/${open.json().id}/$exportAsiCal`);
      expect([res.status, res.json().resourceType]).toEqual([422, 'OperationOutcome']);
      expect((await call(f.t, f.a.tokens.system, 'GET', `/fhir/Appointment/${appointmentOfA}/$exportAsiCal?x=1`)).status).toBe(400);
    });

    it("A's Appointment answers every outsider as one that does not exist", async () => {
      const missing = nonCprUuid();
      const probes: Probe[] = [...outsiders(f), { name: 'A.otherTeamClinician', token: f.a.otherTeam.token, writes: true }].map((p) => ({
        name: `${p.name} $exportAsiCal`,
        run: async () =>
          differs(
            f,
            await call(f.t, p.token, 'GET', `/fhir/Appointment/${appointmentOfA}/$exportAsiCal`),
            await call(f.t, p.token, 'GET', `/fhir/Appointment/${missing}/$exportAsiCal`),
            appointmentOfA,
            missing,
          ),
      }));
      report('iCal', probes.length, await runProbes(probes));
    });
  });

  describe('$meta', () => {
    const metaOf = async (token: string, url: string) => {
      const res = await call(f.t, token, 'GET', url);
      expect(res.status).toBe(200);
      return res.json().parameter[0].valueMeta;
    };

    it('answers the instance’s tags and security labels, and those in use at type and system level', async () => {
      const instance = await metaOf(f.a.tokens.citizen, `/fhir/Appointment/${appointmentOfA}/$meta`);
      expect(instance.tag).toEqual([TAG_OF_A]);
      expect(instance.security).toEqual([expect.objectContaining({ code: 'R' })]);
      expect((await metaOf(f.a.tokens.system, '/fhir/Appointment/$meta')).tag).toContainEqual(TAG_OF_A);
      expect((await metaOf(f.a.tokens.system, '/fhir/$meta')).tag).toContainEqual(TAG_OF_A);
      const post = await call(f.t, f.a.tokens.system, 'POST', '/fhir/Appointment/$meta', { resourceType: 'Parameters' });
      expect(post.json().parameter[0].valueMeta.tag).toContainEqual(TAG_OF_A);
    });

    it('never shows another municipality A’s tags; A’s Appointment answers as one that does not exist', async () => {
      for (const p of [...outsiders(f), { name: 'A.otherTeamClinician', token: f.a.otherTeam.token }]) {
        for (const url of ['/fhir/$meta', '/fhir/Appointment/$meta']) {
          const res = await call(f.t, p.token, 'GET', url);
          expect({ who: p.name, url, leaked: res.body.includes(TAG_OF_A.code) }).toEqual({ who: p.name, url, leaked: false });
        }
        const missing = nonCprUuid();
        const failure = differs(
          f,
          await call(f.t, p.token, 'GET', `/fhir/Appointment/${appointmentOfA}/$meta`),
          await call(f.t, p.token, 'GET', `/fhir/Appointment/${missing}/$meta`),
          appointmentOfA,
          missing,
        );
        expect({ who: p.name, failure }).toEqual({ who: p.name, failure: undefined });
      }
    });

    it('refuses parameters (400) and unknown types (404)', async () => {
      expect((await call(f.t, f.a.tokens.system, 'GET', '/fhir/$meta?_tag=x')).status).toBe(400);
      const unknown = await call(f.t, f.a.tokens.system, 'GET', '/fhir/Nonsense/$meta');
      expect([unknown.status, unknown.json().resourceType]).toEqual([404, 'OperationOutcome']);
    });
  });

  it('declares $meta under FUT’s type-specific names and R4’s canonical too', async () => {
    const resources = (await call(f.t, f.a.tokens.system, 'GET', '/fhir/metadata')).json().rest[0].resource as Array<{ type: string; operation?: Array<{ name: string; definition: string }> }>;
    const metaOps = (type: string) => (resources.find((r) => r.type === type)?.operation ?? []).filter((o) => o.name === 'meta').map((o) => o.definition).sort();
    expect(metaOps('Appointment')).toEqual([
      'http://ehealth.sundhed.dk/fhir/OperationDefinition/-s-meta',
      'http://ehealth.sundhed.dk/fhir/OperationDefinition/AppointmentSearchParameter-its-meta',
      'http://hl7.org/fhir/OperationDefinition/Resource-meta',
    ]);
    expect(metaOps('ValueSet')).toContain('http://ehealth.sundhed.dk/fhir/OperationDefinition/Multi-its-meta');
    const ical = (resources.find((r) => r.type === 'Appointment')?.operation ?? []).filter((o) => o.name === 'exportAsiCal').map((o) => o.definition).sort();
    expect(ical).toEqual(['http://ehealth.sundhed.dk/fhir/OperationDefinition/Appointment-i-exportAsiCal', 'http://ehealth.sundhed.dk/fhir/OperationDefinition/ehealth-appointment-toical']);
  });

  it('serves each OperationDefinition at FUT’s canonical URL and declares it in the CapabilityStatement', async () => {
    const module = futRecordsModule();
    await module.loadTemplates?.(f.t.services.interactions, []);
    const again = await module.loadTemplates?.(f.t.services.interactions, []);
    // a second load writes nothing: every definition is found unchanged
    expect({ created: again?.created, updated: again?.updated }).toEqual({ created: [], updated: [] });
    expect((again as { unchanged?: string[] }).unchanged?.length).toBeGreaterThan(0);
    for (const [name, code] of [['AppointmentSearchParameter-its-meta', 'meta'], ['Multi-its-meta', 'meta'], ['Appointment-i-exportAsiCal', 'exportAsiCal']]) {
      const def = (await call(f.t, f.a.tokens.system, 'GET', `/fhir/OperationDefinition?url=${encodeURIComponent(`http://ehealth.sundhed.dk/fhir/OperationDefinition/${name}`)}`)).json().entry[0].resource;
      expect({ name, code: def.code, instance: def.instance }).toEqual({ name, code, instance: true });
    }
    const statement = (await call(f.t, f.a.tokens.system, 'GET', '/fhir/metadata')).json();
    for (const op of module.operations ?? []) {
      const declared = op.levels.includes('system')
        ? statement.rest[0].operation
        : statement.rest[0].resource.find((r: { type: string }) => r.type === op.types?.[0]).operation;
      expect(declared).toContainEqual({ name: op.name, definition: op.definition });
      const def = (await call(f.t, f.a.tokens.system, 'GET', `/fhir/OperationDefinition?url=${encodeURIComponent(op.definition)}`)).json().entry[0].resource;
      expect({ code: def.code, system: def.system, instance: def.instance, resource: def.resource }).toEqual({
        code: op.name,
        system: op.levels.includes('system'),
        instance: op.levels.includes('instance'),
        resource: op.types,
      });
    }
  });
});
