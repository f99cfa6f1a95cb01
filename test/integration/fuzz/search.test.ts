import { nonCprUuid } from '../../support/ids';
import { createTestApp, type TestApp } from '../../support/app';
import { encodeValue, inBatches, randomValues, verdict } from './fuzz-support';

/**
 * Search, history and read-only operations under bad input: every search parameter type (and
 * the special and result parameters, chains, _has, modifiers, paging tokens) × a table of bad
 * values (control characters incl. U+0000, separators, escapes, prefixes, overflowing numbers,
 * impossible dates, very long and non-UTF-8 text) plus seeded random strings. Every answer must
 * be below 500 and, when it is an error, an OperationOutcome.
 */

const BAD_VALUES: readonly string[] = [
  '\u0000', 'a\u0000b', '\u0001', '\u001b[31m', '\u007f', '\t', '\r\n',
  '', ' ', ',', ',,,', 'a,,b', '|', '||', '|||||', 'a|b|c|d', '$', '$$', 'a$b$c',
  '\\', '\\\\', '\\,', '\\|', '\\$', 'a\\', '%', '%%', '_', '*', "'; DROP TABLE resource; --", '"',
  'x'.repeat(5000), 'é'.repeat(300), '😀', '\ud800', '\u200b',
  'eq', 'zz5', 'gt', 'ge-', 'ap', 'sa2026', 'lt-', 'ne', 'eb1e999',
  '1e999', '-1e-999', 'NaN', 'Infinity', '-0', '9'.repeat(400), '0x10', '1.2.3', '5||', '5|http://unitsofmeasure.org|', '|||mg',
  '2026-13-45', '2026-02-30', '0000', '9999-12-31T23:59:59.999999999Z', '2026-01-01T25:00:00Z', '-2026', '2026-01-01T10:00:00+99:00', 'ge0001-01-01', 'le294277-01-01',
  'Patient/', 'Patient/../..', '/', 'Patient//x', 'http://', 'http://kolibri.test/fhir/Patient/', 'urn:uuid:', '#', '#x', '?a=b', 'Patient?name=x', 'Nope/1',
  'null', 'true', '{}', '[]', '__proto__', 'constructor', 'Patient:*', 'Patient:name', 'Observation:subject:Nope', ':iterate', '-', '--name', 'name,name,-name', '-_lastUpdated,,',
  ...randomValues('fuzz-search', 16),
];

/** [path, parameter] covering each SearchParameter type, the special parameters and modifiers. */
const PARAMETERS: ReadonlyArray<readonly [string, string]> = [
  ['Patient', 'name'], ['Patient', 'name:exact'], ['Patient', 'name:contains'], ['Patient', 'name:missing'], // string
  ['Patient', 'gender'], ['Patient', 'identifier'], ['Patient', 'identifier:text'], ['Observation', 'code:not'], ['Observation', 'code:in'], ['Observation', 'code:below'], // token
  ['Observation', 'subject'], ['Observation', 'subject:Patient'], ['Observation', 'patient:identifier'], ['Patient', 'general-practitioner'], // reference
  ['Observation', 'date'], ['Patient', 'birthdate'], ['Patient', '_lastUpdated'], // date
  ['RiskAssessment', 'probability'], // number
  ['Observation', 'value-quantity'], // quantity
  ['Questionnaire', 'url'], ['ValueSet', 'url:below'], // uri
  ['Observation', 'code-value-quantity'], ['Observation', 'component-code-value-quantity'], // composite
  ['Patient', '_id'], ['Patient', '_id:not'], ['Patient', '_sort'], ['Patient', '_count'], ['Patient', '_total'], ['Patient', '_summary'], ['Patient', '_elements'],
  ['Patient', '_include'], ['Patient', '_revinclude'], ['Observation', '_include:iterate'], ['Patient', '_has:Observation:patient:code'], ['Observation', 'subject:Patient.name'],
  ['Patient', '_page'], ['Patient', '_format'], ['Patient', '_contained'],
  ['', '_type'], ['', '_id'],
];

/** Query strings no encoder would produce: broken percent-encoding, odd separators, bare names. */
const RAW_QUERIES: readonly string[] = [
  'name=%', 'name=%zz', 'name=%E0%A4%A', 'name=%C0%80', '%00=x', '=x', '&&&', 'name', 'name=a=b', 'a[b]=c', 'name[]=x', 'name=a&name', '_sort=&_count=',
  'name:=x', 'name::exact=x', ':=x', '.=x', 'subject.=x', 'subject:Patient.=x', 'subject:Patient.name.family.x.y=z', '_has=x', '_has:::=x', '_has:Observation:patient:_has:Observation:patient:_has:Observation:patient:_has:Observation:patient:code=x',
  `_sort=birthdate&_page=${token({ d: 'n', k: ['not a date'], r: '1', s: 'birthdate' })}`,
  `_sort=_lastUpdated&_page=${token({ d: 'n', k: ['2026-99-99 99:99:99+00'], r: '1', s: '_lastUpdated' })}`,
  `_sort=name&_page=${token({ d: 'p', k: ['\u0000'], r: '1', s: 'name' })}`,
  `_page=${token({ d: 'n', k: [], r: '99999999999999999999', s: '' })}`,
  `_page=${token({ d: 'n', k: [], r: '9999999999999999999', s: '' })}`,
  `_page=${token({ d: 'x', k: {}, r: 1, s: null })}`,
  `_page=${token([1, 2, 3])}`, `_page=${token('x')}`, '_page=!!!', '_page=',
  `_count=0&_total=accurate`, '_count=1001', '_count=-1', '_count=1e3', `_summary=count&_sort=name`,
];

