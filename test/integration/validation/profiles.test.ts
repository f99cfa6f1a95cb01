import { nonCprUuid } from '../../support/ids';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../../../src/app';
import { KOLIBRI_PROFILES } from '../../../src/fhir/validation/enforced-profiles';
import { createServices } from '../../../src/services';
import { readMigrations } from '../../../src/store/migrate';
import { createPool } from '../../../src/store/pool';
import { systemClock } from '../../../src/clock';
import { createTestApp, TEST_BASE_URL, testAuthService, testDatabaseUrl, testRegistry, type TestApp } from '../../support/app';
import { storageOn } from '../../../src/store/storage';

/**
 * Profile validation over HTTP: writes that fail a profile are 422 with the issues, and
 * $validate answers the same issues with 200 and stores nothing.
 */
const ROOT = join(__dirname, '../../..');
const JSON_HEADERS = { 'content-type': 'application/fhir+json' };
const example = (name: string) => JSON.parse(readFileSync(join(ROOT, 'fhir-profiles/examples', `${name}.json`), 'utf8'));
type Issue = { severity: string; code: string; expression?: string[]; diagnostics: string };

/** An example with a unique marker (so that "nothing was stored" can be counted) and no id. */
function marked(name: string): { resource: Record<string, unknown>; marker: string } {
  const marker = nonCprUuid();
  const { id: _id, ...resource } = example(name);
  return { resource: { ...resource, identifier: [...(resource.identifier ?? []), { system: 'urn:kolibri:test', value: marker }] }, marker };
}

