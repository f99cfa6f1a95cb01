import type { Client } from '../../../src/auth/client-registration';
import { OAuthError } from '../../../src/auth/oauth-error';
import { resolveContext, type ResourceLookup } from '../../../src/auth/token-context';

const citizen: Client = {
  clientId: 'karen-app',
  kind: 'citizen',
  organization: 'Organization/0851',
  patient: 'Patient/karen',
  scopes: ['patient/*.rs'],
  jwks: { keys: [] },
  status: 'active',
  createdAt: '2026-12-01T00:00:00Z',
};
const stored: Record<string, Record<string, unknown>> = {
  'Patient/karen': { resourceType: 'Patient', id: 'karen' },
  'Patient/other': { resourceType: 'Patient', id: 'other' },
  'EpisodeOfCare/other-eoc': { resourceType: 'EpisodeOfCare', id: 'other-eoc', patient: { reference: 'Patient/other' } },
};
const lookup: ResourceLookup = async (type, id) => stored[`${type}/${id}`];

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => 'granted',
    (err: unknown) => (err instanceof OAuthError ? `${err.error}: ${err.description}` : `unexpected ${String(err)}`),
  );

describe('token context of a citizen client (bound to its registered patient)', () => {
  it('is the registered patient whether the assertion names it or not', async () => {
    expect(await resolveContext(citizen, {}, lookup)).toEqual({ patient: 'Patient/karen' });
    expect(await resolveContext(citizen, { patient: 'Patient/karen' }, lookup)).toEqual({ patient: 'Patient/karen' });
  });

  it('refuses an assertion of another patient, directly or through its episode', async () => {
    expect(await refusal(resolveContext(citizen, { patient: 'Patient/other' }, lookup))).toMatch(/^invalid_grant: .*not registered for/);
    expect(await refusal(resolveContext(citizen, { episode_of_care: 'EpisodeOfCare/other-eoc' }, lookup))).toMatch(/^invalid_grant: .*not an episode of Patient\/karen/);
  });

  it('refuses a citizen client registered without a patient (registered before migration 007)', async () => {
    const unbound: Client = { ...citizen, patient: undefined };
    expect(await refusal(resolveContext(unbound, { patient: 'Patient/karen' }, lookup))).toMatch(/^invalid_grant: the citizen client is bound to no patient/);
  });

  it('refuses when the registered patient does not exist (or is deleted: the lookup answers nothing)', async () => {
    expect(await refusal(resolveContext({ ...citizen, patient: 'Patient/gone' }, {}, lookup))).toBe('invalid_grant: Patient/gone does not exist');
  });
});
