import { loadConfig } from '../config';
import { openDatabase } from '../store/database';
import { migrate, readMigrations } from '../store/migrate';
import { migrationsDir } from '../version';

export const help = `Usage: kolibri migrate

Apply pending migrations (migrations/NNN_*.sql) to DATABASE_URL, or to the embedded database in
KOLIBRI_DATA_DIR when DATABASE_URL is unset, and exit. Safe to run while servers start: migrations
take a PostgreSQL advisory lock.
`;

/** `npm run migrate` / `kolibri migrate`. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(help);
    return 0;
  }
  try {
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
    return 0;
  } catch (err) {
    process.stderr.write(`kolibri migrate: ${(err as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) void run(process.argv.slice(2)).then((code) => process.exit(code));
