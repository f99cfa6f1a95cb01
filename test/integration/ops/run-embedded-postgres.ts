import { startEmbeddedPostgres } from '../../../src/store/embedded';

/**
 * A stand-alone PostgreSQL for the DATABASE_URL crash test: `node --import tsx
 * run-embedded-postgres.ts <dataDir> <port>` prints `ready <url>` once it accepts connections
 * and stops it (fast shutdown) on SIGTERM.
 */
async function run(): Promise<void> {
  const [dataDir, port] = process.argv.slice(2);
  const db = await startEmbeddedPostgres({ dataDir, port: Number(port), persistent: true });
  process.stdout.write(`ready ${db.url}\n`);
  process.once('SIGTERM', () => {
    void db.stop().then(() => process.exit(0));
  });
}

run().catch((err: unknown) => {
  process.stderr.write(`run-embedded-postgres: ${(err as Error).message}\n`);
  process.exit(1);
});
