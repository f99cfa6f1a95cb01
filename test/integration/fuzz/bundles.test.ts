import { nonCprUuid } from '../../support/ids';
import { createTestApp, type TestApp } from '../../support/app';
import { entryFailed, inBatches, verdict } from './fuzz-support';

/**
 * Broken transaction and batch Bundles: entry not an array, entries that are no objects, no
 * request, unknown methods, bad urls for every method, bad and duplicate fullUrls, circular and
 * dangling urn references, bad conditional headers, broken PATCH Binaries, too many entries.
 * Each is sent as a transaction and as a batch. Every answer is below 500 (batch entries too)
 * and an OperationOutcome when it fails; a transaction stores all of its writes or none, and a
 * refused one none. Each written resource carries its own marker to tell.
 */

const MAX_ENTRIES = 20;
const FHIR = { 'content-type': 'application/fhir+json' };

type Json = Record<string, unknown>;

/** A case: entries built around fresh markers; `writes` are the markers of entries that would store. */
interface Case {
  name: string;
  build(marker: () => string): { body: unknown; writes: string[] };
}

const patient = (m: string, extra: Json = {}): Json => ({ resourceType: 'Patient', name: [{ text: m }], ...extra });

/** One well-formed POST entry around a marker, and a broken entry next to it. */
function withGood(name: string, broken: (m: string) => unknown): Case {
  return {
    name,
    build: (marker) => {
      const good = marker();
      return { body: { entry: [{ fullUrl: `urn:uuid:${nonCprUuid()}`, resource: patient(good), request: { method: 'POST', url: 'Patient' } }, broken(marker())] }, writes: [good] };
    },
  };
}

const BAD_URLS: readonly unknown[] = [
  undefined, '', ' ', 1, null, {}, '/', '?', '//', 'Patient?', 'Patient/', 'Patient//x', 'http://evil.example/fhir/Patient', 'http://kolibri.test/fhir', 'http://kolibri.test/fhir/',
  'Patient/../Observation/x', 'Patient/a/b/c/d/e', '$everything', 'Patient/$validate', 'Patient/x/$everything', '_history', 'metadata', 'Patient/_history/1', 'Patient/x/_history/y',
  'Nope', 'nope/1', 'Patient#x', 'Patient/%00', 'Patient?name=%00', 'Patient?name=\u0000', 'Patient/\u0000', 'urn:uuid:x', 'x'.repeat(10_000), 'Patient?' + 'name=a&'.repeat(200), 'Patient?_sort=%zz',
];
const METHODS: readonly unknown[] = ['POST', 'PUT', 'PATCH', 'DELETE', 'GET', 'HEAD'];
const BAD_METHODS: readonly unknown[] = [undefined, '', 'get', 'post', 'FOO', 'CONNECT', 'OPTIONS', 1, null, ['POST'], { m: 'POST' }, 'POST\u0000'];
const BAD_FULLURLS: readonly unknown[] = [1, null, {}, [], '', 'not a url', 'urn:uuid:', 'urn:uuid:\u0000', 'http://kolibri.test/fhir/Patient/', 'x'.repeat(10_000)];
const b64 = (text: string) => Buffer.from(text).toString('base64');

