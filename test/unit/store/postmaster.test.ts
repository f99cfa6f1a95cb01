import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearLeftoverPostmaster, readPostmasterPid } from '../../../src/store/postmaster';

/** postmaster.pid as PostgreSQL writes it: pid, data folder, start time, port, … */
const writePid = (dir: string, pid: number) => writeFileSync(join(dir, 'postmaster.pid'), `${pid}\n${dir}\n1796440000\n5488\n/tmp\nlocalhost\n0 0\nready\n`);

/** A stand-in process whose command line reads like a postmaster of `dataDir` (it exits on SIGINT as PostgreSQL does). */
function fakePostmaster(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000); process.stdout.write("up")', 'postgres', '-D', dataDir], { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve) => child.stdout?.once('data', () => resolve(child)));
}

describe('clearLeftoverPostmaster', () => {
  let dir: string;
  const logged: string[] = [];
  const log = (m: string) => logged.push(m);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kolibri-pm-'));
    logged.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads pid and port from postmaster.pid', () => {
    writePid(dir, 4242);
    expect(readPostmasterPid(dir)).toEqual({ pid: 4242, port: 5488 });
  });

  it('stops a postmaster of this data folder left running by a crash', async () => {
    const orphan = await fakePostmaster(dir);
    writePid(dir, orphan.pid as number);
    const exited = new Promise((r) => orphan.once('exit', (_code, signal) => r(signal)));
    await clearLeftoverPostmaster(dir, log);
    expect(await exited).toBe('SIGINT');
    expect(logged[0]).toMatch(/stopping PostgreSQL \(pid \d+\) left running in/);
  });

  it('never signals a PostgreSQL of another folder that got the pid, and removes the stale file', async () => {
    const other = await fakePostmaster(join(dir, 'elsewhere'));
    try {
      writePid(dir, other.pid as number);
      await clearLeftoverPostmaster(dir, log);
      expect(other.exitCode).toBeNull();
      expect(other.signalCode).toBeNull();
      expect(existsSync(join(dir, 'postmaster.pid'))).toBe(false);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('leaves the pid file of a process that is gone to PostgreSQL (it checks the shared memory itself)', async () => {
    writePid(dir, spawnSync(process.execPath, ['-e', '0']).pid as number);
    await clearLeftoverPostmaster(dir, log);
    expect(existsSync(join(dir, 'postmaster.pid'))).toBe(true);
    expect(logged).toEqual([]);
  });
});
