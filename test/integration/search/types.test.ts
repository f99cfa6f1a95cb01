import { createIndexWriter } from '../../../src/store/search-index';
import { createTestApp, testRegistry, TEST_BASE_URL, type TestApp } from '../../support/app';
import { create, ids, search, uniqueTag } from './search-helpers';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ indexWriter: createIndexWriter(testRegistry(), { baseUrl: TEST_BASE_URL }) });
});
afterAll(() => t.close());

describe('string search', () => {
  it('is a case- and accent-insensitive prefix match, folding Danish letters', async () => {
    const tag = uniqueTag();
    const meta = { tag: [{ system: tag.system, code: tag.code }] };
    const jorgensen = await create(t, { resourceType: 'Patient', meta, name: [{ family: 'Jørgensen', given: ['Ib'] }] });
    const jorg = await create(t, { resourceType: 'Patient', meta, name: [{ family: 'Schmidt', given: ['Jörg'] }] });
    const aalborg = await create(t, { resourceType: 'Patient', meta, address: [{ city: 'Ålborg' }] });
    const q = (s: string) => ids(t, 'Patient', `${tag.query}&${s}`);
    expect(await q('name=JØRGEN')).toEqual([jorgensen]);
    expect((await q('name=jorg')).sort()).toEqual([jorgensen, jorg].sort());
    expect(await q('name=joergensen')).toEqual([jorgensen]);
    expect(await q('family=jorgensen')).toEqual([jorgensen]);
    expect(await q('address-city=aalborg')).toEqual([aalborg]);
    expect(await q('address-city=alborg')).toEqual([aalborg]);
    expect(await q('name:exact=Jørgensen')).toEqual([jorgensen]);
    expect(await q('name:exact=jørgensen')).toEqual([]);
    expect(await q('name:contains=rgens')).toEqual([jorgensen]);
    expect(await q('name=rgens')).toEqual([]);
  });
});

describe('token search', () => {
  it('matches code, system|code, |code, system| and :not, :text, :of-type, :missing', async () => {
    const tag = uniqueTag();
    const meta = { tag: [{ system: tag.system, code: tag.code }] };
    const cpr = 'urn:oid:1.2.208.176.1.2';
    const withCpr = await create(t, {
      resourceType: 'Patient',
      meta,
      identifier: [{ system: cpr, value: '0101701234', type: { text: 'CPR-nummer', coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'NI' }] } }],
      gender: 'female',
    });
    const noSystem = await create(t, { resourceType: 'Patient', meta, identifier: [{ value: '0101701234' }], gender: 'male' });
    const q = (s: string) => ids(t, 'Patient', `${tag.query}&${s}`);
    expect((await q('identifier=0101701234')).sort()).toEqual([withCpr, noSystem].sort());
    expect(await q(`identifier=${cpr}|0101701234`)).toEqual([withCpr]);
    expect(await q('identifier=|0101701234')).toEqual([noSystem]);
    expect(await q(`identifier=${cpr}|`)).toEqual([withCpr]);
    expect(await q('gender:not=female')).toEqual([noSystem]);
    expect(await q('identifier:text=cpr')).toEqual([withCpr]);
    expect(await q('identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|NI|0101701234')).toEqual([withCpr]);
    expect(await q('birthdate:missing=true')).toHaveLength(2);
    expect(await q('gender:missing=false')).toHaveLength(2);
    expect((await q('gender=male,female')).sort()).toEqual([withCpr, noSystem].sort());
  });
});

describe('date search', () => {
  it('follows the range rules at every precision, for dateTime and Period', async () => {
    const tag = uniqueTag();
    const meta = { tag: [{ system: tag.system, code: tag.code }] };
    const base = { resourceType: 'Observation', meta, status: 'final', code: { text: 'x' } };
    const may15 = await create(t, { ...base, effectiveDateTime: '2026-05-15T10:00:00Z' });
    const june = await create(t, { ...base, effectiveDateTime: '2026-06-01' });
    const period = await create(t, { ...base, effectivePeriod: { start: '2026-05-10', end: '2026-05-20' } });
    const open = await create(t, { ...base, effectivePeriod: { start: '2026-07-01T00:00:00Z' } });
    const q = async (s: string) => (await ids(t, 'Observation', `${tag.query}&${s}`)).sort();
    expect(await q('date=2026-05')).toEqual([may15, period].sort());
    expect(await q('date=2026-05-15')).toEqual([may15]);
    expect(await q('date=2026')).toEqual([may15, june, period].sort());
    expect(await q('date=gt2026-05-15')).toEqual([june, period, open].sort());
    expect(await q('date=lt2026-05-15')).toEqual([period]);
    expect(await q('date=ge2026-05-15')).toEqual([may15, june, period, open].sort());
    expect(await q('date=sa2026-05-31')).toEqual([june, open].sort());
    expect(await q('date=eb2026-05-15')).toEqual([]);
    expect(await q('date=ne2026-05')).toEqual([june, open].sort());
    expect(await q('date=ge2026-05-16&date=le2026-05-31')).toEqual([period]);
  });
});

describe('quantity and number search', () => {
  it('applies prefixes, implicit precision and units', async () => {
    const tag = uniqueTag();
    const meta = { tag: [{ system: tag.system, code: tag.code }] };
    const ucum = 'http://unitsofmeasure.org';
    const obs = (value: number, code: string) =>
      create(t, { resourceType: 'Observation', meta, status: 'final', code: { text: 'x' }, valueQuantity: { value, unit: code, system: ucum, code } });
    const spo2 = await obs(88, '%');
    const low = await obs(84.6, '%');
    const pulse = await obs(130, '/min');
    const q = async (s: string) => (await ids(t, 'Observation', `${tag.query}&${s}`)).sort();
    expect(await q('value-quantity=88')).toEqual([spo2]);
    expect(await q('value-quantity=85')).toEqual([low]);
    expect(await q('value-quantity=85.0')).toEqual([]);
    expect(await q('value-quantity=lt88')).toEqual([low]);
    expect(await q('value-quantity=le88')).toEqual([spo2, low].sort());
    expect(await q(`value-quantity=gt50|${ucum}|/min`)).toEqual([pulse]);
    expect(await q('value-quantity=gt50||%')).toEqual([spo2, low].sort());
    expect(await q('value-quantity=ap125')).toEqual([pulse]);
  });
});

describe('system search and counts', () => {
  it('searches several types with _type and counts with _summary=count', async () => {
    const tag = uniqueTag();
    const meta = { tag: [{ system: tag.system, code: tag.code }] };
    const patient = await create(t, { resourceType: 'Patient', meta });
    const org = await create(t, { resourceType: 'Organization', meta, name: 'Region Nordjylland' });
    await create(t, { resourceType: 'Practitioner', meta });
    expect((await ids(t, undefined, `_type=Patient,Organization&${tag.query}`)).sort()).toEqual([patient, org].sort());
    const counted = await search(t, undefined, `_type=Patient,Organization,Practitioner&${tag.query}&_summary=count`);
    expect(counted.matches).toEqual([]);
    expect(counted.total).toBe(3);
  });
});
