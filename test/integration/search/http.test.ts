import { nonCprUuid } from '../../support/ids';
import { createTestApp, TEST_BASE_URL, type TestApp } from '../../support/app';

const JSON_HEADERS = { 'content-type': 'application/fhir+json' };
const NPU = 'urn:oid:1.2.208.176.2.1';
const CPR = 'urn:oid:1.2.208.176.1.2';

describe('search over HTTP (https://hl7.org/fhir/R4/http.html#search)', () => {
  let t: TestApp;
  let patientId: string;
  const cpr = String(Date.now()).slice(-10);
  const family = `Hjortø-${nonCprUuid().slice(0, 8)}`;

  const post = async (resource: Record<string, unknown>) => {
    const res = await t.app.inject({ method: 'POST', url: `/fhir/${resource.resourceType}`, headers: JSON_HEADERS, payload: resource });
    expect(res.statusCode).toBe(201);
    return res.json();
  };
  const spo2 = (value: number, day: number) => ({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: NPU, code: 'NPU03011' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: `2026-05-${String(day).padStart(2, '0')}T08:00:00Z`,
    valueQuantity: { value, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  });

  beforeAll(async () => {
    t = await createTestApp();
    patientId = (await post({ resourceType: 'Patient', identifier: [{ system: CPR, value: cpr }], name: [{ family, given: ['Jørgen'] }] })).id;
    for (let day = 1; day <= 5; day++) await post(spo2(90 + day, day));
  });
  afterAll(() => t.close());

  const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

  it('finds a patient by CPR identifier and by folded name', async () => {
    const byCpr = (await get(`/fhir/Patient?identifier=${encodeURIComponent(`${CPR}|${cpr}`)}`)).json();
    expect(byCpr.type).toBe('searchset');
    expect(byCpr.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([patientId]);
    expect(byCpr.entry[0].search.mode).toBe('match');
    expect(byCpr.entry[0].fullUrl).toBe(`${TEST_BASE_URL}/Patient/${patientId}`);
    const byName = (await get(`/fhir/Patient?name=${encodeURIComponent(family.toUpperCase())}`)).json();
    expect(byName.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([patientId]);
  });

  it('sorts, pages with next/previous links and counts', async () => {
    const url = `/fhir/Observation?subject=Patient/${patientId}&code=${encodeURIComponent(`${NPU}|NPU03011`)}&_sort=-date&_count=2&_total=accurate`;
    const first = (await get(url)).json();
    expect(first.total).toBe(5);
    expect(first.entry.map((e: { resource: { valueQuantity: { value: number } } }) => e.resource.valueQuantity.value)).toEqual([95, 94]);
    const next = first.link.find((l: { relation: string }) => l.relation === 'next').url as string;
    expect(next.startsWith(`${TEST_BASE_URL}/Observation?`)).toBe(true);
    const second = (await get(next.replace('http://kolibri.test', ''))).json();
    expect(second.entry.map((e: { resource: { valueQuantity: { value: number } } }) => e.resource.valueQuantity.value)).toEqual([93, 92]);
    const prev = second.link.find((l: { relation: string }) => l.relation === 'previous').url as string;
    const back = (await get(prev.replace('http://kolibri.test', ''))).json();
    expect(back.entry.map((e: { resource: { valueQuantity: { value: number } } }) => e.resource.valueQuantity.value)).toEqual([95, 94]);
  });

  it('POST _search takes a form body with repeated parameters, merged with the query', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/fhir/Observation/_search?subject=Patient/${patientId}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'date=ge2026-05-02&date=le2026-05-03&_sort=date',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().entry.map((e: { resource: { effectiveDateTime: string } }) => e.resource.effectiveDateTime.slice(0, 10))).toEqual([
      '2026-05-02',
      '2026-05-03',
    ]);
  });

  it('includes the subject with search.mode include', async () => {
    const res = (await get(`/fhir/Observation?subject=Patient/${patientId}&value-quantity=lt92&_include=Observation:subject`)).json();
    const modes = res.entry.map((e: { search: { mode: string }; resource: { resourceType: string } }) => `${e.search.mode}:${e.resource.resourceType}`);
    expect(modes).toEqual(['match:Observation', 'include:Patient']);
  });

  it('searches a Patient compartment and across types with _type', async () => {
    const compartment = (await get(`/fhir/Patient/${patientId}/Observation?_count=100`)).json();
    expect(compartment.entry).toHaveLength(5);
    expect(compartment.link[0].url).toBe(`${TEST_BASE_URL}/Patient/${patientId}/Observation?_count=100`);
    const system = (await get(`/fhir?_type=Patient&_id=${patientId}`)).json();
    expect(system.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([patientId]);
  });

  it('reports an unknown parameter in an outcome entry, or refuses it with Prefer: handling=strict', async () => {
    const lenient = (await get(`/fhir/Patient?_id=${patientId}&shoe-size=42`)).json();
    const outcome = lenient.entry.find((e: { search: { mode: string } }) => e.search.mode === 'outcome');
    expect(outcome.resource.resourceType).toBe('OperationOutcome');
    expect(outcome.resource.issue[0].expression).toEqual(['shoe-size']);
    const strict = await get(`/fhir/Patient?_id=${patientId}&shoe-size=42`, { prefer: 'handling=strict' });
    expect(strict.statusCode).toBe(400);
    expect(strict.json().issue[0].expression).toEqual(['shoe-size']);
  });

  it('answers 400 naming the parameter for a malformed value', async () => {
    const res = await get('/fhir/Observation?date=2026-13-45');
    expect(res.statusCode).toBe(400);
    expect(res.json().issue[0].expression).toEqual(['date']);
  });

  it('_summary=count returns only the total; _elements trims and tags SUBSETTED', async () => {
    const count = (await get(`/fhir/Observation?subject=Patient/${patientId}&_summary=count`)).json();
    expect(count.total).toBe(5);
    expect(count.entry ?? []).toHaveLength(0);
    const trimmed = (await get(`/fhir/Patient?_id=${patientId}&_elements=identifier`)).json();
    const p = trimmed.entry[0].resource;
    expect(p.identifier[0].value).toBe(cpr);
    expect(p.name).toBeUndefined();
    expect(p.meta.tag).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'SUBSETTED' })]));
    const summary = (await get(`/fhir/Observation?subject=Patient/${patientId}&_summary=true&_count=1`)).json();
    expect(summary.entry[0].resource.valueQuantity).toBeDefined(); // value[x] is a summary element
  });

  it('lists in the CapabilityStatement the search parameters that work', async () => {
    const cs = (await get('/fhir/metadata')).json();
    const obs = cs.rest[0].resource.find((r: { type: string }) => r.type === 'Observation');
    const names = obs.searchParam.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['code', 'date', 'subject', 'patient', 'value-quantity', 'code-value-quantity', '_id', '_lastUpdated']));
    expect(names).not.toContain('_text');
    expect(obs.interaction.map((i: { code: string }) => i.code)).toContain('search-type');
    expect(cs.rest[0].interaction.map((i: { code: string }) => i.code)).toContain('search-system');
  });
});
