import { nonCprUuid } from '../../support/ids';
import { SignJWT } from 'jose';
import { createTestApp, type TestApp } from '../../support/app';
import { ASSERTION_TYPE, registerVendorApp, TOKEN_URL } from '../auth/vendor-app';
import { random } from '../../../src/telemedicine/seed/geography';
import { inBatches } from './fuzz-support';

/**
 * Broken bearer tokens and client assertions with authentication on: garbage, the wrong
 * scheme, `a.b.c`, alg none, HS256 with a made-up secret, bad headers (kid, jku, crit),
 * undecodable parts, huge tokens, U+0000 and other controls, and seeded random strings.
 * /fhir answers 401 with an OperationOutcome and writes nothing; /auth/token and
 * /auth/introspect answer a 4xx OAuth error object.
 */

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const claims = () => ({ iss: 'http://kolibri.test', aud: 'http://kolibri.test/fhir', sub: 'x', client_id: 'x', scope: 'system/*.cruds', exp: now() + 300, iat: now(), jti: nonCprUuid() });

async function brokenTokens(): Promise<Array<[string, string]>> {
  const hs256 = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(new TextEncoder().encode('not-our-secret-not-our-secret-!!'));
  const next = random('fuzz-jwt');
  const chars = 'abcXYZ019-_.+/=~ \t\u0000\u0001"\\{}';
  const randomTokens = Array.from({ length: 12 }, (_, i): [string, string] => [
    `random ${i}`,
    Array.from({ length: 1 + Math.floor(next() * 80) }, () => chars[Math.floor(next() * chars.length)]).join(''),
  ]);
  return [
    ['garbage', 'garbage'],
    ['empty', ''],
    ['a.b.c', 'a.b.c'],
    ['dots', '...'],
    ['two parts', 'a.b'],
    ['five parts', 'a.b.c.d.e'],
    ['alg none', `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims())}.`],
    ['alg None', `${b64({ alg: 'None' })}.${b64(claims())}.`],
    ['alg none, signature kept', `${b64({ alg: 'none' })}.${b64(claims())}.${b64('sig')}`],
    ['HS256 with a made-up secret', hs256],
    ['kid path traversal', `${b64({ alg: 'ES384', kid: '../../../../etc/passwd' })}.${b64(claims())}.${b64('x')}`],
    ['jku to elsewhere', `${b64({ alg: 'ES384', jku: 'http://evil.example/jwks.json', kid: 'k' })}.${b64(claims())}.${b64('x')}`],
    ['crit header', `${b64({ alg: 'ES384', crit: ['exp'], kid: 'k' })}.${b64(claims())}.${b64('x')}`],
    ['header not JSON', `${b64('{')}.${b64(claims())}.${b64('x')}`],
    ['header a JSON array', `${b64([1])}.${b64(claims())}.${b64('x')}`],
    ['header with U+0000', `${b64('{"alg":"ES384\u0000"}')}.${b64(claims())}.${b64('x')}`],
    ['claims not JSON', `${b64({ alg: 'ES384' })}.${b64('\u0000')}.${b64('x')}`],
    ['claims of wrong types', `${b64({ alg: 'ES384' })}.${b64({ exp: 'soon', aud: 1, scope: {} })}.${b64('x')}`],
    ['not base64url', `${'*'.repeat(20)}.${'%'.repeat(20)}.${'!'.repeat(20)}`],
    ['huge', `${'a'.repeat(200_000)}.${'b'.repeat(200_000)}.${'c'.repeat(100)}`],
    ['huge header', `${b64({ alg: 'ES384', kid: 'k'.repeat(100_000) })}.${b64(claims())}.${b64('x')}`],
    ['U+0000 inside', `abc\u0000def`],
    ['only U+0000', '\u0000'],
    ['control characters', '\u0001\u0002\u001b'],
    ['non-ASCII', 'ææææ.øøø.ååå'],
    ...randomTokens,
  ];
}

const SCHEMES = (token: string): Array<[string, string]> => [
  ['Bearer', `Bearer ${token}`],
  ['bearer, two spaces', `bearer  ${token}`],
  ['no scheme', token],
  ['Basic', `Basic ${token}`],
  ['Bearer with U+0000', `Bearer\u0000${token}`],
];

