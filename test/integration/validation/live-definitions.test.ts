import { nonCprUuid } from '../../support/ids';
import { run as reindexCommand } from '../../../src/cli/reindex';
import type { DefinitionListener } from '../../../src/store/definition-rows';
import { createTestApp, TEST_BASE_URL, type TestApp } from '../../support/app';
import { migratedDatabase } from '../../support/own-database';
import type { FreshDatabase } from '../ops/fresh-database';
import { TWO_INSTANCES } from '../../support/two-instances';
import { accessToken, registerVendorApp } from '../auth/vendor-app';

/**
 * Definitions an operator creates through the API are used at once, on every instance, without a
 * restart: two app instances on one database, as behind a load balancer. The writing instance
 * applies its own commit before answering; the other hears the database's NOTIFY and reloads.
 */
type Issue = { severity: string; code: string; expression?: string[]; diagnostics: string };

// a database of their own: the lost-connection test ends every definitions listener on it, and
// other test files' instances (started processes) listen on the shared database
let db: FreshDatabase;
let a: TestApp;
let b: TestApp;
let listeners: DefinitionListener[];
let token: string;

beforeAll(async () => {
  db = await migratedDatabase('live_definitions');
  a = await createTestApp({ auth: 'on', databaseUrl: db.url });
  b = await createTestApp({ auth: 'on', databaseUrl: db.url });
  listeners = await Promise.all([a.services.definitions.listen(), b.services.definitions.listen()]);
  const operator = await registerVendorApp(a, { kind: 'operator', organization: 'Organization/national-operator', scopes: ['system/*.cruds'] });
  token = await accessToken(a, operator, 'system/*.cruds');
});
afterAll(async () => {
  await Promise.all(listeners.map((l) => l.stop()));
  await Promise.all([a.close(), b.close()]);
  await db.drop();
});

