import { nonCprUuid } from '../../support/ids';
import { findByCanonical, splitCanonical } from '../../../src/store/canonical';
import { createTestApp, type TestApp } from '../../support/app';

/** Canonical look-up (https://hl7.org/fhir/R4/references.html#canonical) through the search index. */
describe('findByCanonical', () => {
  let t: TestApp;
  const url = `http://kolibri.test/fhir/Questionnaire/${nonCprUuid()}`;
  const ids: Record<string, string> = {};

  const questionnaire = (version: string) => ({ resourceType: 'Questionnaire', url, version, status: 'active', item: [{ linkId: '1', text: 'Åndenød?', type: 'boolean' }] });
  const send = async (method: 'POST' | 'PUT' | 'DELETE', path: string, payload?: object) => {
    const res = await t.app.inject({ method, url: path, headers: { 'content-type': 'application/fhir+json' }, ...(payload ? { payload } : {}) });
    expect(res.statusCode).toBeLessThan(300);
    return res;
  };

  beforeAll(async () => {
    t = await createTestApp();
    for (const version of ['1.0', '2.0']) ids[version] = (await send('POST', '/fhir/Questionnaire', questionnaire(version))).json().id;
  });
  afterAll(() => t.close());

  it('finds the version asked for', async () => {
    expect((await findByCanonical(t.pool, 'Questionnaire', url, '1.0'))?.id).toBe(ids['1.0']);
    expect((await findByCanonical(t.pool, 'Questionnaire', url, '2.0'))?.id).toBe(ids['2.0']);
    expect(await findByCanonical(t.pool, 'Questionnaire', url, '3.0')).toBeUndefined();
  });

  it('without a version, finds the most recently updated match', async () => {
    expect((await findByCanonical(t.pool, 'Questionnaire', url))?.id).toBe(ids['2.0']);
    await send('PUT', `/fhir/Questionnaire/${ids['1.0']}`, { ...questionnaire('1.0'), id: ids['1.0'], title: 'opdateret' });
    expect((await findByCanonical(t.pool, 'Questionnaire', url))?.id).toBe(ids['1.0']);
  });

  it('sees the current version only, and not deleted resources or other types', async () => {
    expect((await findByCanonical(t.pool, 'Questionnaire', url, '1.0')) as { title?: string }).toMatchObject({ title: 'opdateret' });
    expect(await findByCanonical(t.pool, 'ValueSet', url)).toBeUndefined();
    await send('DELETE', `/fhir/Questionnaire/${ids['2.0']}`);
    expect(await findByCanonical(t.pool, 'Questionnaire', url, '2.0')).toBeUndefined();
  });

  it('splits url|version', () => {
    expect(splitCanonical(`${url}|2.0`)).toEqual({ url, version: '2.0' });
    expect(splitCanonical(url)).toEqual({ url });
  });
});
