import { nonCprUuid } from '../../support/ids';
import { createTestApp, type TestApp } from '../../support/app';
import { MAX_SEARCH_PARAMETERS, MAX_VALUES_PER_PARAMETER } from '../../../src/fhir/search/limits';

/**
 * A query repeating one parameter 1,000 times ran 30 s and ended 503: PostgreSQL's planning of
 * the pulled-up EXISTS grew much faster than linearly. Over the limits → 400 at once; at the
 * limits → an ordinary answer (the compiler fences criteria past the first few, limits.ts).
 */
describe('search size limits', () => {
  let t: TestApp;
  let family: string;
  beforeAll(async () => {
    t = await createTestApp();
    family = nonCprUuid();
    await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: { 'content-type': 'application/fhir+json' }, payload: { resourceType: 'Patient', name: [{ family }], birthDate: '1950-01-01' } });
  });
  afterAll(() => t.close());

  const repeat = (n: number, pair: string) => Array.from({ length: n }, () => pair).join('&');

  it('answers 1,000 repeats of a parameter with a 400 too-costly OperationOutcome', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/fhir/Patient?${repeat(1000, 'name=a')}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().issue[0]).toMatchObject({ severity: 'error', code: 'too-costly' });
  });

  it('applies the same limit to POST _search form bodies and $lastn', async () => {
    const form = await t.app.inject({
      method: 'POST',
      url: '/fhir/Patient/_search',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: repeat(MAX_SEARCH_PARAMETERS + 1, 'name=a'),
    });
    expect(form.statusCode).toBe(400);
    const lastn = await t.app.inject({ method: 'GET', url: `/fhir/Observation/$lastn?patient=p&${repeat(MAX_SEARCH_PARAMETERS, 'code=a')}` });
    expect(lastn.statusCode).toBe(400);
  });

  it('refuses more comma values than the limit', async () => {
    const values = Array.from({ length: MAX_VALUES_PER_PARAMETER + 1 }, (_, i) => `c${i}`).join(',');
    const res = await t.app.inject({ method: 'GET', url: `/fhir/Observation?code=${values}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().issue[0].expression).toEqual(['code']);
  });

  it.each([
    ['a string parameter', `name=${'x'}`],
    ['a date parameter', 'birthdate=ge1900-01-01'],
    ['_has', '_has:Observation:patient:code=none'],
  ])(`answers ${MAX_SEARCH_PARAMETERS} repeats of %s with 200`, async (_label, pair) => {
    const res = await t.app.inject({ method: 'GET', url: `/fhir/Patient?${repeat(MAX_SEARCH_PARAMETERS, pair)}` });
    expect(res.statusCode).toBe(200);
    expect(res.json().resourceType).toBe('Bundle');
  });

  it(`still finds what ${MAX_SEARCH_PARAMETERS - 1} criteria (and _total) all match`, async () => {
    const pairs = Array.from({ length: MAX_SEARCH_PARAMETERS - 1 }, (_, i) => (i % 2 ? `family=${family}` : 'birthdate=1950-01-01'));
    const res = await t.app.inject({ method: 'GET', url: `/fhir/Patient?${pairs.join('&')}&_total=accurate` });
    expect(res.statusCode).toBe(200);
    expect(res.json().total).toBe(1);
  });
});
