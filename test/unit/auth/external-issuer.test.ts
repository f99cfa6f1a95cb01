import { DEFAULT_CLAIMS } from '../../../src/auth/config';
import { mapClaims } from '../../../src/auth/external-issuer';

const config = { issuer: 'https://idp.regionh.dk', claims: DEFAULT_CLAIMS, defaultKind: 'clinician' as const };

describe('external issuer claim mapping', () => {
  it('takes every client kind from the kind claim, operator included', () => {
    for (const kind of ['system', 'clinician', 'citizen', 'operator']) {
      expect(mapClaims({ client_id: 'regionh-app', client_kind: kind, scope: 'system/*.rs' }, config).kind).toBe(kind);
    }
  });

  it('falls back to the configured kind for a missing or unknown kind claim', () => {
    expect(mapClaims({ client_id: 'regionh-app' }, config).kind).toBe('clinician');
    for (const kind of ['robot', 'constructor', 7]) expect(mapClaims({ client_id: 'regionh-app', client_kind: kind }, config).kind).toBe('clinician');
  });
});
