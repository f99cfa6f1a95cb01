import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../support/free-port';
import { kolibriCli, postmastersOf } from './cli-process';
import { exited, makeDataDir, postmasterPid, startKolibri, waitUntil, type KolibriProcess } from './kolibri-process';

/**
 * The operator CLI while a server runs on the embedded database (issue 13, item 3): with
 * DATABASE_URL unset and the same KOLIBRI_DATA_DIR, every command uses the running server's
 * embedded PostgreSQL (it printed "Cannot read properties of undefined (reading 'message')" and
 * exited 0). The server keeps its one postmaster throughout and serves what the CLI wrote.
 */
describe('kolibri CLI beside a running server (embedded database)', () => {
  const dataDir = makeDataDir('kolibri-cli-beside-');
  const env = { KOLIBRI_DATA_DIR: dataDir };
  let server: KolibriProcess;
  let postmaster: number;

  beforeAll(async () => {
    server = await startKolibri(env, await freePort());
    postmaster = postmasterPid(dataDir);
  }, 90_000);

  afterAll(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM');
      const killer = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
      await exited(server.child);
      clearTimeout(killer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }, 15_000);

  /** The server still runs its one postmaster and answers. */
  async function serverUntouched(): Promise<void> {
    expect(postmastersOf(dataDir)).toEqual([postmaster]);
    expect((await fetch(`http://127.0.0.1:${server.port}/readyz`)).status).toBe(200);
  }

  it('registers a system client with an inline JWKS, lists it, revokes it and rotates the signing key', async () => {
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' });
    const jwksFile = join(dataDir, 'vendor.jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...jwk, kid: 'vendor-1', alg: 'ES384', use: 'sig' }] }));

    const added = await kolibriCli(
      ['clients', 'add', '--id', 'cli-vendor', '--kind', 'system', '--organization', 'Organization/0851', '--scopes', 'system/Observation.rs system/Patient.rs', '--jwks', jwksFile],
      env,
    );
    expect(added).toMatchObject({ code: 0, stdout: 'registered cli-vendor (system, Organization/0851)\n' });
    const port = readFileSync(join(dataDir, 'embedded-pg-port'), 'utf8').trim();
    expect(added.stderr).toBe(`DATABASE_URL not set: data folder ${dataDir} belongs to the running Kolibri (pid ${server.child.pid}); using its embedded PostgreSQL on port ${port}\n`);

    const listed = await kolibriCli(['clients', 'list', '--json'], env);
    expect(listed.code).toBe(0);
    const clients = JSON.parse(listed.stdout) as Array<{ clientId: string; kind: string; status: string; scopes: string[]; jwks?: { keys: Array<{ kid: string }> } }>;
    expect(clients.find((c) => c.clientId === 'cli-vendor')).toMatchObject({
      kind: 'system',
      status: 'active',
      scopes: ['system/Observation.rs', 'system/Patient.rs'],
      jwks: { keys: [expect.objectContaining({ kid: 'vendor-1' })] },
    });

    expect(await kolibriCli(['clients', 'revoke', 'cli-vendor'], env)).toMatchObject({ code: 0, stdout: 'revoked cli-vendor\n' });
    const rotated = await kolibriCli(['clients', 'rotate-key'], env);
    expect(rotated).toMatchObject({ code: 0, stdout: expect.stringMatching(/^new signing key \S+\n$/) });
    await serverUntouched();
  }, 40_000);

  it('seeds citizens the server then serves, and migrates and reindexes its database', async () => {
    const seeded = await kolibriCli(['seed', '--patients', '3', '--months', '1', '--prefix', 'clitest'], env);
    expect({ code: seeded.code, stdout: seeded.stdout }).toEqual({ code: 0, stdout: expect.stringMatching(/^seeded 3 citizens: \d+ resources written, 0 already there/) });
    for (const id of ['clitest-p-00001', 'clitest-p-00002', 'clitest-p-00003']) {
      const res = await fetch(`http://127.0.0.1:${server.port}/fhir/Patient/${id}`);
      expect({ id, status: res.status }).toEqual({ id, status: 200 });
      expect(((await res.json()) as { id: string }).id).toBe(id);
    }

    expect(await kolibriCli(['migrate'], env)).toMatchObject({ code: 0, stdout: 'database is up to date\n' });
    expect(await kolibriCli(['reindex', '--type', 'Patient'], env)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^reindex complete: [1-9]\d* resources\n$/) });
    // the reindexed rows still find the seeded citizens
    const found = await waitUntil(async () => {
      const res = await fetch(`http://127.0.0.1:${server.port}/fhir/Patient?_id=clitest-p-00001,clitest-p-00002,clitest-p-00003&_summary=count`);
      return ((await res.json()) as { total?: number }).total === 3;
    }, 5_000);
    expect(found).toBe(true);
    await serverUntouched();
  }, 45_000);

  it('refuses a second `kolibri serve` on the folder with one line (one server per data folder)', async () => {
    const second = await kolibriCli(['serve'], { ...env, PORT: String(await freePort()), KOLIBRI_AUTH: 'off', LOG_LEVEL: 'warn' });
    expect(second).toMatchObject({ code: 1, stdout: '' });
    expect(second.stderr).toBe(`kolibri: start-up failed: data folder ${dataDir} is in use by another Kolibri process (pid ${server.child.pid}); stop it first, or give this one its own KOLIBRI_DATA_DIR\n`);
    await serverUntouched();
  }, 30_000);
});
