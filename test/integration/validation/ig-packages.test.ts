import { nonCprUuid } from '../../support/ids';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { buildApp } from '../../../src/app';
import { systemClock } from '../../../src/clock';
import { DEFAULT_DEFINITIONS_CACHE } from '../../../src/fhir/definitions/cache';
import { loadDefinitions } from '../../../src/fhir/definitions/load';
import { createServices } from '../../../src/services';
import { readMigrations } from '../../../src/store/migrate';
import { createPool } from '../../../src/store/pool';
import { TEST_BASE_URL, testAuthService, testDatabaseUrl } from '../../support/app';
import { storageOn } from '../../../src/store/storage';

/**
 * Implementation-guide packages (KOLIBRI_IG_PACKAGES) over HTTP: their profiles are used in
 * meta.profile, `$validate?profile=` (with and without a version) and KOLIBRI_ENFORCE_PROFILES,
 * their SearchParameters are indexed and searchable, and the CapabilityStatement lists both.
 * The packages are the test fixtures test.ehealth.base and test.ehealth.mini (ehealth-style
 * definitions under http://ehealth.sundhed.dk/fhir), given in the wrong order on purpose.
 */
const ROOT = join(__dirname, '../../..');
const PACKAGES = ['ehealth-mini', 'ehealth-base'].map((p) => join(ROOT, 'test/fixtures/packages', p));
const C = 'http://ehealth.sundhed.dk/fhir';
const SPO2 = `${C}/StructureDefinition/ehealth-spo2`;
const JSON_HEADERS = { 'content-type': 'application/fhir+json' };
type Issue = { severity: string; expression?: string[]; diagnostics: string };

let pool: Pool;
let app: FastifyInstance;
let enforcing: FastifyInstance;

beforeAll(async () => {
  const registry = loadDefinitions({ profileDirs: [join(ROOT, 'fhir-profiles')], igPackages: PACKAGES, cacheDir: DEFAULT_DEFINITIONS_CACHE });
  pool = createPool({ connectionString: testDatabaseUrl(), max: 6 });
  const make = (enforcedProfiles = {}) => {
    const services = createServices({ storage: storageOn(pool), registry, migrations: readMigrations(join(ROOT, 'migrations')), config: { baseUrl: TEST_BASE_URL, updateCreate: true, enforcedProfiles }, softwareVersion: 'test' });
    return buildApp({ services, logger: false, maxBodyBytes: 1024 * 1024, auth: { mode: 'off', service: testAuthService(pool, services), clock: systemClock } });
  };
  app = make();
  enforcing = make({ Observation: [`${SPO2}|0.1.0`] });
});
afterAll(async () => {
  await app.close();
  await enforcing.close();
  await pool.end();
});

const spo2 = (overrides: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'NPU03011' }] },
  subject: { reference: `Patient/${nonCprUuid()}` },
  valueQuantity: { value: 96, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  ...overrides,
});
const post = (on: FastifyInstance, url: string, body: unknown) => on.inject({ method: 'POST', url, headers: JSON_HEADERS, payload: JSON.stringify(body) });
const errors = (body: { issue: Issue[] }) => body.issue.filter((i) => i.severity === 'error').map((i) => i.expression?.[0]);

describe('profiles from an implementation-guide package', () => {
  it('checks $validate?profile= with the canonical alone and with its version', async () => {
    const wrong = spo2({ code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'NPU21692' }] } });
    for (const profile of [SPO2, `${SPO2}|0.1.0`]) {
      const res = await post(app, `/fhir/Observation/$validate?profile=${encodeURIComponent(profile)}`, wrong);
      expect(res.statusCode).toBe(200);
      expect(errors(res.json())).toEqual(['Observation.code.coding[0].code']);
      const ok = await post(app, `/fhir/Observation/$validate?profile=${encodeURIComponent(profile)}`, spo2());
      expect(errors(ok.json())).toEqual([]);
    }
  });

  it('does not take another version of the profile for the one asked', async () => {
    const res = await post(app, `/fhir/Observation/$validate?profile=${encodeURIComponent(`${SPO2}|9.9.9`)}`, spo2());
    expect(res.json().issue.map((i: Issue) => i.diagnostics).join(' ')).toMatch(/not known|unknown/i);
  });

  it('checks meta.profile on create (422) and stores what conforms (201)', async () => {
    const bad = await post(app, '/fhir/Observation', spo2({ meta: { profile: [`${SPO2}|0.1.0`] }, subject: undefined }));
    expect(bad.statusCode).toBe(422);
    expect(errors(bad.json())).toContain('Observation.subject');
    expect((await post(app, '/fhir/Observation', spo2({ meta: { profile: [`${SPO2}|0.1.0`] } }))).statusCode).toBe(201);
  });

  it('enforces a package profile named in KOLIBRI_ENFORCE_PROFILES', async () => {
    const plain = { resourceType: 'Observation', status: 'final', code: { text: nonCprUuid() } };
    expect((await post(app, '/fhir/Observation', plain)).statusCode).toBe(201);
    const res = await post(enforcing, '/fhir/Observation', plain);
    expect(res.statusCode).toBe(422);
    expect(errors(res.json())).toEqual(expect.arrayContaining(['Observation.subject', 'Observation.value[x]']));
    expect((await post(enforcing, '/fhir/Observation', spo2())).statusCode).toBe(201);
  });
});

describe('SearchParameters from an implementation-guide package', () => {
  it('indexes and searches them', async () => {
    const episode = `EpisodeOfCare/${nonCprUuid()}`;
    const ext = [{ url: `${C}/StructureDefinition/ehealth-episodeofcare-reference`, valueReference: { reference: episode } }];
    const created = await post(app, '/fhir/Observation', spo2({ extension: ext }));
    expect(created.statusCode).toBe(201);
    await post(app, '/fhir/Observation', spo2());
    const found = await app.inject({ method: 'GET', url: `/fhir/Observation?episodeOfCare=${encodeURIComponent(episode)}` });
    expect(found.statusCode).toBe(200);
    expect(found.json().entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([created.json().id]);
  });

  it('are in the CapabilityStatement, with the package profiles and implementation guides', async () => {
    const statement = (await app.inject({ method: 'GET', url: '/fhir/metadata' })).json();
    const observation = statement.rest[0].resource.find((r: { type: string }) => r.type === 'Observation');
    expect(observation.supportedProfile).toEqual(expect.arrayContaining([SPO2, `${C}/StructureDefinition/ehealth-observation`, 'https://kolibri.dk/fhir/StructureDefinition/kolibri-observation']));
    expect(statement.implementationGuide).toEqual(['https://kolibri.dk/fhir/ImplementationGuide/kolibri', `${C}/ImplementationGuide/test.ehealth.base`, `${C}/ImplementationGuide/test.ehealth.mini`]);
    expect(observation.searchParam).toContainEqual(expect.objectContaining({ name: 'episodeOfCare', definition: `${C}/SearchParameter/observation-episodeofcare`, type: 'reference' }));
  });
});
