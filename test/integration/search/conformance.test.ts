import { reindex } from '../../../src/store/reindex';
import { createIndexWriter } from '../../../src/store/search-index';
import { createTestApp, testRegistry, TEST_BASE_URL, type TestApp } from '../../support/app';
import { create, ids, search, uniqueTag } from './search-helpers';

/** Behaviours other servers' conformance material checks, each on its own data. */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ indexWriter: createIndexWriter(testRegistry(), { baseUrl: TEST_BASE_URL }) });
});
afterAll(() => t.close());

function tagged(): { meta: Record<string, unknown>; q: (type: string | undefined, query: string) => Promise<string[]>; query: string } {
  const tag = uniqueTag();
  return {
    meta: { tag: [{ system: tag.system, code: tag.code }] },
    query: tag.query,
    q: async (type, query) => (await ids(t, type, `${tag.query}&${query}`)).sort(),
  };
}

async function status(url: string): Promise<number> {
  return (await t.app.inject({ method: 'GET', url })).statusCode;
}

const UCUM = 'http://unitsofmeasure.org';
const sorted = (...xs: string[]): string[] => [...xs].sort();

describe('quantity values with one separator', () => {
  it('reads number|system as any unit of the system and number||code as the code in any system', async () => {
    const { meta, q } = tagged();
    const obs = (valueQuantity: Record<string, unknown>) => create(t, { resourceType: 'Observation', meta, status: 'final', code: { text: 'x' }, valueQuantity });
    const one = await obs({ value: 5, system: 'http://example.org/system1', code: 'a' });
    const two = await obs({ value: 5, system: 'http://example.org/system2', code: 'a' });
    const three = await obs({ value: 5, system: 'http://example.org/system1', code: 'b' });
    expect(await q('Observation', 'value-quantity=5|http://example.org/system1')).toEqual(sorted(one, three));
    expect(await q('Observation', 'value-quantity=5||a')).toEqual(sorted(one, two));
    expect(await q('Observation', 'value-quantity=6|http://example.org/system1')).toEqual([]);
    expect(await status('/fhir/Observation?value-quantity=5|a|b|c')).toBe(400);
  });
});

describe('dates finer than a millisecond', () => {
  it('compares at the precision given, not rounded to milliseconds', async () => {
    const { meta, q } = tagged();
    const patient = (birthDate: string) => create(t, { resourceType: 'Patient', meta, birthDate });
    const before = await patient('1979-12-31');
    const inside = await patient('1980-06-15');
    const after = await patient('1981-01-01');
    expect(await q('Patient', 'birthdate=ge1979-12-31T23:59:59.9999999Z&birthdate=lt1981-01-01T00:00:00.0000001Z')).toEqual(sorted(inside, after));
    expect(await q('Patient', 'birthdate=lt1981-01-01T00:00:00.0000001Z')).toEqual(sorted(before, inside, after));
    expect(await q('Patient', 'birthdate=lt1981-01-01T00:00:00.000Z')).toEqual(sorted(before, inside));
    expect(await q('Patient', 'birthdate=ge1979-12-31T23:59:59.9999999Z')).toEqual(sorted(inside, after));
    expect(await q('Patient', 'birthdate=gt1979-12-31T23:59:59.9999999Z')).toEqual(sorted(inside, after));
    expect(await q('Patient', 'birthdate=le1979-12-31T23:59:59.9999999Z')).toEqual([before]);
  });

  it('keeps the boundary of a stored instant at its own precision', async () => {
    const { meta, q } = tagged();
    const at = await create(t, { resourceType: 'Observation', meta, status: 'final', code: { text: 'x' }, effectiveInstant: '1979-12-31T23:59:59.999Z' });
    expect(await q('Observation', 'date=ge1979-12-31T23:59:59.9999999Z')).toEqual([]);
    expect(await q('Observation', 'date=ge1979-12-31T23:59:59.999Z')).toEqual([at]);
    expect(await q('Observation', 'date=lt1979-12-31T23:59:59.9990001Z')).toEqual([at]);
    expect(await q('Observation', 'date=lt1979-12-31T23:59:59.999Z')).toEqual([]);
  });

  it('answers 400 to an impossible fractional precision', async () => {
    expect(await status('/fhir/Patient?birthdate=ge1979-12-31T23:59:59.999999999999999999Z')).toBe(400);
    expect(await status('/fhir/Patient?birthdate=ge1979-12-31T23:59:59.99999999999999999Z')).toBe(200);
  });
});