const HISTORY_VALUES: Record<string, readonly string[]> = {
  _since: ['\u0000', '2026-13-45T00:00:00Z', '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '2026', '', 'x'.repeat(3000), '2026-01-01T10:00:00+99:00'],
  _count: ['-1', '1e9', '0', '99999999999999999999', 'x', ''],
  _cursor: [
    '', '!!!', 'x'.repeat(3000),
    Buffer.from('2026-99-99 99:99:99+00|1').toString('base64url'),
    Buffer.from('2026-01-01 00:00:00+00|99999999999999999999').toString('base64url'),
    Buffer.from('2026-01-01 00:00:00+00|\u0000').toString('base64url'),
  ],
  _at: ['2026'],
  nope: ['1'],
};

function token(body: unknown): string {
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

describe('fuzz: search, history and read operations never answer 5xx', () => {
  let t: TestApp;
  let patientId: string;
  beforeAll(async () => {
    t = await createTestApp();
    patientId = (await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: { 'content-type': 'application/fhir+json' }, payload: { resourceType: 'Patient', name: [{ family: nonCprUuid() }] } })).json().id;
  });
  afterAll(() => t.close());

  async function probe(urls: readonly string[]): Promise<Array<{ url: string; status: number; body: string }>> {
    const failures: Array<{ url: string; status: number; body: string }> = [];
    await inBatches(urls, 4, async (url) => {
      const v = verdict(await t.app.inject({ method: 'GET', url }));
      if (v.body !== 'ok') failures.push({ url: url.slice(0, 200), ...v });
    });
    return failures;
  }

  it(`${PARAMETERS.length} parameters × ${BAD_VALUES.length} values by GET`, async () => {
    const urls = PARAMETERS.flatMap(([type, name]) => BAD_VALUES.map((v) => `/fhir${type ? `/${type}` : ''}?${encodeURIComponent(name)}=${encodeValue(v)}`));
    expect(await probe(urls)).toEqual([]);
  });

  it('the same values by POST _search, $lastn and $everything', async () => {
    const failures: Array<{ what: string; status: number; body: string }> = [];
    const requests = BAD_VALUES.flatMap((v) => [
      { method: 'POST' as const, url: '/fhir/Patient/_search', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `name=${encodeValue(v)}&_sort=${encodeValue(v)}` },
      { method: 'GET' as const, url: `/fhir/Observation/$lastn?patient=${encodeValue(v)}` },
      { method: 'GET' as const, url: `/fhir/Observation/$lastn?patient=${patientId}&max=${encodeValue(v)}&code=${encodeValue(v)}` },
      { method: 'GET' as const, url: `/fhir/Patient/${patientId}/$everything?_since=${encodeValue(v)}&_count=${encodeValue(v)}` },
      { method: 'GET' as const, url: `/fhir/Patient/${patientId}/Observation?code=${encodeValue(v)}` },
    ]);
    await inBatches(requests, 4, async (r) => {
      const v = verdict(await t.app.inject(r));
      if (v.body !== 'ok') failures.push({ what: `${r.method} ${r.url} ${'payload' in r ? r.payload : ''}`.slice(0, 200), ...v });
    });
    expect(failures).toEqual([]);
  });

  it(`${RAW_QUERIES.length} malformed query strings on type and system search`, async () => {
    expect(await probe(RAW_QUERIES.flatMap((q) => [`/fhir/Patient?${q}`, `/fhir/Observation?${q}`, `/fhir?${q}`]))).toEqual([]);
  });

  it('bad _since, _count and _cursor at all three history levels', async () => {
    const levels = ['/fhir/_history', '/fhir/Patient/_history', `/fhir/Patient/${patientId}/_history`];
    const urls = levels.flatMap((level) => Object.entries(HISTORY_VALUES).flatMap(([name, values]) => values.map((v) => `${level}?${name}=${encodeValue(v)}`)));
    expect(await probe(urls)).toEqual([]);
  });

  it('bad ids and version ids in the path', async () => {
    const ids = ['%00', 'a%00b', '%01', '..', '%2e%2e', 'x'.repeat(200), 'x'.repeat(5000), 'a%2Fb', '%E0%A4%A', '😀', '-', '.', '__proto__'];
    const urls = ids.flatMap((id) => [
      `/fhir/Patient/${id}`, `/fhir/Patient/${id}/_history`, `/fhir/Patient/${patientId}/_history/${id}`, `/fhir/Patient/${id}/$everything`, `/fhir/Patient/${id}/Observation`, `/fhir/${id}`, `/fhir/${id}/1`,
    ]);
    expect(await probe(urls)).toEqual([]);
  });

  it('repeated parameters: many repeats of one parameter, and one parameter with many values', async () => {
    const repeat = (n: number, pair: string) => Array.from({ length: n }, () => pair).join('&');
    const urls = [
      `/fhir/Patient?${repeat(1000, 'name=a')}`,
      `/fhir/Patient?${repeat(1000, '_has:Observation:patient:code=x')}`,
      `/fhir/Observation?${repeat(500, 'subject:Patient.name=a')}`,
      `/fhir/Patient?name=${Array(5000).fill('a').join(',')}`,
      `/fhir/Patient?_include=${Array(1000).fill('Patient:general-practitioner').join(',')}`,
      `/fhir/Patient?${repeat(1000, '_sort=name')}`,
      `/fhir/Observation/$lastn?patient=${patientId}&${repeat(1000, 'code=a')}`,
      `/fhir/Patient/_history?${repeat(1000, '_count=1')}`,
    ];
    const started = Date.now();
    expect(await probe(urls)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