const CASES: Case[] = [
  ...[{}, 'x', 1, null, true, { 0: {} }].map((entry): Case => ({ name: `entry ${JSON.stringify(entry)}`, build: () => ({ body: { entry }, writes: [] }) })),
  ...[null, 1, 'x', [], true].map((e) => withGood(`an entry ${JSON.stringify(e)}`, () => e)),
  withGood('an entry without request', (m) => ({ resource: patient(m) })),
  ...['x', [], null, 1].map((request) => withGood(`request ${JSON.stringify(request)}`, (m) => ({ resource: patient(m), request }))),
  ...BAD_METHODS.map((method) => withGood(`method ${JSON.stringify(method)}`, (m) => ({ resource: patient(m), request: { method, url: 'Patient' } }))),
  ...METHODS.flatMap((method) => BAD_URLS.map((url) => withGood(`${method} ${JSON.stringify(url)?.slice(0, 40)}`, (m) => ({ resource: patient(m, { id: 'x' }), request: { method, url } })))),
  ...BAD_FULLURLS.map((fullUrl) => withGood(`fullUrl ${JSON.stringify(fullUrl)?.slice(0, 40)}`, (m) => ({ fullUrl, resource: patient(m), request: { method: 'POST', url: 'Patient' } }))),
  ...['x', [], 1, null, { resourceType: 'Observation' }, { resourceType: 'Nope' }, { resourceType: 1 }, {}].map((resource) =>
    withGood(`resource ${JSON.stringify(resource)}`, () => ({ resource, request: { method: 'POST', url: 'Patient' } })),
  ),
  ...[1, null, 'W/"x"', '"1"', 'W/"1\u0000"', '*', 'x'.repeat(5000)].map((ifMatch) => withGood(`ifMatch ${JSON.stringify(ifMatch).slice(0, 30)}`, (m) => ({ resource: patient(m, { id: `fz-${nonCprUuid()}` }), request: { method: 'PUT', url: 'Patient/x', ifMatch } }))),
  ...[1, null, '?', '%00', '\u0000', 'name=a&'.repeat(200), '_has:Observation:patient:code=x', 'Patient?name=x', 'nope=1'].map((ifNoneExist) =>
    withGood(`ifNoneExist ${JSON.stringify(ifNoneExist).slice(0, 30)}`, (m) => ({ resource: patient(m), request: { method: 'POST', url: 'Patient', ifNoneExist } })),
  ),
  ...[
    { resourceType: 'Binary', contentType: 'application/json-patch+json', data: '!!!' },
    { resourceType: 'Binary', contentType: 'application/json-patch+json', data: b64('not json') },
    { resourceType: 'Binary', contentType: 'application/json-patch+json', data: b64(`[{"op":"add","path":"/x","value":${'['.repeat(10_000)}${']'.repeat(10_000)}}]`) },
    { resourceType: 'Binary', contentType: 'application/json-patch+json', data: b64('[{"op":"remove","path":""}]') },
    { resourceType: 'Binary', contentType: 'text/plain', data: b64('[]') },
    { resourceType: 'Binary', contentType: 'application/json-patch+json' },
    { resourceType: 'Parameters', parameter: 'x' },
    { resourceType: 'Parameters', parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'delete' }, { name: 'path', valueString: 'Patient' }] }] },
  ].map((resource) => withGood(`PATCH with ${JSON.stringify(resource).slice(0, 60)}`, () => ({ resource, request: { method: 'PATCH', url: 'Patient/fz-absent' } }))),
  {
    name: 'two entries with one fullUrl',
    build: (marker) => {
      const [a, b] = [marker(), marker()];
      const fullUrl = `urn:uuid:${nonCprUuid()}`;
      return { body: { entry: [a, b].map((m) => ({ fullUrl, resource: patient(m), request: { method: 'POST', url: 'Patient' } })) }, writes: [a, b] };
    },
  },
  ...[2, 3].map((n): Case => ({
    name: `a cycle of ${n} urn references`,
    build: (marker) => {
      const markers = Array.from({ length: n }, () => marker());
      const urls = markers.map(() => `urn:uuid:${nonCprUuid()}`);
      const entry = markers.map((m, i) => ({ fullUrl: urls[i], resource: patient(m, { link: [{ other: { reference: urls[(i + 1) % n] }, type: 'seealso' }] }), request: { method: 'POST', url: 'Patient' } }));
      return { body: { entry }, writes: markers };
    },
  })),
  {
    name: 'an entry referring to itself',
    build: (marker) => {
      const m = marker();
      const fullUrl = `urn:uuid:${nonCprUuid()}`;
      return { body: { entry: [{ fullUrl, resource: patient(m, { link: [{ other: { reference: fullUrl }, type: 'seealso' }] }), request: { method: 'POST', url: 'Patient' } }] }, writes: [m] };
    },
  },
  withGood('a dangling urn reference', (m) => ({ fullUrl: `urn:uuid:${nonCprUuid()}`, resource: patient(m, { link: [{ other: { reference: `urn:uuid:${nonCprUuid()}` }, type: 'seealso' }] }), request: { method: 'POST', url: 'Patient' } })),
  withGood('a conditional reference with U+0000', (m) => ({ resource: patient(m, { generalPractitioner: [{ reference: 'Practitioner?identifier=%00' }] }), request: { method: 'POST', url: 'Patient' } })),
  {
    name: `${MAX_ENTRIES + 1} entries (over the limit)`,
    build: (marker) => {
      const markers = Array.from({ length: MAX_ENTRIES + 1 }, () => marker());
      return { body: { entry: markers.map((m) => ({ resource: patient(m), request: { method: 'POST', url: 'Patient' } })) }, writes: markers };
    },
  },
];

