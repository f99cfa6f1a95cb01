import { FUT_CLAIMS, loadAuthConfig } from '../../../src/auth/config';
import { mapClaims } from '../../../src/auth/external-issuer';

const FUT = 'https://patient.devenvcgi.ehealth.sundhed.dk/fhir';
const config = {
  issuer: 'https://saml.ehealth.sundhed.dk/auth/realms/ehealth',
  claims: FUT_CLAIMS,
  defaultKind: 'clinician' as const,
  roles: { Clinician: ['user/Observation.rs', 'user/Task.rs'], Secretary: ['user/Patient.rs'] },
};

describe('FUT-shaped external tokens', () => {
  it('maps context.* absolute URLs, the upper-case user_type and realm_access.roles', () => {
    const auth = mapClaims(
      {
        azp: 'fut-clinician-app',
        user_type: 'PRACTITIONER',
        context: {
          organization_id: `${FUT}/Organization/0851`,
          care_team_id: `${FUT}/CareTeam/42`,
          patient_id: `${FUT}/Patient/7`,
          episode_of_care_id: `${FUT}/EpisodeOfCare/9`,
        },
        realm_access: { roles: ['Clinician', 'offline_access', 'uma_authorization'] },
      },
      config,
    );
    expect(auth).toMatchObject({
      clientId: 'fut-clinician-app',
      kind: 'clinician',
      organization: 'Organization/0851',
      careTeam: 'CareTeam/42',
      patient: 'Patient/7',
      episodeOfCare: 'EpisodeOfCare/9',
    });
    expect(auth.scopes.map((s) => `${s.context}/${s.resourceType}`).sort()).toEqual(['user/Observation', 'user/Task']);
  });

  it('maps PATIENT and SYSTEM, and drops URLs naming another type', () => {
    expect(mapClaims({ azp: 'a', user_type: 'PATIENT' }, config).kind).toBe('citizen');
    expect(mapClaims({ azp: 'a', user_type: 'system' }, config).kind).toBe('system');
    expect(mapClaims({ azp: 'a', user_type: 'ROBOT' }, config).kind).toBe('clinician');
    const auth = mapClaims({ azp: 'a', context: { care_team_id: `${FUT}/Patient/7`, patient_id: 'not a url/' } }, config);
    expect(auth.careTeam).toBeUndefined();
    expect(auth.patient).toBeUndefined();
    // roles not in the map grant nothing
    expect(mapClaims({ azp: 'a', realm_access: { roles: ['Administrator'] } }, config).scopes).toEqual([]);
  });

  it('reads KOLIBRI_EXTERNAL_CLAIMS=fut and KOLIBRI_EXTERNAL_ROLES, reporting bad role maps', () => {
    const env = {
      KOLIBRI_EXTERNAL_ISSUER: config.issuer,
      KOLIBRI_EXTERNAL_JWKS_URL: 'https://saml.ehealth.sundhed.dk/certs',
      KOLIBRI_EXTERNAL_CLAIMS: 'fut',
      KOLIBRI_EXTERNAL_ROLES: '{"Clinician":"user/Observation.rs user/Task.rs","Citizen":["patient/*.rs"]}',
    };
    const problems: string[] = [];
    const { authSettings } = loadAuthConfig(env, { host: '0.0.0.0', baseUrl: 'https://kolibri.test/fhir' }, problems);
    expect(problems).toEqual([]);
    expect(authSettings.externalIssuer).toMatchObject({ claims: FUT_CLAIMS, roles: { Clinician: ['user/Observation.rs', 'user/Task.rs'], Citizen: ['patient/*.rs'] } });
    for (const roles of ['[1]', '{"Clinician":"user/Observation.xyz"}', '{"Clinician":7}', 'nope']) {
      const bad: string[] = [];
      loadAuthConfig({ ...env, KOLIBRI_EXTERNAL_ROLES: roles }, { host: '0.0.0.0', baseUrl: 'https://kolibri.test/fhir' }, bad);
      expect(bad.join()).toContain('KOLIBRI_EXTERNAL_ROLES');
    }
  });
});
