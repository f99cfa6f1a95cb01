import { arch, cpus, platform, release, totalmem } from 'node:os';

/** The machine a run was taken on, for the results file and the README. */
export function machine() {
  return {
    cpu: cpus()[0]?.model,
    cpus: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
  };
}
