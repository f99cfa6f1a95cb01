import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { ServerReady } from './server-main';

export interface BenchServer extends ServerReady {
  baseUrl: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Start Kolibri in a child process on `databaseUrl` (see server-main.ts) and wait until it
 * listens. Other settings (DATABASE_POOL_SIZE, LOG_LEVEL, …) come from this environment.
 */
export function startBenchServer(databaseUrl: string, env: NodeJS.ProcessEnv): Promise<BenchServer> {
  const child = fork(join(__dirname, 'server-main.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      if (child.connected) child.disconnect();
      else child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`benchmark server exited with code ${code} before it was ready`)));
    child.once('message', (message: { ready?: ServerReady; error?: string }) => {
      if (!message.ready) return reject(new Error(`benchmark server failed: ${message.error}`));
      resolve({ ...message.ready, baseUrl: `http://127.0.0.1:${message.ready.port}`, pid: child.pid as number, stop });
    });
  });
}
