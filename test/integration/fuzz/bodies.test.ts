import { nonCprUuid } from '../../support/ids';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, type TestApp } from '../../support/app';
import { entryFailed, inBatches, verdict } from './fuzz-support';

/**
 * Request bodies under bad input, on every endpoint that takes one: malformed JSON, JSON that is
 * no resource, each element of a template resource replaced by control characters (U+0000
 * too), wrong JSON types, very long and non-UTF-16 text, bad property names, bodies nested
 * 10,000 levels deep and bodies over the size limit. Every answer is below 500 and an
 * OperationOutcome when it fails, and a refused request stores nothing: each body carries its
 * own marker, and no marker of a refused request may be found in resource_version afterwards.
 */

type Json = Record<string, unknown>;
type Method = 'POST' | 'PUT' | 'PATCH';
interface Endpoint {
  name: string;
  method: Method;
  url: string;
  headers?: Record<string, string>;
  /** The request body for a Patient body (already mutated) or a raw text. */
  wrap(patient: Json | string): unknown;
}

const FHIR = { 'content-type': 'application/fhir+json' };

/** A Patient touching each primitive kind: string, code, uri, date, boolean, extension. */
function template(marker: string): Json {
  return {
    resourceType: 'Patient',
    identifier: [{ system: 'urn:fuzz', value: marker }],
    name: [{ family: 'Fuzz', given: ['A', 'B'], text: marker }],
    gender: 'female',
    birthDate: '1950-01-01',
    telecom: [{ system: 'phone', value: '+45 12345678' }],
    active: true,
    extension: [{ url: 'http://example.org/fuzz', valueString: 'v' }],
  };
}

/** JSON paths of the template's leaves (and objects) a mutation replaces. */
const LEAVES: ReadonlyArray<ReadonlyArray<string | number>> = [
  ['identifier', 0, 'system'], ['name', 0, 'family'], ['name', 0, 'given', 1], ['gender'], ['birthDate'], ['telecom', 0, 'value'],
  ['active'], ['extension', 0, 'url'], ['extension', 0, 'valueString'], ['resourceType'], ['name', 0], ['identifier'],
];

const VALUES: readonly unknown[] = [
  '\u0000', 'a\u0000b', '\u0001', '\u0008', '\u000b', '\u001b[0m', '\u007f', '', ' ', '\ud800', '\udfff', '😀', '\u200b',
  'x'.repeat(50_000), null, {}, [], [null], [[]], 0, -0, 1e308, -1, 2 ** 53 + 1, true, false, { resourceType: 'Patient' }, { __proto__: { x: 1 } }, '__proto__',
];

/** The values every endpoint gets; the full table goes to the endpoints that write a whole resource or a patch. */
const CORE_VALUES: readonly unknown[] = ['\u0000', '\u0001', '', null, {}, [], 1e308, { resourceType: 'Patient' }];
const FULL_TABLE = new Set(['create', 'update', 'transaction', 'batch', 'JSON Patch', 'FHIRPath Patch']);

/** Property names that a walker or a store might trip over. */
const KEYS: readonly string[] = ['\u0000', 'a\u0000', '', ' ', '__proto__', 'constructor', 'prototype', 'resourceType', '_gender', 'gender.x', '@context', '$ref', 'x'.repeat(10_000), '😀'];

function mutate(body: Json, path: ReadonlyArray<string | number>, value: unknown): Json {
  const copy = structuredClone(body);
  let at: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path[path.length - 1]] = value;
  return copy;
}

/** Malformed JSON texts, each holding MARKER so a stored remnant would show. */
const MALFORMED: readonly string[] = [
  '{', '}', '{"resourceType":"Patient","name":[{"text":"MARKER"}]', '{"resourceType":"Patient","name":[{"text":"MARKER"}],}', '{"resourceType":"Patient" "name":"MARKER"}',
  "{'resourceType':'Patient','name':'MARKER'}", '{"resourceType":"Patient","name":[{"text":"MARKER"}]}{"x":1}', '\ufeff{"resourceType":"Patient","name":[{"text":"MARKER"}]}',
  '{"resourceType":"Patient","name":[{"text":"MARKER\u0000"}]}', '{"resourceType":"Patient","name":[{"text":"MARKER\\x00"}]}', '{"resourceType":"Patient","name":[{"text":"MARKER\\u00"}]}',
  '{"resourceType":"Patient","birthDate":01,"name":[{"text":"MARKER"}]}', '{"resourceType":"Patient","active":tru,"name":[{"text":"MARKER"}]}', 'NaN', 'undefined', 'null', 'true', '0', '"MARKER"', '[]', '[{"text":"MARKER"}]',
  '{"resourceType":"Patient","multipleBirthInteger":1e999999,"name":[{"text":"MARKER"}]}', `{"resourceType":"Patient","name":[{"text":"MARKER"}],"x":"${'\\u0000'.repeat(1000)}"}`,
];

