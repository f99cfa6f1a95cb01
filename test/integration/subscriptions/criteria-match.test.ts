import { nonCprUuid } from '../../support/ids';
import type { Resource } from '@medplum/fhirtypes';
import type { AuthContext } from '../../../src/auth/context';
import { criteriaRefusal, currentMatch } from '../../../src/subscriptions/criteria-match';
import { createTestApp, type TestApp } from '../../support/app';
import { spo2Observation } from '../../support/spo2';
import { accessToken, registerVendorApp } from '../auth/vendor-app';

/**
 * A Subscription's criteria is evaluated as the subscriber's own search restricted to the changed
 * resource: it matches only what the subscriber's client may read now, in its current version.
 */
describe('subscription criteria against a change', () => {
  let t: TestApp;
  const orgA = nonCprUuid();
  const orgB = nonCprUuid();
  let authA: AuthContext;
  let authB: AuthContext;
  let patientA = '';
  let observation = '';

  beforeAll(async () => {
    t = await createTestApp({ auth: 'on' });
    const seed = async (r: Resource) => (await t.services.store.transaction((tx) => tx.create(r))).id;
    patientA = await seed({ resourceType: 'Patient', name: [{ family: 'A' }] });
    await seed({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${patientA}` }, managingOrganization: { reference: `Organization/${orgA}` } });
    observation = await seed(spo2Observation(patientA, 91) as Resource);
    const sysA = await registerVendorApp(t, { organization: `Organization/${orgA}`, scopes: ['system/*.cruds'] });
    const sysB = await registerVendorApp(t, { organization: `Organization/${orgB}`, scopes: ['system/*.cruds'] });
    authA = await t.auth.authenticate(await accessToken(t, sysA, 'system/*.cruds'));
    authB = await t.auth.authenticate(await accessToken(t, sysB, 'system/*.cruds'));
  });
  afterAll(() => t.close());

  it('matches the subscriber’s own patient data, with the resource as it is now', async () => {
    const json = await currentMatch(t.services.interactions, authA, `Observation?patient=Patient/${patientA}`, observation);
    expect(JSON.parse(json as string)).toMatchObject({ resourceType: 'Observation', id: observation });
    expect(await currentMatch(t.services.interactions, authA, 'Observation', observation)).toBeDefined();
    expect(await currentMatch(t.services.interactions, authA, 'Observation?code=http://loinc.org|8867-4', observation)).toBeUndefined();
    expect(await currentMatch(t.services.interactions, authA, `Observation?patient=Patient/${patientA}`, nonCprUuid())).toBeUndefined();
  });

  it('matches nothing of another municipality’s patients, however the criteria is put', async () => {
    for (const criteria of ['Observation', 'Observation?', `Observation?patient=Patient/${patientA}`, `Observation?subject=Patient/${patientA}`, `Observation?_id=${observation}`]) {
      expect(await currentMatch(t.services.interactions, authB, criteria, observation)).toBeUndefined();
    }
  });

  it('does not match a deleted resource', async () => {
    const gone = (await t.services.store.transaction((tx) => tx.create(spo2Observation(patientA, 92) as Resource))).id;
    expect(await currentMatch(t.services.interactions, authA, 'Observation', gone)).toBeDefined();
    await t.services.store.transaction((tx) => tx.delete('Observation', gone));
    expect(await currentMatch(t.services.interactions, authA, 'Observation', gone)).toBeUndefined();
  });

  it('accepts any supported search as criteria and names what it refuses', async () => {
    expect(await criteriaRefusal(t.services.interactions, authA, `Observation?patient=Patient/${patientA}&code=http://loinc.org|59408-5`)).toBeUndefined();
    expect(await criteriaRefusal(t.services.interactions, authA, 'Observation?no-such-parameter=1')).toMatch(/no-such-parameter/);
    expect(await criteriaRefusal(t.services.interactions, authA, 'NoSuchType?x=1')).toMatch(/NoSuchType/);
  });
});