async function stored(t: TestApp, marker: string): Promise<number> {
  const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM resource_version WHERE content LIKE '%' || $1 || '%'`, [marker]);
  return rows[0].n;
}

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers: JSON_HEADERS, payload: payload as object });

describe('writes against the Kolibri Observation profile', () => {
  it('stores a conforming Observation', async () => {
    const { resource } = marked('observation');
    const res = await post('/fhir/Observation', resource);
    expect(res.statusCode).toBe(201);
  });

  it('422 naming invariant kol-obs-1 for an SpO2 value in kg', async () => {
    const { resource, marker } = marked('observation');
    resource.valueQuantity = { value: 94, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' };
    const res = await post('/fhir/Observation', resource);
    expect(res.statusCode).toBe(422);
    const issues: Issue[] = res.json().issue;
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ severity: 'error', code: 'invariant', expression: ['Observation'] });
    expect(issues[0].diagnostics).toContain('kol-obs-1');
    expect(await stored(t, marker)).toBe(0);
  });

  it('422 at Observation.basedOn when basedOn is missing', async () => {
    const { resource, marker } = marked('observation');
    delete resource.basedOn;
    const res = await post('/fhir/Observation', resource);
    expect(res.statusCode).toBe(422);
    expect(res.json().issue.map((i: Issue) => i.expression?.[0])).toEqual(['Observation.basedOn']);
    expect(await stored(t, marker)).toBe(0);
  });

  it('201 with a warning that an unknown profile URL was not checked', async () => {
    const { resource, marker } = marked('observation');
    resource.meta = { profile: ['https://example.org/fhir/StructureDefinition/not-here'] };
    const res = await post('/fhir/Observation', resource);
    expect(res.statusCode).toBe(201);
    expect(await stored(t, marker)).toBe(1);
    const validated = await post('/fhir/Observation/$validate', resource);
    expect(validated.json().issue).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'not-supported', expression: ['Observation.meta.profile[0]'], diagnostics: expect.stringContaining('not checked') }),
    ]);
  });

  it('422 for an unknown profile URL under KOLIBRI_UNKNOWN_PROFILES=error', async () => {
    const strict = await createTestApp({ unknownProfiles: 'error' });
    try {
      const { resource, marker } = marked('observation');
      resource.meta = { profile: ['https://example.org/fhir/StructureDefinition/not-here'] };
      const res = await strict.app.inject({ method: 'POST', url: '/fhir/Observation', headers: JSON_HEADERS, payload: resource });
      expect(res.statusCode).toBe(422);
      expect(res.json().issue[0]).toMatchObject({ severity: 'error', code: 'not-supported', expression: ['Observation.meta.profile[0]'] });
      expect(await stored(t, marker)).toBe(0);
    } finally {
      await strict.close();
    }
  });
});

describe('CPR numbers on the Kolibri Patient profile', () => {
  it('422 at the identifier for CPR 12345', async () => {
    const { id: _id, ...patient } = example('patient');
    patient.identifier = [{ system: 'urn:oid:1.2.208.176.1.2', value: '12345' }];
    const res = await post('/fhir/Patient', patient);
    expect(res.statusCode).toBe(422);
    expect(res.json().issue).toEqual([expect.objectContaining({ code: 'invariant', expression: ['Patient.identifier[0]'] })]);
  });

  it('stores a Patient with a valid CPR', async () => {
    const { id: _id, ...patient } = example('patient');
    patient.identifier = [{ system: 'urn:oid:1.2.208.176.1.2', value: '2902001234' }];
    expect((await post('/fhir/Patient', patient)).statusCode).toBe(201);
  });
});

describe('$validate', () => {
  it('returns the same issues as the write, with 200, and stores nothing', async () => {
    const { resource, marker } = marked('observation');
    resource.valueQuantity = { value: 94, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' };
    const write = (await post('/fhir/Observation', resource)).json();
    const res = await post('/fhir/Observation/$validate', resource);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ resourceType: 'OperationOutcome', issue: write.issue });
    expect(await stored(t, marker)).toBe(0);
  });

  it('answers a clean resource with one informational issue, storing nothing', async () => {
    const { resource, marker } = marked('observation');
    const res = await post('/fhir/Observation/$validate', resource);
    expect(res.statusCode).toBe(200);
    expect(res.json().issue).toEqual([{ severity: 'information', code: 'informational', diagnostics: 'No issues detected during validation' }]);
    expect(await stored(t, marker)).toBe(0);
  });

  it('takes a Parameters body with resource and profile', async () => {
    const { resource } = marked('observation');
    const { meta: _meta, basedOn: _b, ...unclaimed } = resource;
    const parameters = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'resource', resource: unclaimed },
        { name: 'profile', valueUri: KOLIBRI_PROFILES.Observation },
      ],
    };
    const res = await post('/fhir/Observation/$validate', parameters);
    expect(res.json().issue.map((i: Issue) => i.expression?.[0])).toEqual(['Observation.basedOn']);
    const plain = await post('/fhir/Observation/$validate', unclaimed);
    expect(plain.json().issue[0].severity).toBe('information');
  });

  it('validates at instance level: mode=update checks the id, mode=delete the existence', async () => {
    const { resource } = marked('observation');
    const created = (await post('/fhir/Observation', resource)).json();
    const update = await post(`/fhir/Observation/${created.id}/$validate?mode=update`, { ...resource, id: 'other-id' });
    expect(update.json().issue).toEqual([expect.objectContaining({ severity: 'error', expression: ['Observation.id'] })]);
    const ok = await post(`/fhir/Observation/${created.id}/$validate?mode=update`, { ...resource, id: created.id });
    expect(ok.json().issue[0].severity).toBe('information');
    expect((await post(`/fhir/Observation/${created.id}/$validate?mode=delete`, {})).statusCode).toBe(200);
    expect((await post(`/fhir/Observation/${nonCprUuid()}/$validate?mode=delete`, {})).statusCode).toBe(404);
    expect((await post(`/fhir/Observation/$validate?mode=remove`, resource)).statusCode).toBe(400);
  });

  it('checks a QuestionnaireResponse against its Questionnaire on the server', async () => {
    const { id: _qid, ...questionnaire } = example('questionnaire');
    const version = nonCprUuid();
    questionnaire.version = version;
    expect((await post('/fhir/Questionnaire', questionnaire)).statusCode).toBe(201);
    const { id: _id, ...qr } = example('questionnaireresponse');
    qr.questionnaire = `${questionnaire.url}|${version}`;
    expect((await post('/fhir/QuestionnaireResponse/$validate', qr)).json().issue[0].severity).toBe('information');
    qr.item = [{ linkId: 'breathless', answer: [{ valueCoding: { system: 'https://kolibri.dk/fhir/CodeSystem/kol-answers', code: 'unsure' } }] }];
    const res = (await post('/fhir/QuestionnaireResponse/$validate', qr)).json();
    expect(res.issue.map((i: Issue) => [i.code, i.expression?.[0]])).toEqual([
      ['code-invalid', 'QuestionnaireResponse.item[0].answer[0].valueCoding'],
      ['required', 'QuestionnaireResponse'],
    ]);
  });

  it('is in the CapabilityStatement with its OperationDefinition', async () => {
    const statement = (await t.app.inject({ method: 'GET', url: '/fhir/metadata' })).json();
    const observation = statement.rest[0].resource.find((r: { type: string }) => r.type === 'Observation');
    expect(observation.operation).toContainEqual({ name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' });
  });
});

describe('server-enforced profiles (KOLIBRI_ENFORCE_PROFILES)', () => {
  it('rejects a plain Observation only where the Kolibri profile is enforced', async () => {
    const pool = createPool({ connectionString: testDatabaseUrl(), max: 4 });
    const services = createServices({
      storage: storageOn(pool),
      registry: testRegistry(),
      migrations: readMigrations(join(ROOT, 'migrations')),
      config: { baseUrl: TEST_BASE_URL, updateCreate: true, enforcedProfiles: { Observation: [KOLIBRI_PROFILES.Observation] } },
      softwareVersion: 'test',
    });
    const enforcing = buildApp({ services, logger: false, maxBodyBytes: 1024 * 1024, auth: { mode: 'off', service: testAuthService(pool, services), clock: systemClock } });
    try {
      const plain = { resourceType: 'Observation', status: 'final', code: { text: nonCprUuid() } };
      expect((await post('/fhir/Observation', plain)).statusCode).toBe(201);
      const res = await enforcing.inject({ method: 'POST', url: '/fhir/Observation', headers: JSON_HEADERS, payload: plain });
      expect(res.statusCode).toBe(422);
      expect(res.json().issue.map((i: Issue) => i.expression?.[0])).toEqual(
        expect.arrayContaining(['Observation.basedOn', 'Observation.subject', 'Observation.effective[x]', 'Observation.code']),
      );
      const { id: _id, ...conforming } = example('observation');
      const { meta: _meta, ...unclaimed } = conforming;
      expect((await enforcing.inject({ method: 'POST', url: '/fhir/Observation', headers: JSON_HEADERS, payload: unclaimed })).statusCode).toBe(201);
    } finally {
      await enforcing.close();
      await pool.end();
    }
  });
});
