import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

export interface CliResult {
  /** Exit code; null when it was killed (the time limit). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `node bin/kolibri.js …` as an operator runs it (npx kolibri), in its own process: the test
 * runner's DATABASE_URL is not passed on, `env` is added. Killed after `timeoutMs`.
 */
export function kolibriCli(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<CliResult> {
  const base: Record<string, string | undefined> = { ...process.env };
  delete base.DATABASE_URL;
  return new Promise((done) => {
    execFile(process.execPath, [join(ROOT, 'bin', 'kolibri.js'), ...args], { cwd: ROOT, env: { ...base, ...env }, timeout: timeoutMs }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: unknown }).code as number | null) ?? null : 0, stdout, stderr });
    });
  });
}

/** stderr without the CLI's informational lines about which database it uses. */
export const failureLines = (r: CliResult): string[] => r.stderr.split('\n').filter((l) => l && !l.startsWith('DATABASE_URL not set:'));

/**
 * Pids of the processes running PostgreSQL on `<dataDir>/pg` (Linux: from /proc; elsewhere the
 * postmaster.pid PostgreSQL leaves while it runs).
 */
export function postmastersOf(dataDir: string): number[] {
  const pg = resolve(dataDir, 'pg');
  if (!existsSync('/proc/self/cmdline')) {
    const file = join(pg, 'postmaster.pid');
    return existsSync(file) ? [Number(readFileSync(file, 'utf8').split('\n')[0])] : [];
  }
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return args.some((a) => a === pg) && args.some((a) => a.endsWith('postgres'));
      } catch {
        return false;
      }
    })
    .map(Number)
    // a backend the postmaster has just forked carries its command line until it retitles itself:
    // a postmaster is the one whose parent is not one of them
    .filter((pid, _i, all) => !all.includes(parentOf(pid)));
}

function parentOf(pid: number): number {
  try {
    return Number(/^PPid:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}
