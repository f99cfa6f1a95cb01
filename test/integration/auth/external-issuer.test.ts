import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createTestApp, TEST_BASE_URL, type TestApp } from '../../support/app';
import { DEFAULT_CLAIMS } from '../../../src/auth/config';

/**
 * A regional identity provider plugged in by configuration only: its JWKS served over real HTTP,
 * its tokens accepted on /fhir with their claims mapped onto an AuthContext.
 */
describe('external issuer', () => {
  const ISSUER = 'https://idp.region-nordjylland.test';
  let server: Server;
  let t: TestApp;
  let privateKey: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'rn-1', alg: 'RS256' }] };
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    t = await createTestApp({
      auth: 'on',
      authSettings: {
        externalIssuer: {
          issuer: ISSUER,
          audience: TEST_BASE_URL,
          jwksUrl: `http://127.0.0.1:${port}/jwks`,
          claims: { ...DEFAULT_CLAIMS, clientId: 'azp', organization: 'ext.org', scope: 'scp', careTeam: 'team' },
          defaultKind: 'clinician',
        },
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const token = (claims: Record<string, unknown>, audience = TEST_BASE_URL, key = privateKey) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'rn-1' }).setIssuer(ISSUER).setAudience(audience).setExpirationTime('5m').sign(key);

  it('accepts its tokens and maps the configured claims onto the AuthContext', async () => {
    const jwt = await token({ azp: 'rn-clinic-app', ext: { org: 'DK-81' }, scp: ['user/Observation.rs', 'user/Task.cruds'], team: '42', practitioner: 'Practitioner/7' });
    // accepted by the guard (404: past authentication and scopes, no such observation) …
    const res = await t.app.inject({ method: 'GET', url: '/fhir/Observation/nobody', headers: { authorization: `Bearer ${jwt}` } });
    expect(res.statusCode).toBe(404);
    // … and its scopes apply: no Patient scope, so 403 whatever the id
    const patient = await t.app.inject({ method: 'GET', url: '/fhir/Patient/nobody', headers: { authorization: `Bearer ${jwt}` } });
    expect(patient.statusCode).toBe(403);
    // … as this AuthContext
    const seen = await t.auth.authenticate(jwt);
    expect(seen).toMatchObject({
      clientId: 'rn-clinic-app',
      kind: 'clinician',
      organization: 'Organization/DK-81',
      careTeam: 'CareTeam/42',
      practitioner: 'Practitioner/7',
      issuer: ISSUER,
    });
    expect(seen.scopes).toHaveLength(2);
  });

  it('refuses its tokens for another audience or signed by another key', async () => {
    const other = await generateKeyPair('RS256');
    for (const jwt of [await token({ azp: 'x' }, 'https://elsewhere.test/fhir'), await token({ azp: 'x' }, TEST_BASE_URL, other.privateKey)]) {
      const res = await t.app.inject({ method: 'GET', url: '/fhir/Patient/x', headers: { authorization: `Bearer ${jwt}` } });
      expect(res.statusCode).toBe(401);
    }
  });
});
