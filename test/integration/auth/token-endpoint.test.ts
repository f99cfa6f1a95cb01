import { nonCprUuid } from '../../support/ids';
import { createLocalJWKSet, exportSPKI, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { createHmac } from 'node:crypto';
import { createTestApp, TEST_BASE_URL, type TestApp } from '../../support/app';
import { accessToken, assertion, ASSERTION_TYPE, decodeParts, registerVendorApp, requestToken, tokenRequest, TOKEN_URL, type VendorApp } from './vendor-app';

/**
 * SMART Backend Services against the real app and database:
 * https://hl7.org/fhir/smart-app-launch/backend-services.html
 */
describe('POST /auth/token (SMART Backend Services)', () => {
  let t: TestApp;
  let app: VendorApp;

  beforeAll(async () => {
    t = await createTestApp({ auth: 'on' });
    app = await registerVendorApp(t, { scopes: ['system/Observation.rs', 'system/Patient.read'] });
  });
  afterAll(() => t.close());

  const expectOAuthError = (res: Awaited<ReturnType<typeof tokenRequest>>, status: number, error: string) => {
    expect({ status: res.statusCode, error: res.json().error }).toEqual({ status, error });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(typeof res.json().error_description).toBe('string');
  };

  it('runs the whole flow: discovery → token → FHIR read with the token', async () => {
    const discovery = await t.app.inject({ method: 'GET', url: '/fhir/.well-known/smart-configuration' });
    expect(discovery.statusCode).toBe(200);
    const config = discovery.json();
    expect(config).toMatchObject({
      token_endpoint: TOKEN_URL,
      introspection_endpoint: 'http://kolibri.test/auth/introspect',
      jwks_uri: 'http://kolibri.test/.well-known/jwks.json',
      grant_types_supported: ['client_credentials', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    });
    expect(config.capabilities).toEqual(expect.arrayContaining(['client-confidential-asymmetric', 'permission-v1', 'permission-v2']));

    const res = await requestToken(t, app, 'system/Observation.rs system/Patient.read system/Condition.rs');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'system/Observation.rs system/Patient.read' });

    // the token verifies with the published JWKS, and says who the client is
    const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    expect((await t.app.inject({ method: 'GET', url: '/fhir/.well-known/jwks.json' })).json()).toEqual(jwks);
    const { payload, protectedHeader } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), { issuer: 'http://kolibri.test', audience: TEST_BASE_URL });
    expect(protectedHeader).toMatchObject({ alg: 'ES384', typ: 'at+jwt' });
    expect(payload).toMatchObject({ client_id: app.clientId, client_kind: 'system', organization: 'Organization/0851', scope: body.scope });
    expect(payload.exp! - payload.iat!).toBe(300);

    // Its scopes are read-only: creating is refused …
    const created = await t.app.inject({
      method: 'POST',
      url: '/fhir/Patient',
      headers: { authorization: `Bearer ${body.access_token}`, 'content-type': 'application/fhir+json' },
      payload: { resourceType: 'Patient', gender: 'female' },
    });
    expect(created.statusCode).toBe(403);
    // … and it reads a patient of its organization (an episode managed by Organization/0851)
    const patient = await t.services.store.transaction((tx) => tx.create({ resourceType: 'Patient', gender: 'female' }));
    await t.services.store.transaction((tx) =>
      tx.create({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${patient.id}` }, managingOrganization: { reference: 'Organization/0851' } }),
    );
    const read = await t.app.inject({ method: 'GET', url: `/fhir/Patient/${patient.id}`, headers: { authorization: `Bearer ${body.access_token}` } });
    expect(read.statusCode).toBe(200);
  });

  it('accepts RS384, RS256 and ES256 assertions too', async () => {
    for (const alg of ['RS384', 'RS256', 'ES256'] as const) {
      const other = await registerVendorApp(t, { alg, scopes: ['system/*.rs'] });
      const res = await requestToken(t, other, 'system/Observation.rs');
      expect({ alg, status: res.statusCode }).toEqual({ alg, status: 200 });
    }
  });

  it('refuses an assertion signed with a key the client did not register', async () => {
    const { privateKey } = await generateKeyPair('ES384');
    expectOAuthError(await requestToken(t, app, 'system/Observation.rs', { key: privateKey }), 401, 'invalid_client');
  });

  it("refuses alg none, and HS256 signed with the client's public key as the secret", async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: app.clientId, sub: app.clientId, aud: TOKEN_URL, exp: now + 60, jti: nonCprUuid() };
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none', kid: app.kid, typ: 'JWT' })}.${b64(claims)}.`;
    const form = { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, scope: 'system/Observation.rs' };
    expectOAuthError(await tokenRequest(t, { ...form, client_assertion: none }), 401, 'invalid_client');

    // the classic key-confusion attack: HMAC with the public key (PEM and JWK text) as secret
    const rsa = await registerVendorApp(t, { alg: 'RS384', scopes: ['system/*.rs'] });
    const { publicKey } = await generateKeyPair('RS384', { extractable: true });
    for (const secret of [JSON.stringify(rsa.publicJwk), await exportSPKI(publicKey)]) {
      const hClaims = { ...claims, iss: rsa.clientId, sub: rsa.clientId, jti: nonCprUuid() };
      const input = `${b64({ alg: 'HS256', kid: rsa.kid, typ: 'JWT' })}.${b64(hClaims)}`;
      const hs = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
      expectOAuthError(await tokenRequest(t, { ...form, client_assertion: hs }), 401, 'invalid_client');
    }
  });

  it('refuses expired and far-future assertions', async () => {
    expectOAuthError(await requestToken(t, app, 'system/Observation.rs', { now: Date.now() - 600_000, expiresIn: 240 }), 401, 'invalid_client');
    const far = await requestToken(t, app, 'system/Observation.rs', { expiresIn: 3600 });
    expectOAuthError(far, 401, 'invalid_client');
    expect(far.json().error_description).toMatch(/5 minutes/);
  });

  it('refuses a wrong aud, a wrong sub and a jku of the client’s choosing', async () => {
    expectOAuthError(await requestToken(t, app, 'system/Observation.rs', { audience: TEST_BASE_URL }), 401, 'invalid_client');
    expectOAuthError(await requestToken(t, app, 'system/Observation.rs', { claims: { sub: 'someone-else' } }), 401, 'invalid_client');
    expectOAuthError(await requestToken(t, app, 'system/Observation.rs', { header: { jku: 'https://evil.example/jwks' } }), 401, 'invalid_client');
  });

  it('refuses a replayed jti', async () => {
    const jwt = await assertion(app);
    const form = { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: jwt, scope: 'system/Observation.rs' };
    expect((await tokenRequest(t, form)).statusCode).toBe(200);
    const replay = await tokenRequest(t, form);
    expectOAuthError(replay, 401, 'invalid_client');
    expect(replay.json().error_description).toMatch(/jti/);
  });

  it('refuses an unknown client, an unknown kid and a missing kid', async () => {
    const stranger = { ...app, clientId: `unknown-${nonCprUuid()}` };
    expectOAuthError(await requestToken(t, stranger, 'system/Observation.rs'), 401, 'invalid_client');
    expectOAuthError(await requestToken(t, app, 'system/Observation.rs', { header: { kid: 'no-such-kid' } }), 401, 'invalid_client');
    const noKid = await new SignJWT({ jti: nonCprUuid() })
      .setProtectedHeader({ alg: 'ES384' })
      .setIssuer(app.clientId)
      .setSubject(app.clientId)
      .setAudience(TOKEN_URL)
      .setExpirationTime('2m')
      .sign(app.privateKey);
    const form = { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, scope: 'system/Observation.rs' };
    expectOAuthError(await tokenRequest(t, { ...form, client_assertion: noKid }), 401, 'invalid_client');
  });

  it('refuses a revoked client', async () => {
    const revoked = await registerVendorApp(t);
    await t.auth.revoke(revoked.clientId);
    expectOAuthError(await requestToken(t, revoked, 'system/*.rs'), 401, 'invalid_client');
  });

  it('refuses a wrong grant_type or client_assertion_type, and missing parameters', async () => {
    const good = { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, scope: 'system/Observation.rs' };
    expectOAuthError(await tokenRequest(t, { ...good, grant_type: 'password', client_assertion: await assertion(app) }), 400, 'unsupported_grant_type');
    expectOAuthError(
      await tokenRequest(t, { ...good, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer', client_assertion: await assertion(app) }),
      401,
      'invalid_client',
    );
    expectOAuthError(await tokenRequest(t, { ...good }), 400, 'invalid_request');
    expectOAuthError(await tokenRequest(t, { client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(app) }), 400, 'invalid_request');
    const json = await t.app.inject({ method: 'POST', url: '/auth/token', headers: { 'content-type': 'text/plain' }, payload: 'x' });
    expectOAuthError(json, 400, 'invalid_request');
  });

  it('takes form parameters only: a JSON body with a valid assertion is invalid_request (RFC 6749 §4.4.2)', async () => {
    for (const type of ['application/json', 'application/fhir+json']) {
      const form = { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(app), scope: 'system/Observation.rs' };
      const res = await t.app.inject({ method: 'POST', url: '/auth/token', headers: { 'content-type': type }, payload: JSON.stringify(form) });
      expectOAuthError(res, 400, 'invalid_request');
      expect(res.json().error_description).toMatch(/application\/x-www-form-urlencoded/);
    }
    const token = await accessToken(t, app, 'system/Observation.rs');
    const introspect = await t.app.inject({
      method: 'POST',
      url: '/auth/introspect',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ token }),
    });
    expectOAuthError(introspect, 400, 'invalid_request');
  });

  it('refuses a form that repeats a parameter, naming it (RFC 6749 §3.1)', async () => {
    const signed = await assertion(app);
    const form = (extra: string) =>
      t.app.inject({
        method: 'POST',
        url: '/auth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `${new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: signed, scope: 'system/Observation.rs' })}&${extra}`,
      });
    for (const [extra, name] of [
      ['grant_type=client_credentials', 'grant_type'],
      ['grant_type=password', 'grant_type'],
      ['scope=system%2FPatient.rs', 'scope'],
      [`client_assertion=${signed}`, 'client_assertion'],
    ]) {
      const res = await form(extra);
      expectOAuthError(res, 400, 'invalid_request');
      expect(res.json().error_description).toBe(`the parameter ${name} is given more than once`);
    }
    // refused before the assertion was looked at: it is still unused
    expect((await tokenRequest(t, { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: signed, scope: 'system/Observation.rs' })).statusCode).toBe(200);
  });

  it('grants requested ∩ allowed and refuses scopes it cannot grant', async () => {
    expect((await requestToken(t, app, 'system/*.cruds')).json().scope).toBe('system/Observation.rs system/Patient.rs');
    expectOAuthError(await requestToken(t, app, 'system/Condition.rs'), 400, 'invalid_scope');
    expectOAuthError(await requestToken(t, app, 'system/Observation.sr'), 400, 'invalid_scope');
  });

  it('introspects tokens for the operator or a system client (RFC 7662)', async () => {
    const token = await accessToken(t, app, 'system/Observation.rs');
    const introspect = (authorization: string | undefined, value: string) =>
      t.app.inject({
        method: 'POST',
        url: '/auth/introspect',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
        payload: new URLSearchParams({ token: value }).toString(),
      });
    expect((await introspect(undefined, token)).statusCode).toBe(401);
    const active = await introspect(`Bearer ${token}`, token);
    expect(active.statusCode).toBe(200);
    expect(active.json()).toMatchObject({ active: true, client_id: app.clientId, scope: 'system/Observation.rs', jti: decodeParts(token).payload.jti });
    expect((await introspect(`Bearer ${token}`, `${token.slice(0, -4)}AAAA`)).json()).toEqual({ active: false });
    expect((await introspect(`Bearer ${token}`, 'not-a-token')).json()).toEqual({ active: false });
  });
});
