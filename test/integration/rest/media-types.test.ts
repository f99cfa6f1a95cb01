import { createTestApp, type TestApp } from '../../support/app';

/**
 * Every FHIR JSON form is accepted alike in Content-Type, Accept and `_format`; XML answers 415
 * (a body) or 406 (a response format) with an OperationOutcome that says so.
 * https://hl7.org/fhir/R4/http.html#mime-type
 */
const FHIR_JSON_FORMS = [
  'application/fhir+json',
  'application/json+fhir',
  'application/json',
  'application/fhir+json; fhirVersion=4.0',
  'application/json+fhir; fhirVersion=4.0; charset=utf-8',
  'application/json; charset=utf-8',
];
const FORMAT_FORMS = ['json', ...FHIR_JSON_FORMS];
const XML_FORMS = ['application/fhir+xml', 'application/xml+fhir', 'application/xml', 'text/xml'];

describe('FHIR JSON media types', () => {
  let t: TestApp;
  let patientId: string;
  beforeAll(async () => {
    t = await createTestApp();
    const res = await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: { 'content-type': 'application/fhir+json' }, payload: { resourceType: 'Patient' } });
    patientId = res.json().id;
  });
  afterAll(() => t.close());

  const expectOutcome = (res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number, text: RegExp) => {
    expect(res.statusCode).toBe(status);
    expect(String(res.headers['content-type'])).toMatch(/^application\/fhir\+json/);
    const outcome = res.json() as { resourceType: string; issue: Array<{ diagnostics: string }> };
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0].diagnostics).toMatch(text);
  };

  describe.each(FHIR_JSON_FORMS)('Content-Type: %s', (contentType) => {
    const headers = { 'content-type': contentType };
    it('creates, updates and patches', async () => {
      const created = await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers, payload: JSON.stringify({ resourceType: 'Patient', gender: 'female' }) });
      expect(created.statusCode).toBe(201);
      const id = created.json().id;
      const updated = await t.app.inject({ method: 'PUT', url: `/fhir/Patient/${id}`, headers, payload: JSON.stringify({ resourceType: 'Patient', id, gender: 'male' }) });
      expect(updated.statusCode).toBe(200);
      const patch = { resourceType: 'Parameters', parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'add' }, { name: 'path', valueString: 'Patient' }, { name: 'name', valueString: 'active' }, { name: 'value', valueBoolean: true }] }] };
      const patched = await t.app.inject({ method: 'PATCH', url: `/fhir/Patient/${id}`, headers, payload: JSON.stringify(patch) });
      expect(patched.statusCode).toBe(200);
      expect(patched.json().active).toBe(true);
    });

    it('posts a transaction', async () => {
      const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'GET', url: `Patient/${patientId}` } }] };
      const res = await t.app.inject({ method: 'POST', url: '/fhir', headers, payload: JSON.stringify(bundle) });
      expect(res.statusCode).toBe(200);
      expect(res.json().type).toBe('transaction-response');
    });
  });

  it.each([...XML_FORMS, 'application/fhir+xml; fhirVersion=4.0'])('Content-Type: %s → 415 saying XML is not supported', async (contentType) => {
    const res = await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: { 'content-type': contentType }, payload: '<Patient xmlns="http://hl7.org/fhir"/>' });
    expectOutcome(res, 415, /XML is not supported/);
  });

  it.each(['application/fhir+json; fhirVersion=3.0', 'application/json+fhir; fhirVersion=1.0'])('Content-Type: %s (another release) → 415', async (contentType) => {
    const res = await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: { 'content-type': contentType }, payload: JSON.stringify({ resourceType: 'Patient' }) });
    expectOutcome(res, 415, /FHIR R4/);
  });

  it.each(FHIR_JSON_FORMS)('Accept: %s → FHIR JSON', async (accept) => {
    const res = await t.app.inject({ method: 'GET', url: `/fhir/Patient/${patientId}`, headers: { accept } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
  });

  it.each(XML_FORMS)('Accept: %s → 406 saying XML is not supported', async (accept) => {
    expectOutcome(await t.app.inject({ method: 'GET', url: `/fhir/Patient/${patientId}`, headers: { accept } }), 406, /XML is not supported/);
  });

  describe.each(FORMAT_FORMS)('_format=%s', (format) => {
    it.each([
      ['encoded', encodeURIComponent(format)],
      // `+` unencoded, as clients often write it: it arrives as a space
      ['as written', format.replace(/ /g, '')],
    ])('%s → FHIR JSON on read, search, metadata and $rollout-report', async (_how, query) => {
      for (const url of [`/fhir/Patient/${patientId}`, `/fhir/Patient?_id=${patientId}`, '/fhir/metadata', '/fhir/$rollout-report']) {
        const res = await t.app.inject({ method: 'GET', url: `${url}${url.includes('?') ? '&' : '?'}_format=${query}` });
        expect({ url, status: res.statusCode }).toEqual({ url, status: 200 });
        expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
      }
    });
  });

  it.each(['xml', ...XML_FORMS])('_format=%s → 406 saying XML is not supported', async (format) => {
    expectOutcome(await t.app.inject({ method: 'GET', url: `/fhir/Patient/${patientId}?_format=${encodeURIComponent(format)}` }), 406, /XML is not supported/);
  });
});
