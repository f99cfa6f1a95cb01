import { main } from '../main';

export const help = `Usage: kolibri serve

Start Kolibri. Configuration comes from the environment (see README: PORT, HOST, DATABASE_URL,
KOLIBRI_DATA_DIR, BASE_URL, LOG_LEVEL, MAX_BODY_BYTES, ...). Without DATABASE_URL an embedded
PostgreSQL keeps its data in KOLIBRI_DATA_DIR.
`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(help);
    return 0;
  }
  await main();
  // The server keeps the process alive; it exits through its signal handlers.
  return new Promise<number>(() => undefined);
}
