import { spawn, type ChildProcess } from 'node:child_process';

/** A Kolibri server started as its own process, and how to stop it. */
export interface ServerProcess {
  child: ChildProcess;
  base: string;
  /** What it wrote to stderr and stdout so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Spawn `command args` in `cwd` with `env` (PORT set by the caller) and wait until `readyPath`
 * answers 200 on 127.0.0.1:`port`. Throws with the process's output when it exits or times out.
 */
export async function startServer(options: { command: string; args: string[]; cwd: string; env: NodeJS.ProcessEnv; port: number; readyPath?: string; timeoutMs?: number }): Promise<ServerProcess> {
  const child = spawn(options.command, options.args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const base = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${base}${options.readyPath ?? '/fhir/metadata'}`);
      await res.arrayBuffer();
      if (res.status === 200) return { child, base, output: () => output, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`server did not answer ${options.readyPath ?? '/fhir/metadata'} in time:\n${output}`);
}
