import { ConfigError, loadConfig } from '../config';
import { openDatabase } from '../store/database';
import { migrate, readMigrations } from '../store/migrate';
import { migrationsDir } from '../version';

/** `npm run migrate`: apply pending migrations to DATABASE_URL (or the embedded database) and exit. */
async function run(): Promise<void> {
  const config = loadConfig(process.env);
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    embeddedPort: config.embeddedPostgresPort,
    poolSize: 2,
    log: (m) => process.stderr.write(`${m}\n`),
  });
  try {
    const applied = await migrate(db.pool, readMigrations(migrationsDir));
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
  } finally {
    await db.close();
  }
}

run().catch((err) => {
  process.stderr.write(`kolibri migrate: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
  process.exit(1);
});
