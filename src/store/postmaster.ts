import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { commandLine, isAlive, waitForExit, workingDirectory } from './os-process';

/** Where the PostgreSQL binaries are and whom the server runs as (the `postgres` user under root). */
export interface PostmasterCommand {
  postgres: string;
  uid?: number;
  gid?: number;
  /** Passed as `-c name=value`. */
  settings?: Record<string, string>;
}

const READY = 'database system is ready to accept connections';
const START_TIMEOUT_MS = 120_000;
/** Fast shutdown (SIGINT) rolls back open transactions and writes a checkpoint; committed work is kept. */
const FAST_SHUTDOWN_MS = 30_000;

/** The first lines of `<dataDir>/postmaster.pid` (https://www.postgresql.org/docs/current/storage-file-layout.html). */
export function readPostmasterPid(dataDir: string): { pid: number; port: number | undefined } | undefined {
  let text: string;
  try {
    text = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return Number.isInteger(pid) && pid > 0 ? { pid, port: Number.isInteger(port) ? port : undefined } : undefined;
}

/**
 * Make the data folder startable after a crash of whoever ran PostgreSQL in it before. The
 * caller holds the data folder's lock, so a postmaster still running there was left behind by a
 * Kolibri process that died without stopping it (kill -9, OOM): it is stopped with a fast
 * shutdown (falling back to immediate shutdown, then SIGKILL) and a fresh one is started, which
 * we can supervise and whose log we read. A postmaster.pid naming a dead process is left for
 * PostgreSQL, which checks itself that no backend of the old server still uses the shared
 * memory; one naming a live process that is not a PostgreSQL of this folder (a reused pid) is
 * removed, as PostgreSQL would refuse to start on it.
 */
export async function clearLeftoverPostmaster(dataDir: string, log: (message: string) => void): Promise<void> {
  const leftover = readPostmasterPid(dataDir);
  if (!leftover || !isAlive(leftover.pid)) return;
  const args = commandLine(leftover.pid);
  if (args === undefined) return; // nothing to tell it by: PostgreSQL's own checks decide
  // after a reboot the pid may belong to anything, another cluster's PostgreSQL included:
  // only a postgres serving this very folder is ours to stop
  const folder = resolve(dataDir);
  const servesFolder = args.includes(folder) || args.join(' ').includes(`-D ${folder} `) || workingDirectory(leftover.pid) === folder;
  if (!args.some((a) => /postgres/.test(a)) || !servesFolder) {
    log(`removing stale ${join(dataDir, 'postmaster.pid')}: pid ${leftover.pid} is now another program`);
    unlinkSync(join(dataDir, 'postmaster.pid'));
    return;
  }
  log(`stopping PostgreSQL (pid ${leftover.pid}) left running in ${dataDir} by a process that crashed`);
  await stopProcess(leftover.pid);
}

/** SIGINT, then SIGQUIT, then SIGKILL, each with a bound; throws if the process survives them all. */
export async function stopProcess(pid: number): Promise<void> {
  for (const [signal, ms] of [['SIGINT', FAST_SHUTDOWN_MS], ['SIGQUIT', 10_000], ['SIGKILL', 5_000]] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return; // already gone
    }
    if (await waitForExit(pid, ms)) return;
  }
  throw new Error(`PostgreSQL (pid ${pid}) did not stop; stop it by hand`);
}

/**
 * Start a postmaster on `dataDir` and resolve with its process once it accepts connections. It
 * runs in its own process group, so a Ctrl-C at the terminal reaches Kolibri only and Kolibri
 * stops the database last (lifecycle.ts). Rejects with the server's own last FATAL line when it
 * exits during start-up (port taken, old backends still attached to the shared memory, …).
 */
export function spawnPostmaster(command: PostmasterCommand, dataDir: string, port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const settings = Object.entries(command.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
    const child = spawn(command.postgres, ['-D', dataDir, '-p', String(port), ...settings], {
      ...(command.uid !== undefined ? { uid: command.uid, gid: command.gid } : {}),
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
    });
    const tail: string[] = [];
    let ready = false;
    const timer = setTimeout(() => {
      child.kill('SIGQUIT');
      reject(new Error(`PostgreSQL in ${dataDir} did not accept connections within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (ready) return;
      for (const line of chunk.split('\n')) if (line.trim()) tail.push(line.trim());
      tail.splice(0, Math.max(0, tail.length - 20));
      if (chunk.includes(READY)) {
        ready = true;
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL could not be started (${command.postgres}): ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (ready) return;
      const fatal = [...tail].reverse().find((l) => /FATAL|PANIC/.test(l)) ?? tail[tail.length - 1] ?? 'no output';
      reject(new Error(`PostgreSQL in ${dataDir} exited during start-up (${signal ?? `code ${code}`}): ${fatal.replace(/^.*?(FATAL|PANIC):\s*/, '')}`));
    });
  });
}
