/**
 * `kolibri <command>`: one entry point for operators. Each command lives in its own module
 * exporting `run(argv, env)`; modules load lazily so `kolibri --help` stays instant.
 */
export interface Command {
  summary: string;
  /** Resolves with the process exit code. */
  load: () => Promise<{ run(argv: string[], env: NodeJS.ProcessEnv): Promise<number> }>;
}

export const commands: Record<string, Command> = {
  serve: { summary: 'start the server (same as npm start)', load: async () => require('./serve') as typeof import('./serve') },
  migrate: { summary: 'apply pending database migrations and exit', load: async () => require('./migrate') as typeof import('./migrate') },
  clients: { summary: 'register, list and revoke API clients; rotate the signing key', load: async () => require('./clients') as typeof import('./clients') },
  reindex: { summary: 'rebuild search-index rows (after adding SearchParameters or an upgrade that changes indexing)', load: async () => require('./reindex') as typeof import('./reindex') },
  seed: { summary: 'create a demo cohort (regions, municipalities, citizens, months of measurements)', load: async () => require('../telemedicine/seed/command') as typeof import('../telemedicine/seed/command') },
  package: { summary: 'inspect FHIR NPM packages (implementation guides): what they hold, what would fail to load', load: async () => require('./package') as typeof import('./package') },
  bench: { summary: 'benchmark suite: calibrated throughput and latency, RSS, start-up', load: async () => require('./bench') as typeof import('./bench') },
};

/** Register a command contributed by a feature (reindex, clients, seed, bench...). */
export function addCommand(name: string, command: Command): void {
  commands[name] = command;
}

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: kolibri <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nkolibri <command> --help for a command's options.\n`;
}

/** Run one command; `env` is the environment its configuration is read from. */
export async function cli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`kolibri: unknown command '${name}' (kolibri --help lists the commands)\n`);
    return 2;
  }
  try {
    return await (await command.load()).run(rest, env);
  } catch (err) {
    // a command's own catch covers its work; this covers loading it and anything it let through
    // (loaded here, not on top: failure.ts reads config.ts, and `kolibri --help` stays instant)
    const { reportFailure } = require('./failure') as typeof import('./failure');
    return reportFailure(`kolibri ${name}`, err);
  }
}

/**
 * Run the CLI as a program: the exit code of the command, 1 with one readable line for anything
 * it throws. bin/kolibri.js calls this; so does `node dist/cli/kolibri.js` in the Docker image.
 */
export function main(argv: string[]): void {
  cli(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`kolibri: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) main(process.argv.slice(2));
