import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The folders tsc writes JavaScript for (tsconfig.json's `include`). */
const COMPILED = new Set(['src', 'bench', 'test']);

/**
 * The bench server compiled to JavaScript, as the Docker image runs Kolibri (`node dist/main.js`),
 * rather than through tsx. Under tsx each named function is also named with Object.defineProperty
 * every time it is created, so closures made per request cost more than in the image: up to 8 % of
 * the server's CPU in this bench before index extraction stopped making them per value.
 *
 * tsc writes src/, bench/ and test/ into a scratch folder laid out like the repository. Everything else
 * at the top of the repository is linked in, because the code reads files next to itself
 * (package.json, migrations/, config/, fhir-profiles/, openapi.yaml …) and node_modules/ is needed
 * too. Resolves with the path of the compiled server-main.js. Takes about 10 s; the folder is
 * removed when the bench process exits.
 */
export async function compileBenchServer(repo: string): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), 'kolibri-bench-build-'));
  // the links are removed, not what they point to
  process.once('exit', () => rmSync(out, { recursive: true, force: true }));
  await run(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(repo, 'tsconfig.json'), '--outDir', out, '--sourceMap', 'false'], {
    cwd: repo,
    maxBuffer: 16 * 2 ** 20,
  }).catch((err: { stdout?: string }) => {
    throw new Error(`compiling the bench server failed:\n${err.stdout ?? String(err)}`);
  });
  for (const entry of await readdir(repo)) {
    if (COMPILED.has(entry) || entry === '.git') continue;
    await symlink(join(repo, entry), join(out, entry));
  }
  return join(out, 'bench', 'server-main.js');
}
