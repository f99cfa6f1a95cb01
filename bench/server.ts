import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { BenchGrant, BenchSeed } from './auth';
import { compileBenchServer } from './compile';
import { freePort } from './database';
import type { ServerReady } from './server-main';

export interface BenchServer extends ServerReady {
  baseUrl: string;
  pid: number;
  /** From fork() to the ready message: node, imports and everything in startupMs (and tsx's transforms under KOLIBRI_BENCH_TSX). */
  spawnToReadyMs: number;
  /** How the server runs: compiled JavaScript (as in the Docker image) or TypeScript through tsx (as `npm start`). */
  runtime: 'compiled' | 'tsx';
  /** Register the bench client and seed its organization's patient (see server-main.ts). */
  seed(grant: BenchGrant): Promise<BenchSeed>;
  /** Peak resident set size of the server process so far, in bytes. */
  peakRss(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Start Kolibri in a child process on `databaseUrl` (see server-main.ts), auth on unless
 * `options.auth` is 'off' (the older search mode, whose cohort has no episodes), and wait
 * until it listens. Other settings (DATABASE_POOL_SIZE, LOG_LEVEL, …) come from `env`; the
 * per-client rate limit is off (KOLIBRI_RATE_LIMIT_PER_MINUTE=0) unless `env` sets one, since
 * the load generator is one client sending thousands of requests a second on purpose.
 *
 * The server runs compiled (compile.ts), as the Docker image runs it; KOLIBRI_BENCH_TSX=1 runs
 * the TypeScript through tsx instead, as `npm start` does. KOLIBRI_BENCH_SERVER_JS names an
 * already compiled server-main.js.
 */
export async function startBenchServer(databaseUrl: string, env: NodeJS.ProcessEnv, options: { auth: 'on' | 'off' } = { auth: 'on' }): Promise<BenchServer> {
  const port = await freePort();
  const compiled = env.KOLIBRI_BENCH_TSX ? undefined : (env.KOLIBRI_BENCH_SERVER_JS ?? (await compiledServer()));
  const t0 = performance.now();
  const child = fork(compiled ?? join(__dirname, 'server-main.ts'), [], {
    // KOLIBRI_BENCH_PROFILE=<dir>: a V8 CPU profile of the server, written when it stops;
    // KOLIBRI_BENCH_TRACE_GC=1: V8's line per collection on the server's stdout (heap before → after)
    execArgv: [...(compiled ? [] : ['--import', 'tsx']), ...(env.KOLIBRI_BENCH_TRACE_GC ? ['--trace-gc'] : []), ...(env.KOLIBRI_BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', env.KOLIBRI_BENCH_PROFILE] : [])],
    env: {
      KOLIBRI_RATE_LIMIT_PER_MINUTE: '0',
      KOLIBRI_ACCESS_TOKEN_TTL: '3600',
      ...env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      BASE_URL: `http://127.0.0.1:${port}/fhir`,
      KOLIBRI_AUTH: options.auth,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = <T>(message: object, key: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (answer: Record<string, unknown>) => {
        if (!(key in answer) && !('error' in answer)) return;
        child.off('message', onMessage);
        if (key in answer) resolve(answer[key] as T);
        else reject(new Error(`benchmark server: ${String(answer.error)}`));
      };
      child.on('message', onMessage);
      child.send(message);
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      // a CPU profile is written as the process exits: a long run's takes more than a few seconds
      const kill = setTimeout(() => child.kill('SIGKILL'), env.KOLIBRI_BENCH_PROFILE ? 120_000 : 5000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      if (child.connected) child.disconnect();
      else child.kill('SIGTERM');
    });
  const ready = await new Promise<ServerReady>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`benchmark server exited with code ${code} before it was ready`)));
    child.once('message', (message: { ready?: ServerReady; error?: string }) => {
      if (!message.ready) return reject(new Error(`benchmark server failed: ${message.error}`));
      resolve(message.ready);
    });
  });
  return {
    ...ready,
    baseUrl: `http://127.0.0.1:${ready.port}`,
    pid: child.pid as number,
    spawnToReadyMs: Math.round(performance.now() - t0),
    runtime: compiled ? 'compiled' : 'tsx',
    seed: (grant) => ask<BenchSeed>({ seed: grant }, 'seeded'),
    peakRss: () => ask<number>({ rss: true }, 'rss'),
    stop,
  };
}

let compiling: Promise<string> | undefined;

/** The compiled bench server, built once per bench process. */
function compiledServer(): Promise<string> {
  compiling ??= compileBenchServer(join(__dirname, '..'));
  return compiling;
}
