import { nonCprUuid } from '../../support/ids';
import { createTestApp, type TestApp } from '../../support/app';

const JSON_HEADERS = { 'content-type': 'application/fhir+json' };

/** Writes check a QuestionnaireResponse against its Questionnaire when the server holds it. */
describe('QuestionnaireResponse against its Questionnaire on create, update and in transactions', () => {
  let t: TestApp;
  const url = `https://kolibri.dk/fhir/Questionnaire/test-${nonCprUuid()}`;
  beforeAll(async () => {
    t = await createTestApp();
    const q = await t.app.inject({
      method: 'POST',
      url: '/fhir/Questionnaire',
      headers: JSON_HEADERS,
      payload: {
        resourceType: 'Questionnaire',
        url,
        version: '1',
        status: 'active',
        item: [
          { linkId: 'breathless', text: 'More breathless than usual?', type: 'boolean', required: true },
          { linkId: 'note', text: 'Anything else?', type: 'string' },
        ],
      },
    });
    expect(q.statusCode).toBe(201);
  });
  afterAll(() => t.close());

  const response = (items: unknown[]) => ({ resourceType: 'QuestionnaireResponse', status: 'completed', questionnaire: `${url}|1`, item: items });

  it('accepts answers that fit and refuses an unknown linkId, a wrong answer type or a missing required item', async () => {
    const ok = await t.app.inject({ method: 'POST', url: '/fhir/QuestionnaireResponse', headers: JSON_HEADERS, payload: response([{ linkId: 'breathless', answer: [{ valueBoolean: true }] }]) });
    expect(ok.statusCode).toBe(201);
    for (const items of [
      [{ linkId: 'breathless', answer: [{ valueBoolean: false }] }, { linkId: 'shoe-size', answer: [{ valueString: '42' }] }],
      [{ linkId: 'breathless', answer: [{ valueString: 'yes' }] }],
      [{ linkId: 'note', answer: [{ valueString: 'fine' }] }],
    ]) {
      const res = await t.app.inject({ method: 'POST', url: '/fhir/QuestionnaireResponse', headers: JSON_HEADERS, payload: response(items) });
      expect(res.statusCode).toBe(422);
      expect(res.json().issue.some((i: { severity: string }) => i.severity === 'error')).toBe(true);
    }
    const update = await t.app.inject({
      method: 'PUT',
      url: `/fhir/QuestionnaireResponse/${ok.json().id}`,
      headers: JSON_HEADERS,
      payload: { ...response([{ linkId: 'nope' }]), id: ok.json().id },
    });
    expect(update.statusCode).toBe(422);
  });

  it('fails a transaction whose QuestionnaireResponse does not fit', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/fhir',
      headers: JSON_HEADERS,
      payload: { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: response([{ linkId: 'nope' }]), request: { method: 'POST', url: 'QuestionnaireResponse' } }] },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().issue[0].diagnostics).toMatch(/Bundle\.entry\[0\]/);
  });
});
