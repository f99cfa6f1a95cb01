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
  const file = join(folder, 'kolibri.lock');
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
    const live = holder && holder.pid !== process.pid && isAlive(holder.pid) && (holder.startTime === undefined || holder.startTime === startTime(holder.pid));
    if (live || attempt >= 3) throw new DataFolderInUseError(folder, holder?.pid ?? 0);
    rmSync(file, { force: true });
  }
  return () => {
    if (readLock(file)?.pid === process.pid) unlinkSync(file);
  };
}

function readLock(file: string): LockRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as LockRecord;
    return Number.isInteger(record.pid) ? record : undefined;
  } catch {
    return undefined;
  }
}
