import { loadConfig } from '../config';
import { migrate, readMigrations, reindexAdvice } from '../store/migrate';
import { migrationsDir } from '../version';
import { withDatabase } from './database';
import { reportFailure, UsageError } from './failure';

export const help = `Usage: kolibri migrate

Apply pending migrations (migrations/NNN_*.sql) to DATABASE_URL, or to the embedded database in
KOLIBRI_DATA_DIR when DATABASE_URL is unset (the running server's, when one holds that folder),
and exit. Safe to run while servers start: migrations take a PostgreSQL advisory lock.
`;

/** `npm run migrate` / `kolibri migrate`. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(help);
    return 0;
  }
  try {
    if (argv.length) throw new UsageError(`unexpected argument '${argv[0]}' (kolibri migrate takes none)`);
    const { applied, advice } = await withDatabase(loadConfig(process.env), async (db) => {
      const done = await migrate(db.pool, readMigrations(migrationsDir));
      return { applied: done, advice: await reindexAdvice(db.pool, done) };
    });
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    if (advice) process.stdout.write(`${advice}\n`);
    return 0;
  } catch (err) {
    return reportFailure('kolibri migrate', err);
  }
}

if (require.main === module) void run(process.argv.slice(2)).then((code) => process.exit(code));
