import { nonCprUuid } from '../../support/ids';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import * as fhir from '../../../src/telemedicine/seed/resources';
import { createTestApp, type TestApp } from '../../support/app';
import { clientsCli } from '../auth/clients-cli';
import { requestToken, type VendorApp } from '../auth/vendor-app';

const README = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');

/** The `kolibri clients add …` commands of the README's "Operating Kolibri", as argv after `clients`. */
function documentedRegistrations(): string[][] {
  const start = README.indexOf('## Operating Kolibri');
  const section = README.slice(start, README.indexOf('\n## ', start + 1)).replace(/\\\n\s*/g, ' ');
  return [...section.matchAll(/kolibri clients (add [^\n<]*)/g)].map((m) => [...m[1].trim().matchAll(/"([^"]*)"|(\S+)/g)].map((w) => w[1] ?? w[2]));
}

/**
 * Issue 13 item 2: the operator path the README documents works as written — the operator client
 * registered with its documented scopes creates a municipality's Organization; the municipality's
 * system client registered under it enrols a citizen. (The commands run in-process on the test
 * database; runtime-image.test.ts runs the same CLI from the assembled image.)
 */
describe("the README's operator path", () => {
  let t: TestApp;
  let dir: string;
  const u = nonCprUuid().slice(0, 8);

  beforeAll(async () => {
    t = await createTestApp({ auth: 'on' });
    dir = mkdtempSync(join(tmpdir(), 'kolibri-operator-'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Run a documented `clients add`, with a fresh key, unique ids and `org` for the municipality's Organization. */
  async function register(argv: string[], org: string): Promise<{ vendor: VendorApp; scopes: string }> {
    const prefix = join(dir, nonCprUuid());
    expect((await clientsCli('keygen', '--out', prefix)).code).toBe(0);
    const args = argv.map((a) => a.replace(/^Organization\/0851$/, `Organization/${org}`));
    const at = (flag: string) => args.indexOf(flag) + 1;
    args[at('--id')] = `${args[at('--id')]}-${u}`;
    args[at('--jwks')] = `${prefix}.jwks.json`;
    const added = await clientsCli(...args);
    expect({ code: added.code, err: added.err }).toEqual({ code: 0, err: '' });
    const privateJwk = JSON.parse(readFileSync(`${prefix}.private.jwk.json`, 'utf8')) as JWK;
    const vendor = { clientId: args[at('--id')], kid: privateJwk.kid as string, alg: 'ES384', privateKey: (await importJWK(privateJwk, 'ES384')) as CryptoKey } as VendorApp;
    return { vendor, scopes: args[at('--scopes')] };
  }

  async function token(r: { vendor: VendorApp; scopes: string }): Promise<string> {
    const res = await requestToken(t, r.vendor, r.scopes);
    expect(res.statusCode).toBe(200);
    return res.json().access_token as string;
  }

  it('registers the operator, which creates the municipality; the municipality registers and enrols a citizen', async () => {
    const [operator, municipality, ...rest] = documentedRegistrations();
    expect(rest).toEqual([]);
    expect(operator).toContain('operator');
    expect(municipality).toContain('system');
    const org = `ops-${u}`;
    const headers = (tok: string) => ({ authorization: `Bearer ${tok}`, 'content-type': 'application/fhir+json' });

    const op = await token(await register(operator, org));
    const region = await t.app.inject({ method: 'PUT', url: `/fhir/Organization/region-${u}`, headers: headers(op), payload: { resourceType: 'Organization', id: `region-${u}`, name: 'Region Nordjylland' } });
    expect(region.statusCode).toBe(201);
    const created = await t.app.inject({ method: 'PUT', url: `/fhir/Organization/${org}`, headers: headers(op), payload: fhir.municipalityOrganization(org, '0851', 'Aalborg Kommune', `region-${u}`) });
    expect({ status: created.statusCode, body: created.statusCode === 201 ? '' : created.body }).toEqual({ status: 201, body: '' });

    const sys = await token(await register(municipality, org));
    const patient = await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: headers(sys), payload: { resourceType: 'Patient', name: [{ family: 'Jensen' }] } });
    expect({ status: patient.statusCode, body: patient.statusCode === 201 ? '' : patient.body }).toEqual({ status: 201, body: '' });
  });
});
