import type { CodeSystem, ValueSet } from '@medplum/fhirtypes';
import { readR4Core } from '../../../src/fhir/definitions/r4-core';
import { createTestApp, testRegistry, type TestApp } from '../../support/app';

/** Every R4 base ValueSet and CodeSystem and every held StructureDefinition through the operations: an answer or a 422, never a 5xx. */
describe('terminology operations over every held definition', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const sweep = async (urls: string[]) => {
    const seen = new Map<number, number>();
    const failures: string[] = [];
    for (const url of urls) {
      const res = await t.app.inject({ method: 'GET', url });
      seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
      if (![200, 422].includes(res.statusCode)) failures.push(`${res.statusCode} ${url}`);
    }
    return { seen, failures };
  };

  it('expands every R4 base ValueSet or says it cannot (422)', async () => {
    const urls = (readR4Core(['ValueSet']) as ValueSet[]).map((vs) => `/fhir/ValueSet/$expand?count=5&url=${encodeURIComponent(vs.url as string)}`);
    const { seen, failures } = await sweep(urls);
    expect(failures).toEqual([]);
    expect(seen.get(200)).toBeGreaterThan(100);
  }, 120_000);

  it('looks up the first code of every R4 base CodeSystem that lists concepts', async () => {
    const urls = (readR4Core(['CodeSystem']) as CodeSystem[])
      .filter((cs) => cs.concept?.[0]?.code && cs.content !== 'supplement')
      .map((cs) => `/fhir/CodeSystem/$lookup?system=${encodeURIComponent(cs.url as string)}&code=${encodeURIComponent(cs.concept?.[0].code as string)}`);
    const { seen, failures } = await sweep(urls);
    expect(failures).toEqual([]);
    expect(seen.get(200)).toBeGreaterThan(100);
  }, 120_000);

  it('generates the snapshot of every held profile', async () => {
    const urls = [...testRegistry().structureDefinitions()]
      .filter((sd) => sd.derivation === 'constraint')
      .map((sd) => `/fhir/StructureDefinition/$snapshot?url=${encodeURIComponent(sd.url as string)}`);
    const { seen, failures } = await sweep(urls);
    expect(failures).toEqual([]);
    expect(seen.get(200)).toBeGreaterThan(20);
  }, 120_000);
});
