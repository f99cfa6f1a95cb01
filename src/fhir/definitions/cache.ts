import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where prepared definitions are kept unless KOLIBRI_DEFINITIONS_CACHE says otherwise. */
export const DEFAULT_DEFINITIONS_CACHE = join(tmpdir(), 'kolibri-definitions');

/**
 * A derived-file cache for the loaded definitions: the R4 base files are ~57 MB of JSON, and
 * parsing them, completing snapshots and dropping prose takes about a second at every start and
 * leaves a heap peak behind. The result is kept as one JSON file named by a key over everything it
 * derives from (the caller's inputs and the code in this folder), so a changed profile, package or
 * loader makes a new file (replacing the old one); a cache that cannot be read or written is just
 * not used.
 */
export function cached<T>(dir: string | undefined, inputs: readonly string[], build: () => T): T {
  if (!dir) return build();
  const file = join(dir, `definitions-${keyOf(inputs)}.json`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    // absent or unreadable: build it
  }
  const value = build();
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, file); // atomic: a concurrent start reads the old file or the whole new one
    for (const old of readdirSync(dir)) if (/^definitions-[0-9a-f]+\.json$/.test(old) && join(dir, old) !== file) rmSync(join(dir, old), { force: true });
  } catch {
    // read-only or full: serve without a cache
  }
  return value;
}

/**
 * sha256 over the inputs and this folder's code; a file path counts by its contents only, so two
 * checkouts of the same sources (or relative and absolute paths) share one cache file.
 */
function keyOf(inputs: readonly string[]): string {
  const hash = createHash('sha256');
  for (const input of [...inputs, ...codeFiles()]) hash.update(isFile(input) ? readFileSync(input) : input).update('\0');
  return hash.digest('hex').slice(0, 20);
}

/** This folder's code and the package reader's (../packages): what the prepared definitions derive from. */
function codeFiles(): string[] {
  return [__dirname, join(__dirname, '..', 'packages')].flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => /\.(ts|js)$/.test(f))
      .sort()
      .map((f) => join(dir, f)),
  );
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
