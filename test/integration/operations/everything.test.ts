import { createTestApp, TEST_BASE_URL, type TestApp } from '../../support/app';

const JSON_HEADERS = { 'content-type': 'application/fhir+json' };

/** Patient/$everything (https://hl7.org/fhir/R4/patient-operation-everything.html). */
describe('Patient/$everything', () => {
  let t: TestApp;
  let patient: string;
  let otherPatient: string;
  let since: string;
  const post = async (r: Record<string, unknown>) => (await t.app.inject({ method: 'POST', url: `/fhir/${r.resourceType}`, headers: JSON_HEADERS, payload: r })).json().id as string;
  beforeAll(async () => {
    t = await createTestApp();
    patient = await post({ resourceType: 'Patient' });
    otherPatient = await post({ resourceType: 'Patient' });
    const subject = { reference: `Patient/${patient}` };
    await post({ resourceType: 'EpisodeOfCare', status: 'active', patient: subject });
    await post({ resourceType: 'Condition', subject, code: { text: 'KOL' } });
    for (let i = 0; i < 5; i++) await post({ resourceType: 'Observation', status: 'final', code: { text: `m${i}` }, subject });
    since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await post({ resourceType: 'Task', status: 'requested', intent: 'order', for: subject });
    await post({ resourceType: 'Observation', status: 'final', code: { text: 'other' }, subject: { reference: `Patient/${otherPatient}` } });
  });
  afterAll(() => t.close());

  const types = (bundle: { entry: Array<{ resource: { resourceType: string } }> }) => bundle.entry.map((e) => e.resource.resourceType).sort();

  it("returns the patient and everything in its compartment, and nothing of another patient's", async () => {
    const res = await t.app.inject({ method: 'GET', url: `/fhir/Patient/${patient}/$everything?_count=100` });
    expect(res.statusCode).toBe(200);
    expect(types(res.json())).toEqual(['Condition', 'EpisodeOfCare', 'Observation', 'Observation', 'Observation', 'Observation', 'Observation', 'Patient', 'Task']);
  });

  it('pages with next links that point back at $everything', async () => {
    const first = (await t.app.inject({ method: 'GET', url: `/fhir/Patient/${patient}/$everything?_count=4` })).json();
    expect(first.entry).toHaveLength(4);
    const next = first.link.find((l: { relation: string }) => l.relation === 'next').url as string;
    expect(next.startsWith(`${TEST_BASE_URL}/Patient/${patient}/$everything?`)).toBe(true);
    const seen = new Set(first.entry.map((e: { resource: { id: string } }) => e.resource.id));
    let url: string | undefined = next;
    while (url) {
      const page: { entry: Array<{ resource: { id: string } }>; link: Array<{ relation: string; url: string }> } = (await t.app.inject({ method: "GET", url: url.replace("http://kolibri.test", "") })).json();
      for (const e of page.entry) seen.add(e.resource.id);
      url = page.link.find((l: { relation: string }) => l.relation === 'next')?.url;
    }
    expect(seen.size).toBe(9);
  });

  it('narrows by _type and _since, and answers 404 for an unknown patient', async () => {
    expect(types((await t.app.inject({ method: 'GET', url: `/fhir/Patient/${patient}/$everything?_type=Condition,Task` })).json())).toEqual(['Condition', 'Task']);
    expect(types((await t.app.inject({ method: 'GET', url: `/fhir/Patient/${patient}/$everything?_since=${encodeURIComponent(since)}` })).json())).toEqual(['Task']);
    expect((await t.app.inject({ method: 'GET', url: '/fhir/Patient/no-such-patient/$everything' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/fhir/Patient/${patient}/$everything?_type=Practitioner` })).statusCode).toBe(400);
  });
});
