import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { loadDefinitions } from '../fhir/definitions/load';
import { createIndexWriter } from '../store/search-index';
import { registryWithStored } from '../conformance/live-definitions';
import { recordIndexBuiltWith } from '../conformance/index-fingerprint';
import { systemClock } from '../clock';
import { withDatabase } from './database';
import { reportFailure, UsageError } from './failure';
import { ProgressBar } from './progress';

export const help = `Usage: kolibri reindex [--type Type[,Type…]] [--batch N]

Rebuild the search index of every stored resource (or of the given types) from the R4
SearchParameters plus those in the profile folders, the IG packages (KOLIBRI_IG_PACKAGES) and
those created through the API, in batches, with a progress bar on stderr. A whole rebuild also
records the SearchParameters it was built with, so the next start does not rebuild again. Safe while
servers run against the same DATABASE_URL. (With the embedded database, point DATABASE_URL at the
running server's embedded PostgreSQL, or leave it unset: the command finds that server through KOLIBRI_DATA_DIR.)
`;

/** `npm run reindex` / `kolibri reindex`. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(help);
    return 0;
  }
  try {
    const { values } = parseArgs({ args: argv, options: { type: { type: 'string' }, batch: { type: 'string' } } });
    const types = values.type?.split(',').filter(Boolean);
    const batchSize = Number(values.batch ?? 500);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError('--batch must be a positive integer');
    const config = loadConfig(process.env);
    const registry = loadDefinitions({ profileDirs: config.profileDirs, igPackages: config.igPackages, cacheDir: config.definitionsCacheDir });
    for (const t of types ?? []) if (!registry.isResourceType(t)) throw new UsageError(`unknown resource type ${t}`);
    const result = await withDatabase(config, async (db) => {
      // SearchParameters created through the API are indexed too (what this command is for)
      const writer = createIndexWriter(await registryWithStored(registry, db.storage), { baseUrl: config.baseUrl });
      const bar = new ProgressBar('reindex');
      try {
        const done = await db.storage.definitions.reindex(writer, { types, batchSize, onProgress: (p) => bar.update(p.done, p.total, `${p.rate}/s`) });
        // a whole rebuild is what a start would do for changed SearchParameters: it need not again
        if (!types) await recordIndexBuiltWith(db.storage, registry, systemClock);
        return done;
      } finally {
        bar.finish();
      }
    });
    process.stdout.write(`reindex complete: ${result.done} resources\n`);
    return 0;
  } catch (err) {
    return reportFailure('kolibri reindex', err);
  }
}

if (require.main === module) void run(process.argv.slice(2)).then((code) => process.exit(code));
