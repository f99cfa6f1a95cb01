import { spawn, type ChildProcess } from 'node:child_process';

/** A process whose stdout and stderr are kept (for assertions and failure messages). */
export interface WatchedProcess {
  child: ChildProcess;
  /** What it wrote to stderr and stdout so far. */
  output(): string;
}

/** A Kolibri server started as its own process, and how to stop it. */
export interface ServerProcess extends WatchedProcess {
  base: string;
  stop(): Promise<void>;
}

/** Spawn `command args` in `cwd` with `env`, keeping what it writes. */
export function spawnWatched(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): WatchedProcess {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

/**
 * Poll `url` every `pollMs` until it answers 200 (true) or `timeoutMs` has passed (false);
 * throws with the process's output when it exits first.
 */
export async function untilReady(p: WatchedProcess, url: string, timeoutMs: number, pollMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (p.child.exitCode !== null) throw new Error(`server exited with ${p.child.exitCode}:\n${p.output()}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return false;
}

/**
 * Spawn `command args` in `cwd` with `env` (PORT set by the caller) and wait until `readyPath`
 * answers 200 on 127.0.0.1:`port`. Throws with the process's output when it exits or times out.
 */
export async function startServer(options: { command: string; args: string[]; cwd: string; env: NodeJS.ProcessEnv; port: number; readyPath?: string; timeoutMs?: number }): Promise<ServerProcess> {
  const p = spawnWatched(options.command, options.args, options.cwd, options.env);
  const { child } = p;
  const base = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  const readyPath = options.readyPath ?? '/fhir/metadata';
  if (await untilReady(p, `${base}${readyPath}`, options.timeoutMs ?? 60_000, 200)) return { ...p, base, stop };
  await stop();
  throw new Error(`server did not answer ${readyPath} in time:\n${p.output()}`);
}
