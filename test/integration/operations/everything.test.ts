import { createTestApp, TEST_BASE_URL, type TestApp } from '../../support/app';

const JSON_HEADERS = { 'content-type': 'application/fhir+json' };

/** Patient/$everything (https://hl7.org/fhir/R4/patient-operation-everything.html). */
describe('Patient/$everything', () => {
  let t: TestApp;
  let patient: string;
  let otherPatient: string;
  let since: string;
  let organization: string;
  let practitioner: string;
  let medication: string;
  const post = async (r: Record<string, unknown>) => (await t.app.inject({ method: 'POST', url: `/fhir/${r.resourceType}`, headers: JSON_HEADERS, payload: r })).json().id as string;
  beforeAll(async () => {
    t = await createTestApp();
    patient = await post({ resourceType: 'Patient' });
    otherPatient = await post({ resourceType: 'Patient' });
    const subject = { reference: `Patient/${patient}` };
    organization = await post({ resourceType: 'Organization', name: 'Aalborg Kommune' });
    practitioner = await post({ resourceType: 'Practitioner', name: [{ family: 'Lund' }] });
    medication = await post({ resourceType: 'Medication', code: { text: 'Spiolto' } });
    await post({ resourceType: 'EpisodeOfCare', status: 'active', patient: subject, managingOrganization: { reference: `Organization/${organization}` } });
    await post({ resourceType: 'Condition', subject, code: { text: 'KOL' } });
    await post({ resourceType: 'MedicationStatement', status: 'active', subject, medicationReference: { reference: `Medication/${medication}` } });
    const performer = [{ reference: `Practitioner/${practitioner}` }];
    for (let i = 0; i < 4; i++) await post({ resourceType: 'Observation', status: 'final', code: { text: `m${i}` }, subject, performer });
    since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await post({ resourceType: 'Task', status: 'requested', intent: 'order', for: subject });
    await post({ resourceType: 'Observation', status: 'final', code: { text: 'other' }, subject: { reference: `Patient/${otherPatient}` } });
  });
  afterAll(() => t.close());

  type Entry = { search: { mode: string }; resource: { resourceType: string; id: string } };
  /** The page without its `include` entries (referenced practitioners, organizations…). */
  const matches = (bundle: { entry: Entry[] }) => ({ entry: bundle.entry.filter((e) => e.search.mode === 'match') });
  const types = (bundle: { entry: Array<{ resource: { resourceType: string } }> }) => bundle.entry.map((e) => e.resource.resourceType).sort();

  it("returns the patient and everything in its compartment, and nothing of another patient's", async () => {
    const res = await t.app.inject({ method: 'GET', url: `/fhir/Patient/${patient}/$everything?_count=100` });
    expect(res.statusCode).toBe(200);
    expect(types(matches(res.json()))).toEqual(['Condition', 'EpisodeOfCare', 'MedicationStatement', 'Observation', 'Observation', 'Observation', 'Observation', 'Patient', 'Task']);
  });

  it('includes the practitioners, organizations and medications those resources reference, once each', async () => {
    const bundle = (await t.app.inject({ method: 'GET', url: `/fhir/Patient/${patient}/$everything?_count=100` })).json();
    const included = bundle.entry.filter((e: { search: { mode: string } }) => e.search.mode === 'include').map((e: { resource: { resourceType: string; id: string } }) => `${e.resource.resourceType}/${e.resource.id}`);
    expect(included.sort()).toEqual([`Medication/${medication}`, `Organization/${organization}`, `Practitioner/${practitioner}`].sort());
  });

  it('pages with next links that point back at $everything', async () => {
    const first = (await t.app.inject({ method: 'GET', url: `/fhir/Patient/${patient}/$everything?_count=4` })).json();
    expect(matches(first).entry).toHaveLength(4);
    const next = first.link.find((l: { relation: string }) => l.relation === 'next').url as string;
    expect(next.startsWith(`${TEST_BASE_URL}/Patient/${patient}/$everything?`)).toBe(true);
    const seen = new Set(matches(first).entry.map((e) => e.resource.id));
    let url: string | undefined = next;
    while (url) {
      const page: { entry: Entry[]; link: Array<{ relation: string; url: string }> } = (await t.app.inject({ method: "GET", url: url.replace("http://kolibri.test", "") })).json();
      for (const e of matches(page).entry) seen.add(e.resource.id);
      url = page.link.find((l: { relation: string }) => l.relation === 'next')?.url;
    }
    expect(seen.size).toBe(9);
  });

  it('narrows by _type and _since, and answers 404 for an unknown patient', async () => {
    expect(types(matches((await t.app.inject({ method: 'GET', url: `/fhir/Patient/${patient}/$everything?_type=Condition,Task` })).json()))).toEqual(['Condition', 'Task']);
    expect(types(matches((await t.app.inject({ method: 'GET', url: `/fhir/Patient/${patient}/$everything?_since=${encodeURIComponent(since)}` })).json()))).toEqual(['Task']);
    expect((await t.app.inject({ method: 'GET', url: '/fhir/Patient/no-such-patient/$everything' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/fhir/Patient/${patient}/$everything?_type=Practitioner` })).statusCode).toBe(400);
  });
});
