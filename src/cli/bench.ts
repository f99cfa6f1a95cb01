import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export const help = `Usage: kolibri bench [scenario…] [--duration <s>] [--warmup <s>]

Run the benchmark suite (same as npm run bench): starts its own database (DATABASE_URL, else a
throw-away embedded PostgreSQL) and its own server with auth on and a registered bench client,
calibrates raw PostgreSQL, measures each scenario and prints figures, ratios to the calibration,
peak RSS and start-up time; JSON goes to bench/results/. Without scenarios, every default one
(about 3 minutes). \`kolibri bench -- --help\` lists the scenarios and options.
`;

/** Runs bench/run.ts in its own process (it measures a server child and exits when done). */
export async function run(argv: string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(help);
    return 0;
  }
  const script = join(ROOT, 'bench', 'run.ts');
  // the Docker image ships neither bench/ nor tsx (a dev dependency)
  if (!existsSync(script)) {
    process.stderr.write('kolibri bench: runs from a checkout after npm install (bench/ and tsx are not installed here)\n');
    return 2;
  }
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, stdio: 'inherit' });
  return new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
}
