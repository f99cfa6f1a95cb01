import { readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { R4_DIR, r4CoreFiles } from './r4-core';

/**
 * For the runtime image (Dockerfile): delete the files of the R4 package the server never reads
 * (the specification's examples, ~115 MB of its ~190 MB), keeping exactly those r4-core.ts
 * reads and package.json. `node dist/fhir/definitions/prune-r4-package.js`.
 */
export function pruneR4Package(): { kept: number; removed: number } {
  const keep = new Set([...r4CoreFiles().map((f) => basename(f)), 'package.json']);
  let removed = 0;
  for (const name of readdirSync(R4_DIR)) {
    if (keep.has(name)) continue;
    rmSync(join(R4_DIR, name), { recursive: true, force: true });
    removed++;
  }
  return { kept: keep.size, removed };
}

if (require.main === module) {
  const { kept, removed } = pruneR4Package();
  process.stdout.write(`R4 package: kept ${kept} files, removed ${removed}\n`);
}
