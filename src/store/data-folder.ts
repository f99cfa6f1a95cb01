import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Thrown when the user PostgreSQL runs as cannot enter a folder on the way to its data. */
export class DataFolderUnreachableError extends Error {
  constructor(readonly folder: string, readonly dataDir: string, user: string) {
    const st = statSync(folder);
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    super(
      `the embedded PostgreSQL runs as user ${user}, which cannot enter ${folder} (mode ${mode}, owner uid ${st.uid}) on the way to data folder ${dataDir}; ` +
        `allow it (chmod o+x ${folder}) or set KOLIBRI_DATA_DIR to a folder it can reach (e.g. /var/lib/kolibri)`,
    );
    this.name = 'DataFolderUnreachableError';
  }
}

/** The unprivileged user that runs PostgreSQL when Kolibri runs as root (PostgreSQL refuses root). */
export interface DatabaseUser {
  name: string;
  uid: number;
  gid: number;
}

/**
 * Create the data folder (and missing parents) and make sure `user` can reach it. Folders
 * Kolibri creates are made enterable (0755, whatever the umask); folders that already existed
 * are the operator's and are never changed: if one of them stops `user` (a 0700 home, a
 * `mktemp -d` folder), start-up ends with a DataFolderUnreachableError naming it and the fix,
 * instead of a raw initdb failure. `user` is undefined when we are not root: PostgreSQL then
 * runs as we do and reaches whatever we reach.
 */
export function prepareDataFolder(dataDir: string, user: DatabaseUser | undefined): void {
  const folder = resolve(dataDir);
  const missing: string[] = [];
  let existing = folder;
  for (; !existsSync(existing); existing = dirname(existing)) missing.unshift(existing);
  if (user && !canEnter(existing, user)) {
    // name the first folder on the path that stops the user; create nothing behind it
    const path: string[] = [];
    for (let dir = existing; ; dir = dirname(dir)) {
      path.unshift(dir);
      if (dirname(dir) === dir) break;
    }
    throw new DataFolderUnreachableError(path.find((dir) => !canEnter(dir, user)) ?? existing, folder, user.name);
  }
  for (const dir of missing) {
    mkdirSync(dir);
    chmodSync(dir, 0o755);
  }
}

/** Ask the system rather than reading mode bits: the user's group and ACLs count as they will for PostgreSQL, spawned the same way. */
function canEnter(dir: string, user: DatabaseUser): boolean {
  return spawnSync('/bin/sh', ['-c', 'cd "$1"', 'sh', dir], { uid: user.uid, gid: user.gid, stdio: 'ignore' }).status === 0;
}