describe('fuzz: broken JWTs are 401, never 5xx', () => {
  let t: TestApp;
  let tokens: Array<[string, string]>;
  beforeAll(async () => {
    t = await createTestApp({ auth: 'on' });
    tokens = await brokenTokens();
  });
  afterAll(() => t.close());

  it('on /fhir: every broken Authorization header is a 401 OperationOutcome, and nothing is written', async () => {
    const marker = nonCprUuid();
    const failures: Array<{ what: string; status: number; body: string }> = [];
    const requests = tokens.flatMap(([name, token]) =>
      SCHEMES(token).flatMap(([scheme, authorization]) => [
        { what: `${name} (${scheme}) GET`, method: 'GET' as const, url: '/fhir/Patient?name=x', authorization },
        { what: `${name} (${scheme}) POST`, method: 'POST' as const, url: '/fhir/Patient', authorization, payload: { resourceType: 'Patient', name: [{ text: marker }] } },
        {
          what: `${name} (${scheme}) transaction`,
          method: 'POST' as const,
          url: '/fhir',
          authorization,
          payload: { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Patient', name: [{ text: marker }] }, request: { method: 'POST', url: 'Patient' } }] },
        },
      ]),
    );
    await inBatches(requests, 4, async (r) => {
      const res = await t.app.inject({ method: r.method, url: r.url, headers: { authorization: r.authorization, 'content-type': 'application/fhir+json' }, payload: r.payload && JSON.stringify(r.payload) });
      const body = res.body.startsWith('{') ? res.json() : undefined;
      if (res.statusCode !== 401 || body?.resourceType !== 'OperationOutcome') failures.push({ what: r.what.slice(0, 80), status: res.statusCode, body: res.body.slice(0, 200) });
    });
    expect(failures).toEqual([]);
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM resource_version WHERE content LIKE '%' || $1 || '%'`, [marker]);
    expect(rows[0].n).toBe(0);
  });

  it('on /auth/token: every broken client assertion and form is a 4xx OAuth error', async () => {
    const app = await registerVendorApp(t);
    const failures: Array<{ what: string; status: number; body: string }> = [];
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const valid = { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, scope: 'system/Patient.rs' };
    const bodies: Array<[string, string, string?]> = [
      ...tokens.map(([name, token]): [string, string] => [`assertion: ${name}`, form({ ...valid, client_assertion: token })]),
      ['alg none assertion for a real client', form({ ...valid, client_assertion: `${b64({ alg: 'none' })}.${b64({ iss: app.clientId, sub: app.clientId, aud: TOKEN_URL, exp: now() + 60, jti: nonCprUuid() })}.` })],
      ['no assertion', form(valid)],
      ['grant_type with U+0000', form({ ...valid, grant_type: 'client_credentials\u0000', client_assertion: 'a.b.c' })],
      ['scope with U+0000', form({ ...valid, scope: 'system/Patient.rs\u0000', client_assertion: 'a.b.c' })],
      ['repeated grant_type', `${form(valid)}&grant_type=password&client_assertion=a.b.c`],
      ['huge scope', form({ ...valid, scope: 'system/Patient.rs '.repeat(20_000), client_assertion: 'a.b.c' })],
      ['broken percent-encoding', 'grant_type=%zz&client_assertion=%E0%A4%A'],
      ['empty form', ''],
      ['JSON body', JSON.stringify({ ...valid, client_assertion: 'a.b.c' }), 'application/json'],
      ['malformed JSON body', '{"grant_type":', 'application/json'],
      ['text body', 'grant_type=client_credentials', 'text/plain'],
    ];
    for (const [what, payload, type] of bodies) {
      const res = await t.app.inject({ method: 'POST', url: '/auth/token', headers: { 'content-type': type ?? 'application/x-www-form-urlencoded' }, payload });
      const body = res.body.startsWith('{') ? res.json() : undefined;
      if (!(res.statusCode >= 400 && res.statusCode < 500) || typeof body?.error !== 'string') failures.push({ what, status: res.statusCode, body: res.body.slice(0, 200) });
    }
    for (const [name, token] of tokens) {
      const res = await t.app.inject({ method: 'POST', url: '/auth/introspect', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${token}` }, payload: form({ token }) });
      const body = res.body.startsWith('{') ? res.json() : undefined;
      if (!(res.statusCode >= 400 && res.statusCode < 500) || typeof body?.error !== 'string') failures.push({ what: `introspect: ${name}`, status: res.statusCode, body: res.body.slice(0, 200) });
    }
    expect(failures).toEqual([]);
  });
});
