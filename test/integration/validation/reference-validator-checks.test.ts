import { nonCprUuid } from '../../support/ids';
import { createTestApp, type TestApp } from '../../support/app';

const JSON_HEADERS = { 'content-type': 'application/fhir+json' };
const NS = 'xmlns="http://www.w3.org/1999/xhtml"';

/** What $validate reports like the HL7 reference validator, and which of it a write enforces. */
describe('$validate and writes: the reference validator checks', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const post = (url: string, payload: unknown, method: 'POST' | 'PUT' | 'PATCH' = 'POST', headers: Record<string, string> = JSON_HEADERS) =>
    t.app.inject({ method, url, headers, payload: JSON.stringify(payload) });
  const errorsOf = (body: { issue: { severity: string; diagnostics: string }[] }) => body.issue.filter((i) => i.severity === 'error').map((i) => i.diagnostics);

  it('a narrative with a script is refused on create (422, nothing stored) and reported by $validate', async () => {
    const family = `Narrative-${nonCprUuid()}`;
    const patient = { resourceType: 'Patient', name: [{ family }], text: { status: 'generated', div: `<div ${NS}><p>x</p><script>alert(1)</script></div>` } };
    const created = await post('/fhir/Patient', patient);
    expect(created.statusCode).toBe(422);
    expect(created.json().issue[0].diagnostics).toContain("Illegal element name in the XHTML ('script')");
    const found = await t.app.inject({ method: 'GET', url: `/fhir/Patient?family=${family}&_total=accurate` });
    expect(found.json().total).toBe(0);
    const validated = await post('/fhir/Patient/$validate', patient);
    expect(validated.statusCode).toBe(200);
    expect(errorsOf(validated.json())).toHaveLength(1);
  });

  it('markup in a string is an error in $validate but stored on create', async () => {
    const patient = { resourceType: 'Patient', name: [{ family: 'Hansen<b onmouseover="x()">' }] };
    expect(errorsOf((await post('/fhir/Patient/$validate', patient)).json()).join()).toContain('looks like embedded HTML tags');
    expect((await post('/fhir/Patient', patient)).statusCode).toBe(201);
  });

  it('$validate of a Parameters-wrapped resource resolves #id in its own contained', async () => {
    const obs = { resourceType: 'Observation', status: 'final', code: { text: 'x' }, contained: [{ resourceType: 'Patient', id: 'p' }], subject: { reference: '#p' } };
    const res = await post('/fhir/Observation/$validate', { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: obs }] });
    expect(errorsOf(res.json())).toEqual([]);
  });

  it('$validate reports a QuestionnaireResponse whose questionnaire cannot be resolved; a create stores it unchecked', async () => {
    const qr = { resourceType: 'QuestionnaireResponse', status: 'completed', questionnaire: `https://elsewhere.example/Questionnaire/${nonCprUuid()}` };
    expect(errorsOf((await post('/fhir/QuestionnaireResponse/$validate', qr)).json()).join()).toMatch(/could not be resolved/);
    expect((await post('/fhir/QuestionnaireResponse', qr)).statusCode).toBe(201);
  });

  it('$validate reports DocumentReference attachment URLs that resolve to nothing', async () => {
    const binary = await post('/fhir/Binary', { resourceType: 'Binary', contentType: 'text/plain', data: 'aGVsbG8=' });
    expect(binary.statusCode).toBe(201);
    const doc = (url: string) => ({ resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { contentType: 'text/plain', url } }] });
    for (const ok of [`Binary/${binary.json().id}`, `http://kolibri.test/fhir/Binary/${binary.json().id}`, 'https://elsewhere.example/doc.pdf']) {
      expect([ok, errorsOf((await post('/fhir/DocumentReference/$validate', doc(ok))).json())]).toEqual([ok, []]);
    }
    for (const bad of [`Binary/${nonCprUuid()}`, 'urn:uuid:8b2f3a3e-0d7c-4f57-9a54-6a0a7a3c1f10', '#nothing']) {
      expect(errorsOf((await post('/fhir/DocumentReference/$validate', doc(bad))).json())).toEqual([`DocumentReference.content[0].attachment.url: URL value '${bad}' does not resolve`]);
    }
  });

  it('$validate of a Bundle resolves DocumentReference attachment URLs against its entries', async () => {
    const binaryUrl = `urn:uuid:${nonCprUuid()}`;
    const bundle = (url: string) => ({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: `urn:uuid:${nonCprUuid()}`, resource: { resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { contentType: 'text/plain', url } }] } },
        { fullUrl: binaryUrl, resource: { resourceType: 'Binary', contentType: 'text/plain', data: 'aGVsbG8=' } },
      ],
    });
    expect(errorsOf((await post('/fhir/Bundle/$validate', bundle(binaryUrl))).json())).toEqual([]);
    const other = `urn:uuid:${nonCprUuid()}`;
    expect(errorsOf((await post('/fhir/Bundle/$validate', bundle(other))).json())).toEqual([`Bundle.entry[0].resource.content[0].attachment.url: URL value '${other}' does not resolve`]);
  });

  it('an attachment size that disagrees with its data is refused on create', async () => {
    const media = { resourceType: 'Media', status: 'completed', content: { contentType: 'text/plain', data: 'aGVsbG8=', size: 99 } };
    const res = await post('/fhir/Media', media);
    expect(res.statusCode).toBe(422);
    expect(res.json().issue[0].diagnostics).toContain('Stated Attachment Size 99 does not match actual attachment size 5');
  });

  it('a Questionnaire whose enableWhen names an unknown item is refused on create', async () => {
    const res = await post('/fhir/Questionnaire', {
      resourceType: 'Questionnaire',
      status: 'active',
      item: [{ linkId: 'a', type: 'integer', text: 'A', enableWhen: [{ question: 'missing', operator: 'exists', answerBoolean: true }] }],
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().issue[0].diagnostics).toContain("Unable to find an item with the linkId 'missing'");
  });

  it('a PATCH that makes a QuestionnaireResponse contradict its Questionnaire is refused, the stored version unchanged', async () => {
    const url = `https://kolibri.dk/fhir/Questionnaire/patch-${nonCprUuid()}`;
    const q = await post('/fhir/Questionnaire', { resourceType: 'Questionnaire', url, status: 'active', item: [{ linkId: 'breathless', text: 'More breathless?', type: 'boolean' }] });
    expect(q.statusCode).toBe(201);
    const qr = await post('/fhir/QuestionnaireResponse', { resourceType: 'QuestionnaireResponse', status: 'completed', questionnaire: url, item: [{ linkId: 'breathless', answer: [{ valueBoolean: true }] }] });
    expect(qr.statusCode).toBe(201);
    const id = qr.json().id;
    const patched = await post(`/fhir/QuestionnaireResponse/${id}`, [{ op: 'replace', path: '/item/0/answer/0', value: { valueString: 'very' } }], 'PATCH', {
      'content-type': 'application/json-patch+json',
    });
    expect(patched.statusCode).toBe(422);
    const read = await t.app.inject({ method: 'GET', url: `/fhir/QuestionnaireResponse/${id}` });
    expect(read.json().meta.versionId).toBe('1');
  });
});
