import { nonCprUuid } from '../../support/ids';
import { TEST_BASE_URL } from '../../support/app';
import { buildFixture, call, CLIENT_KINDS, HIDDEN_KEYS, type Fixture } from './tenants';

/**
 * Validation that reads stored resources on the caller's behalf:
 * - the QuestionnaireResponse check (writes and $validate) reads Questionnaires: one the caller
 *   may not see must answer exactly like one that does not exist. Questionnaires are shared
 *   definitional resources, so what exists and is hidden is a deleted one: its canonical URL is
 *   still in the database, and must tell nothing;
 * - $validate resolves DocumentReference attachment URLs: another tenant's resource answers
 *   exactly like a nonexistent id.
 */
describe('cross-tenant probes: validation look-ups', () => {
  let f: Fixture;
  let deletedUrl = '';
  const missingUrl = `https://kolibri.test/fhir/Questionnaire/never-${nonCprUuid()}`;

  beforeAll(async () => {
    f = await buildFixture();
    deletedUrl = `https://kolibri.test/fhir/Questionnaire/deleted-${nonCprUuid()}`;
    const made = await call(f.t, f.operatorToken, 'POST', '/fhir/Questionnaire', {
      resourceType: 'Questionnaire',
      url: deletedUrl,
      version: '1.0',
      status: 'active',
      item: [{ linkId: 'breathless', text: 'More breathless?', type: 'boolean', required: true }],
    });
    expect(made.status).toBe(201);
    expect([200, 204]).toContain((await call(f.t, f.operatorToken, 'DELETE', `/fhir/Questionnaire/${made.json().id}`)).status);
  }, 120_000);
  afterAll(() => f.t.close());

  const response = (questionnaire: string, patient: string) => ({
    resourceType: 'QuestionnaireResponse',
    questionnaire,
    status: 'completed',
    subject: { reference: `Patient/${patient}` },
    authored: '2026-05-01T08:00:00Z',
    item: [{ linkId: 'not-in-any-questionnaire', answer: [{ valueString: 'x' }] }],
  });
  const scrub = (body: string, url: string) => body.replaceAll(url, '<url>').replace(/"id":"[^"]+"/g, '"id":"<id>"').replace(/"lastUpdated":"[^"]+"/g, '');

  it("a deleted Questionnaire answers like one that never existed, for B's clients, on create and in $validate", async () => {
    for (const [name, token] of [['B.citizen', f.b.tokens.citizen], ['B.system', f.b.tokens.system], ['B.clinician', f.b.tokens.clinician]] as const) {
      for (const path of ['/fhir/QuestionnaireResponse/$validate', '/fhir/QuestionnaireResponse']) {
        const hidden = await call(f.t, token, 'POST', path, response(`${deletedUrl}|1.0`, f.b.ids.patient));
        const missing = await call(f.t, token, 'POST', path, response(`${missingUrl}|1.0`, f.b.ids.patient));
        expect([name, path, hidden.status]).toEqual([name, path, missing.status]);
        if (path.endsWith('$validate')) {
          expect(scrub(hidden.body, deletedUrl)).toBe(scrub(missing.body, missingUrl));
          expect(hidden.json().issue[0].diagnostics).toMatch(/could not be resolved/);
        }
      }
    }
  }, 60_000);

  it("$validate of a DocumentReference whose attachment URL names A's resource answers like one naming a nonexistent id", async () => {
    const doc = (url: string) => ({ resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { contentType: 'text/plain', url } }] });
    let probes = 0;
    for (const client of CLIENT_KINDS) {
      for (const key of HIDDEN_KEYS) {
        const type = f.a.types[key];
        const hiddenId = f.a.ids[key];
        const freshId = `probe-${nonCprUuid()}`;
        for (const form of [(id: string) => `${type}/${id}`, (id: string) => `${TEST_BASE_URL}/${type}/${id}`]) {
          const hidden = await call(f.t, f.b.tokens[client], 'POST', '/fhir/DocumentReference/$validate', doc(form(hiddenId)));
          const missing = await call(f.t, f.b.tokens[client], 'POST', '/fhir/DocumentReference/$validate', doc(form(freshId)));
          expect([client, key, hidden.status]).toEqual([client, key, missing.status]);
          expect([client, key, hidden.body.replaceAll(hiddenId, '<id>')]).toEqual([client, key, missing.body.replaceAll(freshId, '<id>')]);
          probes++;
        }
      }
    }
    console.log(`tenant-probes-validate: ${probes} DocumentReference probes`);
    // positive control: A's own system client resolves its own Binary
    const own = await call(f.t, f.a.tokens.system, 'POST', '/fhir/DocumentReference/$validate', doc(`Binary/${f.a.ids.binary}`));
    expect(own.json().issue.filter((i: { severity: string }) => i.severity === 'error')).toEqual([]);
  }, 120_000);

  it('positive control: the shared Questionnaire every client sees is checked (422 for an unknown linkId)', async () => {
    const url = `${(f.defs.questionnaire as { url?: string }).url}|1.0`;
    const res = await call(f.t, f.b.tokens.citizen, 'POST', '/fhir/QuestionnaireResponse', response(url, f.b.ids.patient));
    expect(res.status).toBe(422);
    expect(res.body).toContain('not-in-any-questionnaire');
  }, 60_000);
});
