import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { createTestApp, type TestApp } from '../../support/app';
import { clientsCli } from '../auth/clients-cli';
import { requestToken, type VendorApp } from '../auth/vendor-app';

/**
 * Issue 13 item 11: `kolibri clients keygen` gives a vendor the two files SMART Backend Services
 * needs, and they work end to end: the JWKS registers, the private key signs an assertion that
 * gets a token.
 */
describe('kolibri clients keygen', () => {
  let dir: string;
  let t: TestApp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kolibri-keygen-'));
    t = await createTestApp({ auth: 'on' });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as JWK & { keys: JWK[] };

  it('writes <prefix>.private.jwk.json (0600) and <prefix>.jwks.json; the JWKS registers and the private key gets a token', async () => {
    const prefix = join(dir, 'aalborg-kol');
    const made = await clientsCli('keygen', '--out', prefix);
    expect(made).toMatchObject({ code: 0, err: '' });
    const privateJwk = read(`${prefix}.private.jwk.json`);
    const jwks = read(`${prefix}.jwks.json`);
    expect(statSync(`${prefix}.private.jwk.json`).mode & 0o777).toBe(0o600);
    expect(privateJwk).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384', use: 'sig' });
    expect(privateJwk.d).toBeDefined();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384', use: 'sig', kid: privateJwk.kid, x: privateJwk.x, y: privateJwk.y });
    expect(jwks.keys[0].d).toBeUndefined();
    expect(made.out).toContain(privateJwk.kid as string);

    const clientId = `keygen-${Date.now()}`;
    const added = await clientsCli('add', '--id', clientId, '--kind', 'system', '--organization', 'Organization/0851', '--scopes', 'system/Observation.rs', '--jwks', `${prefix}.jwks.json`);
    expect(added).toMatchObject({ code: 0, err: '' });
    const vendor = {
      clientId,
      kid: privateJwk.kid as string,
      alg: 'ES384',
      privateKey: (await importJWK(privateJwk, 'ES384')) as CryptoKey,
    } as VendorApp;
    const res = await requestToken(t, vendor, 'system/Observation.rs');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ token_type: 'Bearer', scope: 'system/Observation.rs' });
  });

  it('takes --alg and --kid', async () => {
    const prefix = join(dir, 'rsa');
    expect(await clientsCli('keygen', '--alg', 'RS384', '--kid', 'vendor-2026-12', '--out', prefix)).toMatchObject({ code: 0 });
    expect(read(`${prefix}.jwks.json`).keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS384', kid: 'vendor-2026-12', use: 'sig' });
  });

  it('never overwrites a key, and refuses algorithms the token endpoint does not take', async () => {
    const prefix = join(dir, 'aalborg-kol');
    const before = readFileSync(`${prefix}.private.jwk.json`, 'utf8');
    const again = await clientsCli('keygen', '--out', prefix);
    expect(again.code).toBe(1);
    expect(again.err).toContain('already exists');
    expect(readFileSync(`${prefix}.private.jwk.json`, 'utf8')).toBe(before);
    const hs = await clientsCli('keygen', '--alg', 'HS256', '--out', join(dir, 'hs'));
    expect(hs.code).toBe(1);
    expect(hs.err).toContain('--alg must be one of RS384, ES384, RS256, ES256');
    expect((await clientsCli('keygen')).code).toBe(2);
  });
});
