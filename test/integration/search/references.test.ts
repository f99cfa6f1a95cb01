import { createIndexWriter } from '../../../src/store/search-index';
import { createTestApp, testRegistry, TEST_BASE_URL, type TestApp } from '../../support/app';
import { create, ids, search, uniqueTag } from './search-helpers';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ indexWriter: createIndexWriter(testRegistry(), { baseUrl: TEST_BASE_URL }) });
});
afterAll(() => t.close());

async function fixture() {
  const tag = uniqueTag();
  const meta = { tag: [{ system: tag.system, code: tag.code }] };
  const cpr = String(Math.floor(Math.random() * 1e10)).padStart(10, '0');
  const org = await create(t, { resourceType: 'Organization', meta, name: 'Aalborg Kommune' });
  const patient = await create(t, {
    resourceType: 'Patient',
    meta,
    name: [{ family: 'Østergaard' }],
    identifier: [{ system: 'urn:oid:1.2.208.176.1.2', value: cpr }],
    managingOrganization: { reference: `Organization/${org}` },
  });
  const other = await create(t, { resourceType: 'Patient', meta, name: [{ family: 'Hansen' }] });
  const obs = (subject: string, code: string, extra: Record<string, unknown> = {}) =>
    create(t, {
      resourceType: 'Observation',
      meta,
      status: 'final',
      code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code }] },
      subject: { reference: subject },
      ...extra,
    });
  const spo2 = await obs(`Patient/${patient}`, 'NPU03011', { valueQuantity: { value: 87, system: 'http://unitsofmeasure.org', code: '%' } });
  const pulse = await obs(`${TEST_BASE_URL}/Patient/${patient}`, 'NPU21692');
  const others = await obs(`Patient/${other}`, 'NPU03011');
  return { tag, cpr, org, patient, other, spo2, pulse, others };
}

describe('reference search', () => {
  it('matches Type/id, a bare id, our absolute URL, :Type and :identifier', async () => {
    const f = await fixture();
    const q = async (s: string) => (await ids(t, 'Observation', `${f.tag.query}&${s}`)).sort();
    const both = [f.spo2, f.pulse].sort();
    expect(await q(`subject=Patient/${f.patient}`)).toEqual(both);
    expect(await q(`subject=${f.patient}`)).toEqual(both);
    expect(await q(`subject:Patient=${f.patient}`)).toEqual(both);
    expect(await q(`patient=${TEST_BASE_URL}/Patient/${f.patient}`)).toEqual(both);
    expect(await q(`subject=Patient/${f.patient}&code=urn:oid:1.2.208.176.2.1|NPU03011`)).toEqual([f.spo2]);
    const cond = await create(t, { resourceType: 'Condition', meta: { tag: [{ system: f.tag.system, code: f.tag.code }] }, subject: { identifier: { system: 'urn:oid:1.2.208.176.1.2', value: f.cpr } } });
    expect(await ids(t, 'Condition', `${f.tag.query}&subject:identifier=urn:oid:1.2.208.176.1.2|${f.cpr}`)).toEqual([cond]);
  });

  it('chains up to three links and reverse-chains with _has', async () => {
    const f = await fixture();
    const q = async (s: string) => (await ids(t, 'Observation', `${f.tag.query}&${s}`)).sort();
    expect(await q(`subject:Patient.identifier=urn:oid:1.2.208.176.1.2|${f.cpr}`)).toEqual([f.spo2, f.pulse].sort());
    expect(await q('subject.name=ostergaard')).toEqual([f.spo2, f.pulse].sort());
    expect(await q('subject:Patient.organization.name=aalborg')).toEqual([f.spo2, f.pulse].sort());
    expect(await ids(t, 'Patient', `${f.tag.query}&_has:Observation:subject:code=NPU21692`)).toEqual([f.patient]);
    expect((await ids(t, 'Patient', `${f.tag.query}&_has:Observation:subject:code=NPU03011`)).sort()).toEqual([f.patient, f.other].sort());
    await expect(ids(t, 'Observation', `${f.tag.query}&subject.organization.partof.partof.name=x`)).rejects.toMatchObject({ status: 400 });
  });

  it('includes referenced and referring resources, each once, with :iterate', async () => {
    const f = await fixture();
    const inc = await search(t, 'Observation', `${f.tag.query}&_include=Observation:subject&_include:iterate=Patient:organization`);
    expect(inc.matches).toHaveLength(3);
    expect(inc.included.map((r) => `${r.resourceType}/${r.id}`).sort()).toEqual(
      [`Patient/${f.patient}`, `Patient/${f.other}`, `Organization/${f.org}`].sort(),
    );
    const rev = await search(t, 'Patient', `${f.tag.query}&_id=${f.patient}&_revinclude=Observation:subject`);
    expect(rev.matches.map((m) => m.id)).toEqual([f.patient]);
    expect(rev.included.map((r) => r.id).sort()).toEqual([f.spo2, f.pulse].sort());
  });

  it('searches composites on one element and Patient compartments', async () => {
    const f = await fixture();
    const q = async (s: string) => (await ids(t, 'Observation', `${f.tag.query}&${s}`)).sort();
    expect(await q('code-value-quantity=urn:oid:1.2.208.176.2.1|NPU03011$lt88')).toEqual([f.spo2]);
    expect(await q('code-value-quantity=urn:oid:1.2.208.176.2.1|NPU21692$lt88')).toEqual([]);
    const inCompartment = await search(t, 'Observation', f.tag.query, { compartment: { type: 'Patient', id: f.patient } });
    expect(inCompartment.matches.map((m) => m.id).sort()).toEqual([f.spo2, f.pulse].sort());
  });

  it('applies the access filter to matches, chains, includes and counts', async () => {
    const f = await fixture();
    // a caller who may see only the other patient's compartment
    const accessFilter = (a: string, bind: (v: unknown, cast?: string) => string) =>
      `EXISTS (SELECT 1 FROM resource_compartment c WHERE c.rid = ${a}.rid AND c.compartment_type = 'Patient' AND c.compartment_id = ${bind(f.other)})`;
    expect(await ids(t, 'Observation', f.tag.query, { accessFilter })).toEqual([f.others]);
    expect(await ids(t, 'Observation', `${f.tag.query}&subject.name=ostergaard`, { accessFilter })).toEqual([]);
    const inc = await search(t, 'Observation', `${f.tag.query}&_include=Observation:subject&_total=accurate`, { accessFilter });
    expect(inc.total).toBe(1);
    expect(inc.included.map((r) => r.id)).toEqual([f.other]);
  });
});
