import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Where export files live, by key (`<job id>/<file name>`). The file system implementation is
 * the default; an S3-compatible object store fits the same three calls (PUT of a streamed
 * object, GET as a stream, delete by prefix).
 */
export interface ExportStorage {
  /** Store the streamed body under `key` (replacing it), visible only once complete; resolves to its size in bytes. */
  put(key: string, body: AsyncIterable<string | Buffer>): Promise<number>;
  /** The stored bytes, or undefined when there is no such key. */
  get(key: string): Promise<Readable | undefined>;
  /** Remove every key under `prefix/`. */
  deletePrefix(prefix: string): Promise<void>;
}

const KEY = /^[A-Za-z0-9-]+(\/[A-Za-z0-9._-]+)?$/;

/** Export files under a directory on this machine (KOLIBRI_EXPORT_DIR). */
export class FileExportStorage implements ExportStorage {
  private readonly root: string;

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  async put(key: string, body: AsyncIterable<string | Buffer>): Promise<number> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    // written aside, then renamed: a reader (or a resumed job) never sees half a file
    const partial = `${path}.partial`;
    try {
      await pipeline(Readable.from(body), createWriteStream(partial));
      await rename(partial, path);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
    return (await stat(path)).size;
  }

  async get(key: string): Promise<Readable | undefined> {
    const path = this.path(key);
    try {
      await stat(path);
    } catch {
      return undefined;
    }
    return createReadStream(path);
  }

  async deletePrefix(prefix: string): Promise<void> {
    await rm(this.path(prefix), { recursive: true, force: true });
  }

  /** Keys are ours (job id, file name), checked anyway so no key leaves the directory. */
  private path(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid export storage key: ${key}`);
    const path = join(this.root, ...key.split('/'));
    if (!path.startsWith(this.root + sep)) throw new Error(`invalid export storage key: ${key}`);
    return path;
  }
}
