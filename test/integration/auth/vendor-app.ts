import { nonCprUuid } from '../../support/ids';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { Client, NewClient } from '../../../src/auth/client-registration';
import type { TestApp } from '../../support/app';

/** The token URL of test apps (BASE_URL http://kolibri.test/fhir). */
export const TOKEN_URL = 'http://kolibri.test/auth/token';
export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123456789';

/** A vendor app as SMART Backend Services sees it: a client id and a private key. */
export interface VendorApp {
  clientId: string;
  kid: string;
  alg: 'ES384' | 'RS384' | 'ES256' | 'RS256';
  privateKey: CryptoKey;
  publicJwk: JWK;
  client: Client;
}

/** A vendor app's key pair: its private key and the public JWK it registers (with kid and alg). */
export async function vendorKeys(alg: VendorApp['alg'] = 'ES384'): Promise<Pick<VendorApp, 'kid' | 'alg' | 'privateKey' | 'publicJwk'>> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const kid = nonCprUuid();
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

/** Make a key pair and register a client with its public key (inline JWKS); a citizen client needs its `patient`. */
export async function registerVendorApp(
  t: TestApp,
  options: Partial<Omit<NewClient, 'clientId'>> & { alg?: VendorApp['alg'] } = {},
): Promise<VendorApp> {
  const keys = await vendorKeys(options.alg);
  const clientId = `app-${nonCprUuid()}`;
  const client = await t.auth.clients.add({
    clientId,
    kind: options.kind ?? 'system',
    organization: options.organization ?? 'Organization/0851',
    ...(options.patient ? { patient: options.patient } : {}),
    scopes: options.scopes ?? ['system/*.cruds'],
    ...(options.jwksUri ? { jwksUri: options.jwksUri } : { jwks: options.jwks ?? { keys: [keys.publicJwk] } }),
  });
  return { clientId, ...keys, client };
}

export interface AssertionOptions {
  claims?: JWTPayload;
  header?: Record<string, unknown>;
  /** Seconds from `now` until exp (default 240). */
  expiresIn?: number;
  audience?: string;
  key?: CryptoKey;
  jti?: string;
  now?: number;
}

/** A client assertion (private_key_jwt) as the SMART spec describes it. */
export function assertion(app: VendorApp, o: AssertionOptions = {}): Promise<string> {
  const now = Math.floor((o.now ?? Date.now()) / 1000);
  // claims given in `o.claims` win over the standard ones (to build wrong assertions)
  const standard = { iss: app.clientId, sub: app.clientId, aud: o.audience ?? TOKEN_URL, iat: now, exp: now + (o.expiresIn ?? 240), jti: o.jti ?? nonCprUuid() };
  return new SignJWT({ ...standard, ...o.claims })
    .setProtectedHeader({ alg: app.alg, kid: app.kid, typ: 'JWT', ...o.header })
    .sign(o.key ?? app.privateKey);
}

/** POST /auth/token with form parameters. */
export function tokenRequest(t: TestApp, form: Record<string, string>) {
  return t.app.inject({
    method: 'POST',
    url: '/auth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(form).toString(),
  });
}

/** The standard backend-services token request for `scope`. */
export async function requestToken(t: TestApp, app: VendorApp, scope: string, o: AssertionOptions = {}) {
  return tokenRequest(t, {
    grant_type: 'client_credentials',
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: await assertion(app, o),
    scope,
  });
}

/** An access token for `scope`, or a failing expectation. */
export async function accessToken(t: TestApp, app: VendorApp, scope: string, o: AssertionOptions = {}): Promise<string> {
  const res = await requestToken(t, app, scope, o);
  if (res.statusCode !== 200) throw new Error(`token request failed: ${res.statusCode} ${res.body}`);
  return res.json().access_token as string;
}

/** Decode a JWT's parts without verifying (for assertions about what the server signed). */
export function decodeParts(jwt: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = jwt.split('.');
  const parse = (s: string) => JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: parse(h), payload: parse(p) };
}
