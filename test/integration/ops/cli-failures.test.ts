import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { kolibriCli } from './cli-process';
import { makeDataDir } from './kolibri-process';

/**
 * Every CLI failure is one readable `kolibri …: …` line on stderr and a non-zero exit: 2 for a
 * wrong command line, 1 when the work fails (here: a database that does not answer). None of
 * these touch the data folder.
 */
describe('kolibri CLI failures', () => {
  const root = makeDataDir('kolibri-cli-fail-');
  const dataDir = join(root, 'data');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each([
    [['frobnicate'], "kolibri: unknown command 'frobnicate' (kolibri --help lists the commands)"],
    [['clients', 'list', '--frobnicate'], "kolibri clients: Unknown option '--frobnicate'"],
    [['clients', 'add', '--id'], "kolibri clients: Option '--id <value>' argument missing"],
    [['clients', 'add', '--id', 'x', '--kind', 'system'], /^kolibri clients add: organization: .*; scopes: .*; give exactly one of jwks \(inline JWKS\) or jwksUri$/],
    [['seed', '--patients', 'many'], "kolibri seed: --patients must be a positive integer, got 'many' (kolibri seed --help)"],
    [['seed', '--frobnicate', '1'], 'kolibri seed: unknown option --frobnicate (kolibri seed --help)'],
    [['reindex', '--batch', '0'], 'kolibri reindex: --batch must be a positive integer'],
    [['reindex', '--type', 'Frobnicate'], 'kolibri reindex: unknown resource type Frobnicate'],
    [['migrate', 'now'], "kolibri migrate: unexpected argument 'now' (kolibri migrate takes none)"],
  ])('kolibri %j exits 2 with one line', async (args, line) => {
    const r = await kolibriCli(args, { KOLIBRI_DATA_DIR: dataDir });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(typeof line === 'string' ? new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : line);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('exits 1 with one line naming the database when DATABASE_URL does not answer (no password shown)', async () => {
    const env = { KOLIBRI_DATA_DIR: dataDir, DATABASE_URL: 'postgres://kolibri:s3cret@127.0.0.1:1/x' };
    const runs = await Promise.all([['clients', 'list'], ['clients', 'rotate-key'], ['seed', '--patients', '1'], ['migrate'], ['reindex']].map((args) => kolibriCli(args, env)));
    for (const [i, name] of ['clients', 'clients', 'seed', 'migrate', 'reindex'].entries()) {
      expect({ code: runs[i].code, stderr: runs[i].stderr }).toEqual({
        code: 1,
        stderr: expect.stringMatching(new RegExp(`^kolibri ${name}: cannot reach the database at postgres://127\\.0\\.0\\.1:1/x: .*ECONNREFUSED.*\\n$`)),
      });
      expect(runs[i].stderr).not.toContain('s3cret');
    }
    expect(existsSync(dataDir)).toBe(false);
  }, 40_000);

  it('exits 1 with the configuration problems on one line', async () => {
    const r = await kolibriCli(['clients', 'list'], { KOLIBRI_DATA_DIR: dataDir, DATABASE_URL: 'mysql://x', PORT: 'eighty' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('kolibri clients: invalid configuration: PORT must be an integer from 0 to 65535, got \'eighty\'; DATABASE_URL must start with postgres:// or postgresql://\n');
  });
});
