import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';

/**
 * What the operating system says about a process named in a pid file (postmaster.pid, Kolibri's
 * own lock). On Linux /proc tells zombies, program and start time apart; elsewhere only
 * "a signal can be sent" is known, and the answers below fall back to that.
 */

/** True when `pid` names a live process (a zombie — exited, not yet reaped — is not live). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user (the postgres user, when we are not root)
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return procStat(pid)?.state !== 'Z';
}

/** The process's start time (clock ticks since boot) on Linux: tells a reused pid from the original. */
export function startTime(pid: number): string | undefined {
  return procStat(pid)?.startTime;
}

/**
 * The arguments `pid` was started with (program first), or undefined when it cannot be told.
 * Without /proc (macOS), `ps` gives the command line as one string, the only element.
 */
export function commandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    try {
      const line = execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      return line ? [line] : undefined;
    } catch {
      return undefined;
    }
  }
}

/** The current folder of `pid` (PostgreSQL works in its data folder), or undefined where /proc is unavailable. */
export function workingDirectory(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/** Resolves true once `pid` is gone, false if it is still alive after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

function procStat(pid: number): { state: string; startTime: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may itself hold spaces and parentheses
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], startTime: fields[19] };
  } catch {
    return undefined;
  }
}
