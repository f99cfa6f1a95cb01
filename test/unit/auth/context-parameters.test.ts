import { readContextParameters } from '../../../src/auth/context-parameters';
import { OAuthError } from '../../../src/auth/oauth-error';

const BASE = 'https://kolibri.example.dk/fhir';

describe('refresh_token context parameters', () => {
  it('reads absolute URLs on our base, relative references and bare ids', () => {
    expect(
      readContextParameters(
        { organization_id: `${BASE}/Organization/0851`, care_team_id: 'CareTeam/42', patient_id: '7', episode_of_care_id: `${BASE}/EpisodeOfCare/e-1`, scope: 'x' },
        BASE,
      ),
    ).toEqual({ organization_id: 'Organization/0851', care_team_id: 'CareTeam/42', patient_id: 'Patient/7', episode_of_care_id: 'EpisodeOfCare/e-1' });
    expect(readContextParameters({ care_team_id: '' }, BASE)).toEqual({});
  });

  it('refuses URLs on other servers, other types and malformed values as invalid_request', () => {
    for (const value of ['https://elsewhere.dk/fhir/CareTeam/42', `${BASE}/Patient/42`, 'Patient/42', `${BASE}/42`, 'CareTeam/42/_history/1', 'a b', `${BASE}x/CareTeam/42`]) {
      let error: unknown;
      try {
        readContextParameters({ care_team_id: value }, BASE);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(OAuthError);
      expect((error as OAuthError).error).toBe('invalid_request');
    }
  });
});