const headers = () => ({ authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' });
const send = (t: TestApp, method: 'POST' | 'PUT' | 'DELETE' | 'GET', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: headers(), ...(payload ? { payload } : {}) });

/** $validate's issues for an Observation carrying `meta.profile`, or checked against `?profile=`. */
async function issues(t: TestApp, resource: object, how: { profile?: string } = {}): Promise<Issue[]> {
  const url = `/fhir/Observation/$validate${how.profile ? `?profile=${encodeURIComponent(how.profile)}` : ''}`;
  const res = await send(t, 'POST', url, resource);
  expect(res.statusCode).toBe(200);
  return res.json().issue.filter((i: Issue) => i.severity !== 'information');
}
const errors = (list: Issue[]) => list.filter((i) => i.severity === 'error').map((i) => i.expression?.[0]);

/**
 * The other instance learns asynchronously (milliseconds, seconds when the machine is loaded: it
 * hears a notification and reloads its definitions): ask until the answer is the expected one.
 */
async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * On the instance that wrote, a change is in use before the write is answered. Under
 * KOLIBRI_TEST_TWO_INSTANCES every test app is itself two instances behind round-robin, so the
 * next request may reach the twin, which learns like any other instance: within moments.
 */
const atOnce = <T>(probe: () => Promise<T>, ok: (value: T) => boolean): Promise<T> => (TWO_INSTANCES ? eventually(probe, ok) : probe());
const failing = (list: Issue[]) => errors(list).length > 0;

const observation = (profile: string, extra: object = {}) => ({
  resourceType: 'Observation',
  meta: { profile: [profile] },
  status: 'final',
  code: { text: 'weight' },
  ...extra,
});

function profileRequiring(url: string, element: string) {
  return {
    resourceType: 'StructureDefinition',
    url,
    name: 'ObservationWith' + element.replace(/\W/g, ''),
    status: 'active',
    kind: 'resource',
    abstract: false,
    type: 'Observation',
    baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Observation',
    derivation: 'constraint',
    differential: {
      element: [
        { id: 'Observation', path: 'Observation' },
        { id: `Observation.${element}`, path: `Observation.${element}`, min: 1 },
      ],
    },
  };
}

describe('a StructureDefinition created by the operator', () => {
  const url = `https://example.org/fhir/StructureDefinition/needs-note-${nonCprUuid()}`;
  let id: string;

  it('is unknown before it exists (a warning, not checked)', async () => {
    expect(await issues(b, observation(url))).toEqual([expect.objectContaining({ severity: 'warning', code: 'not-supported' })]);
  });

  it('is used at once by meta.profile and $validate?profile= on the instance that wrote it', async () => {
    const created = await send(a, 'POST', '/fhir/StructureDefinition', profileRequiring(url, 'note'));
    expect(created.statusCode).toBe(201);
    id = created.json().id;
    expect(errors(await atOnce(() => issues(a, observation(url)), failing))).toEqual(['Observation.note']);
    const { meta: _meta, ...plain } = observation(url);
    expect(errors(await atOnce(() => issues(a, plain, { profile: url }), failing))).toEqual(['Observation.note']);
    expect(await issues(a, observation(url, { note: [{ text: 'ok' }] }))).toEqual([]);
  });

  it('is used by the other instance on the same database within moments, without a restart', async () => {
    const seen = await eventually(() => issues(b, observation(url)), (list) => errors(list).length > 0);
    expect(errors(seen)).toEqual(['Observation.note']);
    const { meta: _meta, ...plain } = observation(url);
    expect(errors(await issues(b, plain, { profile: url }))).toEqual(['Observation.note']);
  });

  it('takes an update into account on every instance', async () => {
    const updated = await send(a, 'PUT', `/fhir/StructureDefinition/${id}`, { ...profileRequiring(url, 'method'), id });
    expect(updated.statusCode).toBe(200);
    const withNote = observation(url, { note: [{ text: 'ok' }] });
    expect(errors(await atOnce(() => issues(a, withNote), failing))).toEqual(['Observation.method']);
    const seen = await eventually(() => issues(b, withNote), (list) => errors(list).includes('Observation.method'));
    expect(errors(seen)).toEqual(['Observation.method']);
  });

  it('takes a delete into account on every instance', async () => {
    expect([200, 204]).toContain((await send(a, 'DELETE', `/fhir/StructureDefinition/${id}`)).statusCode);
    const unknown = [expect.objectContaining({ severity: 'warning', code: 'not-supported' })];
    expect(await atOnce(() => issues(a, observation(url)), (list) => !failing(list))).toEqual(unknown);
    expect(await eventually(() => issues(b, observation(url)), (list) => errors(list).length === 0)).toEqual(unknown);
  });

  it('is refused with 422 when its differential cannot be turned into a snapshot', async () => {
    const broken = profileRequiring(`https://example.org/fhir/StructureDefinition/broken-${nonCprUuid()}`, 'noSuchElement');
    const res = await send(a, 'POST', '/fhir/StructureDefinition', broken);
    expect(res.statusCode).toBe(422);
    expect(res.json().issue[0].diagnostics).toContain('cannot be used for validation');
  });
});

describe('the listening connection', () => {
  it('is re-opened when lost, and what was committed meanwhile is not missed', async () => {
    const url = `https://example.org/fhir/StructureDefinition/after-loss-${nonCprUuid()}`;
    const killed = await a.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'kolibri-definitions'`);
    expect(killed.rowCount).toBeGreaterThanOrEqual(2);
    // committed while nobody listens: no instance hears its NOTIFY
    expect((await send(a, 'POST', '/fhir/StructureDefinition', profileRequiring(url, 'note'))).statusCode).toBe(201);
    const seen = await eventually(() => issues(b, observation(url)), (list) => errors(list).length > 0);
    expect(errors(seen)).toEqual(['Observation.note']);
  });
});

describe('a CodeSystem and ValueSet created by the operator', () => {
  it('bind a profile on every instance at once', async () => {
    const suffix = nonCprUuid();
    const cs = `https://example.org/fhir/CodeSystem/weights-${suffix}`;
    const vs = `https://example.org/fhir/ValueSet/weights-${suffix}`;
    const profile = `https://example.org/fhir/StructureDefinition/bound-${suffix}`;
    expect((await send(a, 'POST', '/fhir/CodeSystem', { resourceType: 'CodeSystem', url: cs, status: 'active', content: 'complete', concept: [{ code: 'morning' }, { code: 'evening' }] })).statusCode).toBe(201);
    expect((await send(a, 'POST', '/fhir/ValueSet', { resourceType: 'ValueSet', url: vs, status: 'active', compose: { include: [{ system: cs }] } })).statusCode).toBe(201);
    const sd = profileRequiring(profile, 'code');
    sd.differential.element[1] = { id: 'Observation.code', path: 'Observation.code', binding: { strength: 'required', valueSet: vs } } as never;
    expect((await send(a, 'POST', '/fhir/StructureDefinition', sd)).statusCode).toBe(201);
    const coded = (code: string) => observation(profile, { code: { coding: [{ system: cs, code }] } });
    expect(errors(await atOnce(() => issues(a, coded('noon')), failing))).toEqual(['Observation.code']);
    expect(await issues(a, coded('morning'))).toEqual([]);
    const seen = await eventually(() => issues(b, coded('noon')), (list) => errors(list).length > 0);
    expect(errors(seen)).toEqual(['Observation.code']);
    expect(await issues(b, coded('evening'))).toEqual([]);
  });
});

describe('a SearchParameter created by the operator', () => {
  const code = `alias-${nonCprUuid().slice(0, 8)}`;
  const marker = `alias ${nonCprUuid()}`;
  const organization = (name: string) => ({ resourceType: 'Organization', name, alias: [marker] });
  const found = async (t: TestApp) => {
    const res = await send(t, 'GET', `/fhir/Organization?${code}=${encodeURIComponent(marker)}`);
    return res.statusCode === 200 ? (res.json().entry ?? []).map((e: { resource: { name: string } }) => e.resource.name).sort() : res.statusCode;
  };

  it('indexes new writes at once and existing data after a reindex', async () => {
    expect((await send(a, 'POST', '/fhir/Organization', organization('before'))).statusCode).toBe(201);
    const sp = { resourceType: 'SearchParameter', url: `https://example.org/fhir/SearchParameter/${code}`, name: code, status: 'active', description: 'Organization.alias', code, base: ['Organization'], type: 'string', expression: 'Organization.alias' };
    expect((await send(a, 'POST', '/fhir/SearchParameter', sp)).statusCode).toBe(201);
    if (TWO_INSTANCES) {
      // a write reaching the twin before it has heard of the parameter would wait for a reindex:
      // wait until both search by it (two requests in a row reach both; one that does not know
      // the parameter ignores it and answers every Organization, 'before' among them)
      const searchesByIt = (v: unknown) => Array.isArray(v) && !v.includes('before');
      await eventually(async () => [await found(a), await found(a)], (v) => v.every(searchesByIt));
    }
    expect((await send(a, 'POST', '/fhir/Organization', organization('after'))).statusCode).toBe(201);
    expect(await found(a)).toEqual(['after']);
    expect(await eventually(() => found(b), (v) => Array.isArray(v) && v.length === 1)).toEqual(['after']);
    const metadata = (await send(b, 'GET', '/fhir/metadata')).json();
    const params = metadata.rest[0].resource.find((r: { type: string }) => r.type === 'Organization').searchParam.map((p: { name: string }) => p.name);
    expect(params).toContain(code);

    // `kolibri reindex --type Organization`: the existing Organization is brought in
    const env = { ...process.env };
    Object.assign(process.env, { DATABASE_URL: db.url, BASE_URL: TEST_BASE_URL });
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      expect(await reindexCommand(['--type', 'Organization'])).toBe(0);
    } finally {
      process.stdout.write = write;
      process.env = env;
    }
    expect(await found(a)).toEqual(['after', 'before']);
    expect(await found(b)).toEqual(['after', 'before']);
  });
});
