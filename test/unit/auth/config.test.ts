import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLoopback } from '../../../src/auth/config';
import { ConfigError, loadConfig } from '../../../src/config';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

describe('auth configuration', () => {
  it('has auth on by default, 5-minute tokens, ES384 keys and no admin API', () => {
    const c = loadConfig({});
    expect(c.auth).toBe('on');
    expect(c.authSettings).toMatchObject({ accessTokenTtlSeconds: 300, signingAlg: 'ES384', adminToken: undefined, externalIssuer: undefined });
  });

  it('refuses KOLIBRI_AUTH=off on a non-loopback HOST', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'kolibri.example.dk']) {
      expect(problemsOf({ KOLIBRI_AUTH: 'off', HOST: host }).join('\n')).toMatch(/KOLIBRI_AUTH=off .* loopback HOST/);
    }
  });

  it('accepts KOLIBRI_AUTH=off on loopback hosts', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '[::1]']) {
      // BASE_URL given: the derived one does not bracket IPv6 literals
      expect(loadConfig({ KOLIBRI_AUTH: 'off', HOST: host, BASE_URL: 'http://localhost:8080/fhir' }).auth).toBe('off');
    }
    expect(isLoopback('128.0.0.1')).toBe(false);
  });

  it('reports bad auth variables by name', () => {
    const text = problemsOf({
      KOLIBRI_AUTH: 'maybe',
      KOLIBRI_ACCESS_TOKEN_TTL: '5',
      KOLIBRI_SIGNING_ALG: 'HS256',
      KOLIBRI_ADMIN_TOKEN: 'short',
      KOLIBRI_RATE_LIMIT_PER_MINUTE: '-1',
      KOLIBRI_EXTERNAL_ISSUER: 'https://idp.regionh.dk',
      KOLIBRI_EXTERNAL_CLAIMS: '{"nonsense": 1}',
    }).join('\n');
    for (const name of ['KOLIBRI_AUTH', 'KOLIBRI_ACCESS_TOKEN_TTL', 'KOLIBRI_SIGNING_ALG', 'KOLIBRI_ADMIN_TOKEN', 'KOLIBRI_RATE_LIMIT_PER_MINUTE', 'KOLIBRI_EXTERNAL_JWKS_URL', 'KOLIBRI_EXTERNAL_CLAIMS']) {
      expect(text).toContain(name);
    }
  });

  it('reads the admin token from the file KOLIBRI_ADMIN_TOKEN_FILE names (a Docker secret)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kolibri-secret-'));
    try {
      const file = join(dir, 'kolibri_admin_token');
      writeFileSync(file, 'a-secret-of-at-least-32-characters-0123456789\n');
      expect(loadConfig({ KOLIBRI_ADMIN_TOKEN_FILE: file }).authSettings.adminToken).toBe('a-secret-of-at-least-32-characters-0123456789');
      writeFileSync(file, '\n'); // an empty secret: no admin API, as when unset
      expect(loadConfig({ KOLIBRI_ADMIN_TOKEN_FILE: file }).authSettings.adminToken).toBeUndefined();
      writeFileSync(file, 'short');
      expect(problemsOf({ KOLIBRI_ADMIN_TOKEN_FILE: file }).join('\n')).toContain('KOLIBRI_ADMIN_TOKEN must be at least 32 characters');
      expect(problemsOf({ KOLIBRI_ADMIN_TOKEN_FILE: join(dir, 'absent') }).join('\n')).toContain(`KOLIBRI_ADMIN_TOKEN_FILE: cannot read ${join(dir, 'absent')} (ENOENT)`);
      expect(problemsOf({ KOLIBRI_ADMIN_TOKEN_FILE: file, KOLIBRI_ADMIN_TOKEN: 'x'.repeat(40) }).join('\n')).toContain('set KOLIBRI_ADMIN_TOKEN or KOLIBRI_ADMIN_TOKEN_FILE, not both');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads an external issuer with a claim mapping and the FHIR base as default audience', () => {
    const c = loadConfig({
      KOLIBRI_EXTERNAL_ISSUER: 'https://idp.regionh.dk',
      KOLIBRI_EXTERNAL_JWKS_URL: 'https://idp.regionh.dk/jwks',
      KOLIBRI_EXTERNAL_CLAIMS: '{"clientId":"azp","organization":"ext.org"}',
    });
    expect(c.authSettings.externalIssuer).toMatchObject({
      issuer: 'https://idp.regionh.dk',
      audience: 'http://127.0.0.1:8080/fhir',
      defaultKind: 'clinician',
      claims: { clientId: 'azp', organization: 'ext.org', scope: 'scope' },
    });
  });

  it('takes every client kind, operator included, as KOLIBRI_EXTERNAL_KIND and nothing else', () => {
    const external = { KOLIBRI_EXTERNAL_ISSUER: 'https://idp.regionh.dk', KOLIBRI_EXTERNAL_JWKS_URL: 'https://idp.regionh.dk/jwks' };
    for (const kind of ['system', 'clinician', 'citizen', 'operator']) {
      expect(loadConfig({ ...external, KOLIBRI_EXTERNAL_KIND: kind }).authSettings.externalIssuer?.defaultKind).toBe(kind);
    }
    expect(problemsOf({ ...external, KOLIBRI_EXTERNAL_KIND: 'robot' }).join('\n')).toMatch(/KOLIBRI_EXTERNAL_KIND must be one of system, clinician, citizen, operator/);
  });
});
