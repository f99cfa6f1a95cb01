import { DateTime } from 'luxon';
import { withDatabase } from '../../cli/database';
import { reportFailure, UsageError } from '../../cli/failure';
import { loadConfig } from '../../config';
import { loadDefinitions } from '../../fhir/definitions/load';
import { createServices } from '../../services';
import { migrate, readMigrations } from '../../store/migrate';
import { migrationsDir, softwareVersion } from '../../version';
import { ZONE } from '../scheduler/slots';
import { seedCohort, type SeedProgress } from './seed-cohort';

export const help = `Usage: kolibri seed [--patients 1000] [--months 6] [--end YYYY-MM-DD] [--prefix seed]

Create a demo cohort in DATABASE_URL, or in the embedded database in KOLIBRI_DATA_DIR when
DATABASE_URL is unset (the running server's, when one holds that folder): the five regions and fifteen municipalities (Organizations with region and
municipality codes), a care team per municipality, citizens with CPR numbers, COPD (DJ44) and heart
failure (DI50) episodes, care plans and measurement ServiceRequests with thresholds, and months of
Observations with alarms, assessment and missing-measurement Tasks. Deterministic ids: running it
again writes only what is missing. Applies pending migrations first.
`;

/** `kolibri seed`. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(help);
    return 0;
  }
  let progressShown = false;
  try {
    const options = parseArgs(argv);
    if (typeof options === 'string') throw new UsageError(`${options} (kolibri seed --help)`);
    const config = loadConfig(process.env);
    await withDatabase(
      config,
      async (db) => {
        await migrate(db.pool, readMigrations(migrationsDir));
        const services = createServices({ pool: db.pool, registry: loadDefinitions({ profileDirs: config.profileDirs, igPackages: config.igPackages, cacheDir: config.definitionsCacheDir }), migrations: [], config, softwareVersion });
        const started = Date.now();
        const summary = await seedCohort(services.store, { ...options, now: new Date() }, (p) => {
          progressShown = true;
          progressBar(p, started);
        });
        process.stderr.write('\n');
        process.stdout.write(`seeded ${summary.patients} citizens: ${summary.written} resources written, ${summary.skipped} already there (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      },
      4,
    );
    return 0;
  } catch (err) {
    // end the progress bar's line first
    if (progressShown) process.stderr.write('\n');
    return reportFailure('kolibri seed', err);
  }
}

export function parseArgs(argv: string[]): { patients: number; months: number; end: string; prefix: string } | string {
  const out = { patients: 1000, months: 6, end: DateTime.now().setZone(ZONE).toISODate() as string, prefix: 'seed' };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (value === undefined) return `${name} needs a value`;
    if (name === '--patients' || name === '--months') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > (name === '--patients' ? 1_000_000 : 60)) return `${name} must be a positive integer, got '${value}'`;
      out[name === '--patients' ? 'patients' : 'months'] = n;
    } else if (name === '--end') {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !DateTime.fromISO(value).isValid) return `--end must be a date (YYYY-MM-DD), got '${value}'`;
      out.end = value;
    } else if (name === '--prefix') {
      if (!/^[a-z0-9]{1,20}$/.test(value)) return `--prefix must be 1-20 lowercase letters or digits`;
      out.prefix = value;
    } else return `unknown option ${name}`;
  }
  return out;
}

function progressBar(p: SeedProgress, started: number): void {
  const width = 30;
  const done = Math.round((p.patientsDone / p.patients) * width);
  const seconds = (Date.now() - started) / 1000;
  const rate = Math.round((p.written + p.skipped) / Math.max(seconds, 0.001));
  process.stderr.write(`\r[${'#'.repeat(done)}${' '.repeat(width - done)}] ${p.patientsDone}/${p.patients} citizens · ${p.written} written · ${p.skipped} present · ${rate}/s · ${seconds.toFixed(0)} s `);
}