describe('fuzz: request bodies never answer 5xx and never write partially', () => {
  let t: TestApp;
  let patientId: string;
  const run = nonCprUuid();
  let counter = 0;
  const refused: string[] = [];
  const failures: Array<{ what: string; status: number; body: string }> = [];

  beforeAll(async () => {
    t = await createTestApp();
    patientId = (await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: FHIR, payload: template(`${run}-fixture`) })).json().id;
  });
  afterAll(() => t.close());
  beforeEach(() => {
    failures.length = 0;
  });

  const endpoints = (): Endpoint[] => {
    const asText = (b: Json | string) => (typeof b === 'string' ? b : JSON.stringify(b));
    const entry = (b: Json | string, method = 'POST', url = 'Patient') => `{"fullUrl":"urn:uuid:${nonCprUuid()}","resource":${asText(b)},"request":{"method":"${method}","url":"${url}"}}`;
    const postOperations = t.services.operations.filter((op) => op.methods.includes('POST')).flatMap((op) =>
      op.levels.map((level) => {
        const type = op.types?.[0] ?? 'Patient';
        const url = level === 'system' ? `/fhir/$${op.name}` : level === 'type' ? `/fhir/${type}/$${op.name}` : `/fhir/${type}/${type === 'Patient' ? patientId : 'fuzz'}/$${op.name}`;
        return { name: `$${op.name} (${level})`, method: 'POST' as const, url, wrap: asText };
      }),
    );
    return [
      { name: 'create', method: 'POST', url: '/fhir/Patient', wrap: asText },
      { name: 'update', method: 'PUT', url: `/fhir/Patient/${patientId}`, wrap: (b) => (typeof b === 'string' ? b : JSON.stringify({ ...b, id: patientId })) },
      { name: 'conditional create', method: 'POST', url: '/fhir/Patient', headers: { 'if-none-exist': `identifier=urn:fuzz|${nonCprUuid()}` }, wrap: asText },
      { name: 'conditional update', method: 'PUT', url: `/fhir/Patient?identifier=urn:fuzz|${nonCprUuid()}`, wrap: asText },
      { name: 'transaction', method: 'POST', url: '/fhir', wrap: (b) => `{"resourceType":"Bundle","type":"transaction","entry":[${entry(b)},${entry({ resourceType: 'Patient', name: [{ text: 'MARKER' }] })}]}` },
      { name: 'batch', method: 'POST', url: '/fhir', wrap: (b) => `{"resourceType":"Bundle","type":"batch","entry":[${entry(b)}]}` },
      { name: 'FHIRPath Patch', method: 'PATCH', url: `/fhir/Patient/${patientId}`, wrap: (b) => `{"resourceType":"Parameters","parameter":[{"name":"operation","part":[{"name":"type","valueCode":"add"},{"name":"path","valueString":"Patient"},{"name":"name","valueString":"contained"},{"name":"value","resource":${asText(b)}}]}]}` },
      { name: 'JSON Patch', method: 'PATCH', url: `/fhir/Patient/${patientId}`, headers: { 'content-type': 'application/json-patch+json' }, wrap: (b) => `[{"op":"add","path":"/contained","value":[${asText(b)}]}]` },
      ...postOperations,
    ];
  };

  /** Send one body; note a failure, and the marker when the request was refused. */
  async function send(endpoint: Endpoint, body: Json | string, marker: string, what: string): Promise<LightMyRequestResponse> {
    const payload = endpoint.wrap(body) as string;
    const res = await t.app.inject({ method: endpoint.method, url: endpoint.url, headers: { ...FHIR, ...endpoint.headers }, payload: payload.replace(/MARKER/g, marker) });
    const v = verdict(res);
    if (v.body !== 'ok') failures.push({ what: `${endpoint.name}: ${what}`.slice(0, 200), ...v });
    if (res.statusCode >= 400) refused.push(marker);
    if (endpoint.name === 'batch' && res.statusCode === 200) {
      for (const e of res.json().entry ?? []) {
        if (entryFailed(e.response)) failures.push({ what: `batch entry: ${what}`, status: Number.parseInt(e.response.status, 10), body: JSON.stringify(e.response) });
      }
    }
    return res;
  }

  const nextMarker = () => `${run}-${++counter}`;

  /** Every marker of a refused request must be absent from resource_version. */
  async function expectNothingStoredForRefused(): Promise<void> {
    const { rows } = await t.pool.query(`SELECT content FROM resource_version WHERE content LIKE '%' || $1 || '%'`, [run]);
    const stored = new Set(rows.flatMap((r: { content: string }) => r.content.match(new RegExp(`${run}-\\d+`, 'g')) ?? []));
    expect(refused.filter((m) => stored.has(m))).toEqual([]);
  }

  it(`each of ${LEAVES.length} elements × ${VALUES.length} bad values (${CORE_VALUES.length} on conditional writes and operations), on every endpoint with a body`, async () => {
    const cases = endpoints().flatMap((endpoint) =>
      LEAVES.flatMap((path) => (FULL_TABLE.has(endpoint.name) ? VALUES : CORE_VALUES).map((value) => ({ endpoint, path, value }))),
    );
    await inBatches(cases, 4, async ({ endpoint, path, value }) => {
      const marker = nextMarker();
      await send(endpoint, mutate(template(marker), path, value), marker, `${path.join('.')} = ${JSON.stringify(value)?.slice(0, 40)}`);
    });
    expect(failures).toEqual([]);
    await expectNothingStoredForRefused();
  });

  it(`${KEYS.length} bad property names at the root and nested, on every endpoint`, async () => {
    const cases = endpoints().flatMap((endpoint) => KEYS.flatMap((key) => [['root'], ['name', 0]].map((at) => ({ endpoint, key, at }))));
    await inBatches(cases, 4, async ({ endpoint, key, at }) => {
      const marker = nextMarker();
      const body = template(marker);
      const target = at.length === 1 ? body : ((body.name as Json[])[0] as Json);
      Object.defineProperty(target, key, { value: 'x', enumerable: true, configurable: true, writable: true });
      await send(endpoint, JSON.stringify(body), marker, `key ${JSON.stringify(key).slice(0, 30)} at ${at.join('.')}`);
    });
    expect(failures).toEqual([]);
    await expectNothingStoredForRefused();
  });

  it(`${MALFORMED.length} malformed JSON texts on every endpoint`, async () => {
    const cases = endpoints().flatMap((endpoint) => MALFORMED.map((text) => ({ endpoint, text })));
    await inBatches(cases, 4, async ({ endpoint, text }) => {
      const marker = nextMarker();
      const res = await send(endpoint, text, marker, text.slice(0, 60));
      if (endpoint.name === 'create' && res.statusCode < 400) failures.push({ what: `create accepted malformed JSON ${text.slice(0, 60)}`, status: res.statusCode, body: '' });
    });
    expect(failures).toEqual([]);
    await expectNothingStoredForRefused();
  });

  it('bodies nested 10,000 levels deep (arrays and objects, at the root and in an element) are 400s', async () => {
    const deepArray = `${'['.repeat(10_000)}1${']'.repeat(10_000)}`;
    const deepObject = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const texts = [
      deepArray,
      deepObject,
      `{"resourceType":"Patient","name":[{"text":"MARKER"}],"extension":${deepArray}}`,
      `{"resourceType":"Patient","name":[{"text":"MARKER"}],"extension":[{"url":"http://x","valueString":${deepObject}}]}`,
      `{"resourceType":"Patient","name":[{"text":"MARKER"}],"contained":[${'{"resourceType":"Patient","contained":['.repeat(3000)}{"resourceType":"Patient"}${']}'.repeat(3000)}]}`,
    ];
    for (const endpoint of endpoints()) {
      for (const text of texts) {
        const marker = nextMarker();
        const res = await send(endpoint, text, marker, `deep ${text.slice(0, 30)}`);
        if (res.statusCode !== 400 && res.statusCode !== 422) failures.push({ what: `${endpoint.name}: deep body answered`, status: res.statusCode, body: res.body.slice(0, 200) });
      }
    }
    expect(failures).toEqual([]);
    await expectNothingStoredForRefused();
  });

  it('bodies over the size limit are 413 OperationOutcomes on every endpoint', async () => {
    for (const endpoint of endpoints()) {
      const marker = nextMarker();
      const huge = mutate(template(marker), ['name', 0, 'family'], 'x'.repeat(1024 * 1024 + 1));
      const res = await send(endpoint, huge, marker, 'over the body limit');
      expect([endpoint.name, res.statusCode, res.json().issue?.[0]?.code]).toEqual([endpoint.name, 413, 'too-long']);
    }
    expect(failures).toEqual([]);
    await expectNothingStoredForRefused();
  });
});
