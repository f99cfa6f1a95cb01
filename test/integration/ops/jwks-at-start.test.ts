import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../support/free-port';
import { freshDatabase, type FreshDatabase } from './fresh-database';
import { startServer, type ServerProcess } from './server-process';

const ROOT = join(__dirname, '..', '..', '..');

/**
 * Issue 13 item 5: verifiers cache /.well-known/jwks.json (max-age=300), so a set published
 * empty before the first token would leave them unable to check the first tokens for minutes.
 * Two servers start together on an empty database; before any token request both publish the
 * same single signing key.
 */
describe('the public JWKS of a freshly started server', () => {
  let db: FreshDatabase;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await db.drop();
  });

  it('has a key before any token is requested, one key for several instances starting at once', async () => {
    const ports = [await freePort(), await freePort()];
    servers.push(
      ...(await Promise.all(
        ports.map((port) =>
          startServer({
            command: process.execPath,
            args: ['--import', 'tsx', 'src/main.ts'],
            cwd: ROOT,
            port,
            env: { ...process.env, DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', KOLIBRI_AUTH: 'on', LOG_LEVEL: 'warn', KOLIBRI_SCHEDULER_INTERVAL_SECONDS: '0' },
          }),
        ),
      )),
    );
    const sets = await Promise.all(
      servers.flatMap((s) => ['/.well-known/jwks.json', '/fhir/.well-known/jwks.json'].map((path) => fetch(`${s.base}${path}`))),
    );
    const bodies = await Promise.all(sets.map((res) => res.json() as Promise<{ keys: Array<{ kid: string; alg: string; use: string; d?: string }> }>));
    for (const res of sets) expect(res.status).toBe(200);
    const kids = bodies.map((b) => b.keys.map((k) => k.kid));
    expect(kids[0]).toHaveLength(1);
    for (const k of kids) expect(k).toEqual(kids[0]);
    expect(bodies[0].keys[0]).toMatchObject({ alg: 'ES384', use: 'sig' });
    expect(bodies[0].keys[0].d).toBeUndefined(); // public parts only

    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ kid: string }>('SELECT kid FROM auth_server_key');
      expect(rows.map((r) => r.kid)).toEqual(kids[0]);
    } finally {
      await client.end();
    }
    // two servers compiling TypeScript at start (tsx) at once, each allowed 60 s to be ready
  }, 120_000);
});
