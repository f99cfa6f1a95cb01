import { createTestApp, type TestApp } from '../../support/app';

const JSON_HEADERS = { 'content-type': 'application/fhir+json' };
const NPU = 'urn:oid:1.2.208.176.2.1';

/** Observation/$lastn: the latest N per patient and code (https://hl7.org/fhir/R4/observation-operation-lastn.html). */
describe('Observation/$lastn', () => {
  let t: TestApp;
  let patient: string;
  let other: string;
  beforeAll(async () => {
    t = await createTestApp();
    const post = async (r: Record<string, unknown>) => (await t.app.inject({ method: 'POST', url: `/fhir/${r.resourceType}`, headers: JSON_HEADERS, payload: r })).json().id as string;
    patient = await post({ resourceType: 'Patient' });
    other = await post({ resourceType: 'Patient' });
    const obs = (subject: string, code: string, day: number, value: number) =>
      post({
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: NPU, code }] },
        subject: { reference: `Patient/${subject}` },
        effectiveDateTime: `2026-05-${String(day).padStart(2, '0')}T08:00:00Z`,
        valueQuantity: { value },
      });
    // out of order on purpose: the result must be ordered by effective time, not by insertion
    for (const day of [3, 1, 5, 2, 4]) await obs(patient, 'NPU03011', day, 90 + day);
    for (const day of [2, 1]) await obs(patient, 'NPU21692', day, 60 + day);
    await obs(other, 'NPU03011', 9, 80);
  });
  afterAll(() => t.close());

  const lastn = (query: string) => t.app.inject({ method: 'GET', url: `/fhir/Observation/$lastn?${query}` });
  const summary = (bundle: { entry: Array<{ resource: { code: { coding: Array<{ code: string }> }; effectiveDateTime: string } }> }) =>
    bundle.entry.map((e) => `${e.resource.code.coding[0].code}@${e.resource.effectiveDateTime.slice(8, 10)}`);

  it('returns the 3 latest per code, newest first within each code', async () => {
    const res = await lastn(`patient=Patient/${patient}&max=3`);
    expect(res.statusCode).toBe(200);
    expect(summary(res.json())).toEqual(['NPU03011@05', 'NPU03011@04', 'NPU03011@03', 'NPU21692@02', 'NPU21692@01']);
  });

  it('defaults to the latest one per code and takes other search parameters as filters', async () => {
    expect(summary((await lastn(`patient=${patient}`)).json())).toEqual(['NPU03011@05', 'NPU21692@02']);
    expect(summary((await lastn(`patient=${patient}&code=${NPU}|NPU21692&max=5`)).json())).toEqual(['NPU21692@02', 'NPU21692@01']);
    expect(summary((await lastn(`patient=${patient}&date=le2026-05-02&max=1`)).json())).toEqual(['NPU03011@02', 'NPU21692@02']);
  });

  it('refuses a request without a patient, a bad max, and other types', async () => {
    expect((await lastn('code=x')).statusCode).toBe(400);
    expect((await lastn(`patient=${patient}&max=0`)).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: `/fhir/Condition/$lastn?patient=${patient}` })).statusCode).toBe(404);
  });

  it('is listed in the CapabilityStatement for Observation', async () => {
    const cs = (await t.app.inject({ method: 'GET', url: '/fhir/metadata' })).json();
    const obs = cs.rest[0].resource.find((r: { type: string }) => r.type === 'Observation');
    expect(obs.operation).toContainEqual({ name: 'lastn', definition: 'http://hl7.org/fhir/OperationDefinition/Observation-lastn' });
    expect(other).toBeDefined();
  });
});
