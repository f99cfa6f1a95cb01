import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { withDatabase } from '../../cli/database';
import { reportFailure, UsageError } from '../../cli/failure';
import { ProgressBar } from '../../cli/progress';
import { loadConfig } from '../../config';
import { loadDefinitions } from '../../fhir/definitions/load';
import { createServices } from '../../services';
import { migrate, readMigrations } from '../../store/migrate';
import { migrationsDir, softwareVersion } from '../../version';
import { ZONE } from '../scheduler/slots';
import { seedCohort } from './seed-cohort';
import { telemedicineModule } from '../module';
import { loadTargets } from '../reports/targets';

export const help = `Usage: kolibri seed [--patients 1000] [--months 6] [--end YYYY-MM-DD] [--prefix seed]

Create a demo cohort in DATABASE_URL, or in the embedded database in KOLIBRI_DATA_DIR when
DATABASE_URL is unset (the running server's, when one holds that folder): the five regions and fifteen municipalities (Organizations with region and
municipality codes), a care team per municipality, citizens with CPR numbers, COPD (DJ44), heart
failure (DI50), diabetes, pre-eclampsia, IBD and leg-ulcer episodes, care plans and measurement
ServiceRequests with thresholds, and months of Observations with alarms, assessment and
missing-measurement Tasks, hospital Encounters before and since enrolment, and self-management
(SEMCD-6) answers at enrolment and every 3 months. Deterministic ids: running it
again writes only what is missing. Applies pending migrations first.
`;

/** `kolibri seed`; `env` is the process environment (the configuration is read from it). */
export async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(help);
    return 0;
  }
  try {
    const options = seedOptions(argv);
    const config = loadConfig(env);
    await withDatabase(
      config,
      async (db) => {
        await migrate(db.pool, readMigrations(migrationsDir));
        const services = createServices({ storage: db.storage, registry: loadDefinitions({ profileDirs: config.profileDirs, igPackages: config.igPackages, cacheDir: config.definitionsCacheDir }), migrations: [], config, softwareVersion, modules: [telemedicineModule({ targets: loadTargets(config.reportTargetsFile) })] });
        const started = Date.now();
        const bar = new ProgressBar('seed');
        const summary = await seedCohort(services.store, { ...options, now: new Date() }, (p) => {
          const rate = Math.round((p.written + p.skipped) / Math.max((Date.now() - started) / 1000, 0.001));
          bar.update(p.patientsDone, p.patients, `${p.written} written · ${p.skipped} present · ${rate}/s`);
        }).finally(() => bar.finish());
        process.stdout.write(`seeded ${summary.patients} citizens: ${summary.written} resources written, ${summary.skipped} already there (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      },
      4,
    );
    return 0;
  } catch (err) {
    return reportFailure('kolibri seed', err);
  }
}

export interface SeedOptions {
  patients: number;
  months: number;
  end: string;
  prefix: string;
}

/** The command line's options, checked (a UsageError, exit code 2, says what is wrong). */
export function seedOptions(argv: string[]): SeedOptions {
  const usage = (message: string) => new UsageError(`${message} (kolibri seed --help)`);
  let values: Partial<Record<'patients' | 'months' | 'end' | 'prefix', string>>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { patients: { type: 'string' }, months: { type: 'string' }, end: { type: 'string' }, prefix: { type: 'string' } },
    }));
  } catch (err) {
    // parseArgs says "Unknown option '--x'"; the CLI's usage lines name the option and the help
    const unknown = /Unknown option '([^']+)'/.exec((err as Error).message)?.[1];
    throw unknown ? usage(`unknown option ${unknown}`) : usage((err as Error).message);
  }
  const count = (name: 'patients' | 'months', fallback: number, max: number) => {
    const value = values[name];
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw usage(`--${name} must be a positive integer, got '${value}'`);
    return n;
  };
  const end = values.end ?? (DateTime.now().setZone(ZONE).toISODate() as string);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(end) || !DateTime.fromISO(end).isValid) throw usage(`--end must be a date (YYYY-MM-DD), got '${end}'`);
  const prefix = values.prefix ?? 'seed';
  if (!/^[a-z0-9]{1,20}$/.test(prefix)) throw usage('--prefix must be 1-20 lowercase letters or digits');
  return { patients: count('patients', 1000, 1_000_000), months: count('months', 6, 60), end, prefix };
}
