import { createTestApp, type TestApp } from '../../support/app';
import { accessToken, ADMIN_TOKEN, decodeParts, registerVendorApp } from './vendor-app';
import { exportJWK, generateKeyPair } from 'jose';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ auth: 'on', authSettings: { adminToken: ADMIN_TOKEN } });
});
afterAll(() => t.close());

const admin = (method: 'GET' | 'POST', url: string, payload?: object, token = ADMIN_TOKEN) =>
  t.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });

describe('server signing keys', () => {
  it('keeps verifying a token signed by the old key after rotation; the new key signs', async () => {
    const app = await registerVendorApp(t);
    const before = await accessToken(t, app, 'system/Patient.rs');
    const oldKid = decodeParts(before).header.kid;

    const rotated = await admin('POST', '/admin/keys/rotate');
    expect(rotated.statusCode).toBe(200);
    const newKid = rotated.json().kid;
    expect(newKid).not.toBe(oldKid);

    const after = await accessToken(t, app, 'system/Patient.rs');
    expect(decodeParts(after).header.kid).toBe(newKid);
    const kids = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json().keys.map((k: { kid: string }) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([oldKid, newKid]));
    for (const token of [before, after]) {
      const res = await t.app.inject({ method: 'GET', url: '/fhir/Patient/nobody', headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(404);
    }
    // the published keys are public: no private parts
    for (const k of (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json().keys) expect(k.d).toBeUndefined();
  });
});

describe('admin API /admin/clients', () => {
  it('refuses requests without the operator credential', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/admin/clients' })).statusCode).toBe(401);
    expect((await admin('GET', '/admin/clients', undefined, `${ADMIN_TOKEN}x`)).statusCode).toBe(401);
    const app = await registerVendorApp(t);
    // a client's access token is no operator credential
    expect((await admin('GET', '/admin/clients', undefined, await accessToken(t, app, 'system/*.rs'))).statusCode).toBe(401);
  });

  it('registers, lists, reads and revokes clients', async () => {
    const { publicKey } = await generateKeyPair('ES384');
    const clientId = `odense-${Date.now()}`;
    const body = {
      clientId,
      name: 'Odense KOL app',
      kind: 'clinician',
      organization: 'Organization/0461',
      scopes: 'user/*.rs user/Task.cruds',
      jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1' }] },
    };
    const added = await admin('POST', '/admin/clients', body);
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({ clientId, kind: 'clinician', status: 'active', scopes: ['user/*.rs', 'user/Task.cruds'] });
    expect((await admin('POST', '/admin/clients', body)).statusCode).toBe(409);
    expect((await admin('GET', '/admin/clients')).json().clients.map((c: { clientId: string }) => c.clientId)).toContain(clientId);
    expect((await admin('GET', `/admin/clients/${clientId}`)).json().name).toBe('Odense KOL app');
    const revoked = await admin('POST', `/admin/clients/${clientId}/revoke`);
    expect(revoked.json()).toMatchObject({ status: 'revoked' });
    expect(revoked.json().revokedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await admin('POST', '/admin/clients/nobody/revoke')).statusCode).toBe(404);
  });

  it('answers 400 with every problem of a bad registration', async () => {
    const res = await admin('POST', '/admin/clients', { clientId: 'x y', kind: 'robot', scopes: 'system/*.rs', jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().issue.length).toBeGreaterThanOrEqual(4);
  });

  it('does not exist without KOLIBRI_ADMIN_TOKEN (404)', async () => {
    const plain = await createTestApp({ auth: 'on' });
    try {
      const res = await plain.app.inject({ method: 'GET', url: '/admin/clients', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(res.statusCode).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