describe('composite parameters', () => {
  it('matches a reference component with its token, with or without system, several values ORed', async () => {
    const { meta, q } = tagged();
    const rel = 'http://hl7.org/fhir/document-relationship-type';
    const doc = (relatesTo?: Record<string, unknown>[]) =>
      create(t, { resourceType: 'DocumentReference', meta, status: 'current', content: [{ attachment: { contentType: 'text/plain' } }], ...(relatesTo ? { relatesTo } : {}) });
    const target1 = await doc();
    const target2 = await doc();
    const replaces = await doc([{ code: 'replaces', target: { reference: `DocumentReference/${target1}` } }]);
    const appends = await doc([{ code: 'appends', target: { reference: `DocumentReference/${target2}` } }]);
    const mixed = await doc([
      { code: 'appends', target: { reference: `DocumentReference/${target1}` } },
      { code: 'replaces', target: { reference: `DocumentReference/${target2}` } },
    ]);
    expect(await q('DocumentReference', `relationship=DocumentReference/${target1}$replaces`)).toEqual([replaces]);
    expect(await q('DocumentReference', `relationship=DocumentReference/${target1}$${rel}|replaces`)).toEqual([replaces]);
    expect(await q('DocumentReference', `relationship=${target2}$appends`)).toEqual([appends]);
    expect(await q('DocumentReference', `relationship=DocumentReference/${target1}$replaces,DocumentReference/${target2}$appends`)).toEqual(sorted(replaces, appends));
    expect(await q('DocumentReference', `relationship=DocumentReference/${target2}$replaces`)).toEqual([mixed]);
    expect(await q('DocumentReference', `relationship=DocumentReference/${target2}$${rel}|transforms`)).toEqual([]);
    expect(await q('DocumentReference', 'status=http://hl7.org/fhir/document-reference-status|current')).toHaveLength(5);
    expect(await q('DocumentReference', 'status=http://example.org/other|current')).toEqual([]);
  });

  it('matches code-value-string with a string longer than the folded index column', async () => {
    const { meta, q, query: tagQuery } = tagged();
    const long = `${'Lang tekst om dyspnø og hoste '.repeat(12)}slut`;
    const other = `${long.slice(0, 300)} anden`;
    const code = { coding: [{ system: 'urn:oid:1.2.208.184.100.8', code: 'MCS88021' }] };
    const obs = (valueString: string) => create(t, { resourceType: 'Observation', meta, status: 'final', code, valueString });
    const one = await obs(long);
    const two = await obs(other);
    expect(await q('Observation', `code-value-string=urn:oid:1.2.208.184.100.8|MCS88021$${encodeURIComponent(long)}`)).toEqual([one]);
    expect(await q('Observation', `code-value-string=MCS88021$${encodeURIComponent(other)}`)).toEqual([two]);
    expect(await q('Observation', `code-value-string=MCS88021$${encodeURIComponent(long.slice(0, 280))}`)).toEqual(sorted(one, two));
    const res = await t.app.inject({ method: 'GET', url: `/fhir/Observation?${tagQuery}&code-value-string=MCS88021$${encodeURIComponent(long)}` });
    expect(res.statusCode).toBe(200);
    expect(res.json().entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([one]);
  });
});

describe('_type:not', () => {
  it('searches every type but the ones named', async () => {
    const { meta, q } = tagged();
    await create(t, { resourceType: 'Patient', meta });
    const org = await create(t, { resourceType: 'Organization', meta, name: 'Aalborg Kommune' });
    const practitioner = await create(t, { resourceType: 'Practitioner', meta });
    expect(await q(undefined, '_type:not=Patient')).toEqual(sorted(org, practitioner));
    expect(await q(undefined, '_type=Patient,Organization&_type:not=Patient')).toEqual([org]);
    expect(await status('/fhir?_type:not=NotAType')).toBe(400);
    expect(await status('/fhir?_type:exact=Patient')).toBe(400);
  });
});

describe('strings longer than the folded index column', () => {
  it(':contains and prefix search decide on the whole value', async () => {
    const { meta, q } = tagged();
    const base = 'Sankt Klemens Torv ved Aalborg Havn '.repeat(9);
    const city = (c: string) => create(t, { resourceType: 'Patient', meta, address: [{ city: c }] });
    const first = await city(`${base}Nord`);
    const second = await city(`${base}Syd`);
    expect(await q('Patient', `address-city:contains=${encodeURIComponent(`${base.slice(5)}Nord`)}`)).toEqual([first]);
    expect(await q('Patient', `address-city=${encodeURIComponent(`${base}Syd`)}`)).toEqual([second]);
    expect(await q('Patient', `address-city:contains=${encodeURIComponent('havn syd')}`)).toEqual([second]);
    expect(await q('Patient', `address-city:contains=${encodeURIComponent('torv ved')}`)).toEqual(sorted(first, second));
    expect(await q('Patient', `address-city:exact=${encodeURIComponent(`${base}Nord`)}`)).toEqual([first]);
  });
});

describe('bare-id references', () => {
  it('reads a bare id as the only target type, and a bare-id search value finds a bare-id reference', async () => {
    const { meta, q } = tagged();
    const org = await create(t, { resourceType: 'Organization', meta, name: 'Ijk' });
    const patient = await create(t, { resourceType: 'Patient', meta, managingOrganization: { reference: org }, generalPractitioner: [{ reference: 'p2' }] });
    const typed = await create(t, { resourceType: 'Patient', meta, generalPractitioner: [{ reference: 'Practitioner/p2' }] });
    expect(await q('Patient', `organization=${org}`)).toEqual([patient]);
    expect(await q('Patient', `organization=Organization/${org}`)).toEqual([patient]);
    expect(await q('Patient', `organization.name=ijk`)).toEqual([patient]);
    expect(await q('Patient', 'general-practitioner=p2')).toEqual(sorted(patient, typed));
    expect(await q('Patient', 'general-practitioner=Practitioner/p2')).toEqual([typed]);
    const included = await search(t, 'Patient', `_id=${patient}&_include=Patient:organization`);
    expect(included.included.map((r) => r.id)).toEqual([org]);
  });
});

describe('uri :above and :below', () => {
  it('follow whole path segments of URLs and match URNs exactly', async () => {
    const { meta, q } = tagged();
    const vs = (url: string) => create(t, { resourceType: 'ValueSet', meta, status: 'draft', url });
    const urn = await vs('urn://localhost/test');
    const urnChild = await vs('urn://localhost/test/child');
    const oid = await vs('urn:oid:1.2.208.176.2.1');
    const root = await vs('http://acme.org/fhir');
    const child = await vs('http://acme.org/fhir/ValueSet/123');
    const sibling = await vs('http://acme.org/fhirx');
    expect(await q('ValueSet', 'url:below=urn')).toEqual([]);
    expect(await q('ValueSet', 'url:below=urn://localhost/test')).toEqual([urn]);
    expect(await q('ValueSet', 'url:above=urn://localhost/test/child')).toEqual([urnChild]);
    expect(await q('ValueSet', 'url:above=urn:oid:1.2.208.176.2.1')).toEqual([oid]);
    expect(await q('ValueSet', 'url:below=http://acme.org/fhir')).toEqual(sorted(root, child));
    expect(await q('ValueSet', 'url:above=http://acme.org/fhir/ValueSet/123/_history/5')).toEqual(sorted(root, child));
    expect(await q('ValueSet', 'url:above=http://acme.org/fhirx/ValueSet')).toEqual([sibling]);
  });
});

describe('UCUM units', () => {
  it('compares quantities in canonical units', async () => {
    const { meta, q } = tagged();
    const obs = (value: number, code: string) =>
      create(t, { resourceType: 'Observation', meta, status: 'final', code: { text: 'weight' }, valueQuantity: { value, unit: code, system: UCUM, code } });
    const grams = await obs(5400, 'g');
    const kilos = await obs(5.4, 'kg');
    const heavier = await obs(6, 'kg');
    const pounds = await obs(13, '[lb_av]');
    const litres = await obs(5.4, 'L');
    expect(await q('Observation', `value-quantity=5.4|${UCUM}|kg`)).toEqual(sorted(grams, kilos));
    expect(await q('Observation', `value-quantity=5400|${UCUM}|g`)).toEqual(sorted(grams, kilos));
    expect(await q('Observation', `value-quantity=gt5.9|${UCUM}|kg`)).toEqual(sorted(heavier));
    expect(await q('Observation', `value-quantity=ge5000|${UCUM}|g`)).toEqual(sorted(grams, kilos, heavier, pounds));
    expect(await q('Observation', `value-quantity=lt5.41|${UCUM}|kg`)).toEqual(sorted(grams, kilos));
    expect(await q('Observation', `value-quantity=5.4|${UCUM}|L`)).toEqual([litres]);
    expect(await q('Observation', `value-quantity=5400|${UCUM}|mL`)).toEqual([litres]);
    expect(await q('Observation', 'value-quantity=5.4||kg')).toEqual([kilos]);
  });

  it('compares units UCUM cannot convert as written', async () => {
    const { meta, q } = tagged();
    const obs = (value: number, code: string) =>
      create(t, { resourceType: 'Observation', meta, status: 'final', code: { text: 'temp' }, valueQuantity: { value, unit: code, system: UCUM, code } });
    const celsius = await obs(37, 'Cel');
    const kelvin = await obs(310.15, 'K');
    expect(await q('Observation', `value-quantity=37|${UCUM}|Cel`)).toEqual([celsius]);
    expect(await q('Observation', `value-quantity=310.15|${UCUM}|K`)).toEqual([kelvin]);
  });
});

describe('databases indexed before canonical units and bare-id targets', () => {
  it('keep answering as written until `reindex` rewrites their rows, then answer canonically', async () => {
    const { meta, q } = tagged();
    const org = await create(t, { resourceType: 'Organization', meta, name: 'Ijk' });
    const patient = await create(t, { resourceType: 'Patient', meta, managingOrganization: { reference: org } });
    const obs = (value: number, code: string) =>
      create(t, { resourceType: 'Observation', meta, status: 'final', code: { text: 'weight' }, valueQuantity: { value, unit: code, system: UCUM, code } });
    const grams = await obs(5400, 'g');
    const kilos = await obs(5.4, 'kg');
    const long = `${'Frederikshavn Nord '.repeat(15)}Vest`;
    const city = await create(t, { resourceType: 'Patient', meta, address: [{ city: long }] });
    const rids = (await t.pool.query('SELECT rid FROM resource WHERE id = ANY($1::text[])', [[patient, grams, kilos, city]])).rows.map((r) => String(r.rid));
    // the rows as the previous index wrote them
    await t.pool.query('UPDATE search_quantity SET canonical_code = NULL, canonical_low = NULL, canonical_high = NULL WHERE rid = ANY($1::bigint[])', [rids]);
    await t.pool.query(`UPDATE search_reference SET url = target_id, target_type = NULL, target_id = NULL WHERE rid = ANY($1::bigint[]) AND target_type = 'Organization'`, [rids]);
    await t.pool.query('UPDATE search_string SET norm_full = NULL WHERE rid = ANY($1::bigint[])', [rids]);

    expect(await q('Observation', `value-quantity=5.4|${UCUM}|kg`)).toEqual([kilos]);
    expect(await q('Patient', `organization=${org}`)).toEqual([]);
    expect(await q('Patient', `address-city=${encodeURIComponent(long)}`)).toEqual([]);

    const writer = createIndexWriter(testRegistry(), { baseUrl: TEST_BASE_URL });
    // up to this test's last rid: beyond it are other test files' writes, still coming
    const done = await reindex(t.pool, writer, { types: ['Observation', 'Patient'], afterRid: String(Math.min(...rids.map(Number)) - 1), upToRid: String(Math.max(...rids.map(Number))) });
    expect(done.done).toBeGreaterThanOrEqual(4);

    expect(await q('Observation', `value-quantity=5.4|${UCUM}|kg`)).toEqual(sorted(grams, kilos));
    expect(await q('Patient', `organization=${org}`)).toEqual([patient]);
    expect(await q('Patient', `address-city=${encodeURIComponent(long)}`)).toEqual([city]);
  });
});
