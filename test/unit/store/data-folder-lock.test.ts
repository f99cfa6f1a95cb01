import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFolderInUseError, lockDataFolder } from '../../../src/store/data-folder-lock';
import { startTime } from '../../../src/store/os-process';

describe('lockDataFolder', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kolibri-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const lockFile = () => join(dir, 'kolibri.lock');

  it('records this process and removes the lock on release', () => {
    const release = lockDataFolder(dir);
    expect(JSON.parse(readFileSync(lockFile(), 'utf8')).pid).toBe(process.pid);
    release();
    expect(existsSync(lockFile())).toBe(false);
  });

  it('refuses a folder a live process holds, naming the folder', () => {
    writeFileSync(lockFile(), JSON.stringify({ pid: process.ppid, startTime: startTime(process.ppid) }));
    expect(() => lockDataFolder(dir)).toThrow(DataFolderInUseError);
    expect(() => lockDataFolder(dir)).toThrow(new RegExp(`data folder ${dir} is in use by another Kolibri process \\(pid ${process.ppid}\\)`));
  });

  it('takes over the lock of a process that died', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(lockFile(), JSON.stringify({ pid: dead }));
    lockDataFolder(dir)();
  });

  it('takes over a lock whose pid now belongs to another program (it started later)', () => {
    if (startTime(process.ppid) === undefined) return; // no /proc: start times are unknown here
    writeFileSync(lockFile(), JSON.stringify({ pid: process.ppid, startTime: '1' }));
    lockDataFolder(dir)();
  });

  it('takes over an unreadable lock (a crash while writing it)', () => {
    writeFileSync(lockFile(), '');
    lockDataFolder(dir)();
  });
});
