import { mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isAlive, startTime } from './os-process';

/** Thrown when another live Kolibri process already uses the data folder. */
export class DataFolderInUseError extends Error {
  constructor(readonly folder: string, readonly pid: number) {
    super(`data folder ${folder} is in use by another Kolibri process (pid ${pid}); stop it first, or give this one its own KOLIBRI_DATA_DIR`);
    this.name = 'DataFolderInUseError';
  }
}

const LOCK_FILE = 'kolibri.lock';

interface LockRecord {
  pid: number;
  /** The holder's start time (Linux): a pid reused by another program after a crash is not the holder. */
  startTime?: string;
}

/**
 * One Kolibri process per data folder: `<dataDir>/kolibri.lock` names the process that runs the
 * embedded database there. A second process on the same folder is refused (it would otherwise
 * take the first one's database for an orphan); a lock left by a process that died is taken
 * over. Returns the release function.
 */
export function lockDataFolder(dataDir: string): () => void {
  const folder = resolve(dataDir);
  mkdirSync(folder, { recursive: true });
  const file = join(folder, LOCK_FILE);
  const mine: LockRecord = { pid: process.pid, startTime: startTime(process.pid) };
  for (let attempt = 1; ; attempt++) {
    try {
      // 'wx': created only if absent, so two processes starting at once cannot both win
      writeFileSync(file, JSON.stringify(mine), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readLock(file);
    if ((holder && isLive(holder)) || attempt >= 3) throw new DataFolderInUseError(folder, holder?.pid ?? 0);
    rmSync(file, { force: true });
  }
  return () => {
    if (readLock(file)?.pid === process.pid) unlinkSync(file);
  };
}

/**
 * The pid of the live Kolibri process (other than this one) that holds the data folder, or
 * undefined when none does: the operator CLI then uses that process's embedded database.
 */
export function dataFolderHolder(dataDir: string): number | undefined {
  const holder = readLock(join(resolve(dataDir), LOCK_FILE));
  return holder && isLive(holder) ? holder.pid : undefined;
}

function isLive(holder: LockRecord): boolean {
  return holder.pid !== process.pid && isAlive(holder.pid) && (holder.startTime === undefined || holder.startTime === startTime(holder.pid));
}

function readLock(file: string): LockRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as LockRecord;
    return Number.isInteger(record.pid) ? record : undefined;
  } catch {
    return undefined;
  }
}
