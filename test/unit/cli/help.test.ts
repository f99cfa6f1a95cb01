import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commands } from '../../../src/cli/kolibri';

const ROOT = join(__dirname, '..', '..', '..');

/** `node bin/kolibri.js …` as an operator runs it (npx kolibri), with its exit code and output. */
function kolibri(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin', 'kolibri.js'), ...args], { cwd: ROOT, env, timeout: 45_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

/**
 * Every command answers `--help` in its own process: exit 0, a usage line naming it on stdout,
 * and no side effect — no embedded database is started (its data folder is never created).
 */
describe('kolibri <command> --help (spawned)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'kolibri-help-'));
  const dataDir = join(scratch, 'data');
  const env: NodeJS.ProcessEnv = { ...process.env, KOLIBRI_DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('covers the commands this test knows', () => {
    expect(Object.keys(commands).sort()).toEqual(['bench', 'clients', 'migrate', 'package', 'reindex', 'seed', 'serve']);
  });

  it.each(['serve', 'migrate', 'reindex', 'clients', 'seed', 'bench', 'package'])('%s --help exits 0 with its usage', async (name) => {
    const { code, stdout, stderr } = await kolibri([name, '--help'], env);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(new RegExp(`^Usage: kolibri ${name}\\b`, 'm'));
    // more than the usage line: what it does and what it reads
    expect(stdout.trim().split('\n').length).toBeGreaterThan(2);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('kolibri --help lists the commands', async () => {
    const { code, stdout } = await kolibri(['--help'], env);
    expect(code).toBe(0);
    for (const name of Object.keys(commands)) expect(stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });
});
