import { parseArgs } from 'node:util';
import { loadDefinitions } from '../fhir/definitions/load';
import { problemText, readPackageSet, PackageLoadError, type PackageProblem, type PackageSet } from '../fhir/packages/package-set';
import { reportFailure, UsageError } from './failure';

export const help = `Usage: kolibri package inspect <package> [<package>…]

Lists what FHIR NPM packages (implementation guides: a .tgz, or a folder holding
package/package.json) hold — StructureDefinitions, ValueSets, CodeSystems, ConceptMaps,
NamingSystems, SearchParameters, OperationDefinitions, and the files that are not loaded — and
what would fail to load with KOLIBRI_IG_PACKAGES set to the same packages (in the same order
of dependencies), each problem naming its file and resource. Snapshots are generated against
the R4 base and the other packages given. Exit code 0 when all would load, 1 when not.
Reads no database.
`;

/** `kolibri package inspect`. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(help);
    return 0;
  }
  try {
    const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
    const [sub, ...paths] = positionals;
    if (sub !== 'inspect') throw new UsageError(sub ? `unknown subcommand '${sub}' (kolibri package --help)` : 'kolibri package inspect <package>…');
    if (paths.length === 0) throw new UsageError('name at least one package (.tgz or folder)');
    const set = readPackageSet(paths);
    process.stdout.write(describePackages(set));
    const problems = loadProblems(paths);
    if (problems.length === 0) {
      process.stdout.write(`\nall ${set.entries.length} definitions would load\n`);
      return 0;
    }
    process.stdout.write(`\n${problems.length} would fail to load:\n${problems.map((p) => `  ${problemText(p)}`).join('\n')}\n`);
    return 1;
  } catch (err) {
    return reportFailure('kolibri package', err);
  }
}

/** What each package holds, by kind, with each definition's canonical. */
export function describePackages(set: PackageSet): string {
  const lines: string[] = [];
  for (const pkg of set.packages) {
    const deps = Object.entries(pkg.dependencies).map(([n, v]) => `${n}#${v}`);
    lines.push(`${pkg.name}#${pkg.version} (${pkg.source})${deps.length ? `, depends on ${deps.join(', ')}` : ''}`);
    const entries = set.entries.filter((e) => e.pkg === pkg);
    const kinds = [...new Set(entries.map((e) => e.resource.resourceType))].sort();
    for (const kind of kinds) {
      const ofKind = entries.filter((e) => e.resource.resourceType === kind);
      lines.push(`  ${kind} (${ofKind.length})`);
      for (const e of ofKind) {
        const r = e.resource as { id?: string; url?: string; version?: string };
        lines.push(`    ${r.id}${r.url ? `  ${r.url}${r.version ? `|${r.version}` : ''}` : ''}`);
      }
    }
    const ignored = set.ignored.filter((e) => e.pkg === pkg);
    if (ignored.length) lines.push(`  not loaded: ${ignored.length} other resources (${[...new Set(ignored.map((e) => e.resource.resourceType))].sort().join(', ')})`);
  }
  return `${lines.join('\n')}\n`;
}

/** Everything loading would refuse: the package checks and snapshot generation against the R4 base. */
function loadProblems(paths: readonly string[]): readonly PackageProblem[] {
  try {
    loadDefinitions({ igPackages: [...paths] });
    return [];
  } catch (err) {
    if (err instanceof PackageLoadError) return err.problems;
    throw err;
  }
}