const TYPES: readonly unknown[] = ['transaction', 'batch'];
const BAD_TYPES: readonly unknown[] = [undefined, 'document', 'collection', 'searchset', 'TRANSACTION', 1, null, ['transaction']];

describe('fuzz: broken bundles never answer 5xx and never write partially', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ maxBundleEntries: MAX_ENTRIES });
  });
  afterAll(() => t.close());

  /** Markers (of `run`) found in resource_version. */
  async function storedMarkers(run: string): Promise<Set<string>> {
    const { rows } = await t.pool.query(`SELECT content FROM resource_version WHERE content LIKE '%' || $1 || '%'`, [run]);
    return new Set(rows.flatMap((r: { content: string }) => r.content.match(new RegExp(`${run}-\\d+`, 'g')) ?? []));
  }

  it(`${CASES.length} broken bundles × transaction and batch`, async () => {
    const run = nonCprUuid();
    let counter = 0;
    const marker = () => `${run}-${++counter}`;
    const failures: Array<{ what: string; status: number; body: string }> = [];
    const transactions: Array<{ what: string; status: number; writes: string[] }> = [];
    const cases = CASES.flatMap((c) => TYPES.map((type) => ({ c, type })));
    await inBatches(cases, 4, async ({ c, type }) => {
      const { body, writes } = c.build(marker);
      const what = `${type}: ${c.name}`;
      const res = await t.app.inject({ method: 'POST', url: '/fhir', headers: FHIR, payload: JSON.stringify({ resourceType: 'Bundle', type, ...(body as Json) }) });
      const v = verdict(res);
      if (v.body !== 'ok') failures.push({ what, ...v });
      if (type === 'transaction') transactions.push({ what, status: res.statusCode, writes });
      if (type === 'batch' && res.statusCode === 200) {
        for (const e of res.json().entry ?? []) {
          if (entryFailed(e.response)) failures.push({ what: `${what} (entry)`, status: Number.parseInt(e.response?.status, 10), body: JSON.stringify(e.response).slice(0, 200) });
        }
      }
    });
    expect(failures).toEqual([]);
    const stored = await storedMarkers(run);
    const partial = transactions.filter(({ status, writes }) => {
      const kept = writes.filter((m) => stored.has(m)).length;
      return status >= 400 ? kept !== 0 : kept !== 0 && kept !== writes.length;
    });
    expect(partial).toEqual([]);
  });

  it('bundles of a wrong type or no Bundle at all are 400 and store nothing', async () => {
    const run = nonCprUuid();
    const failures: Array<{ what: string; status: number; body: string }> = [];
    const bodies = [
      ...BAD_TYPES.map((type) => ({ resourceType: 'Bundle', type, entry: [{ resource: patient(run), request: { method: 'POST', url: 'Patient' } }] })),
      { resourceType: 'Bundl', type: 'transaction', entry: [] },
      { type: 'transaction', entry: [{ resource: patient(run), request: { method: 'POST', url: 'Patient' } }] },
      { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Bundle', type: 'transaction', entry: 'x' }, request: { method: 'POST', url: 'Bundle' } }] },
    ];
    for (const body of bodies) {
      const res = await t.app.inject({ method: 'POST', url: '/fhir', headers: FHIR, payload: JSON.stringify(body) });
      const v = verdict(res);
      if (v.body !== 'ok') failures.push({ what: JSON.stringify(body).slice(0, 80), ...v });
    }
    expect(failures).toEqual([]);
    expect((await storedMarkers(run)).size).toBe(0);
  });
});
