import { bar } from '../src/cli/progress';

/**
 * A one-line progress bar on stderr for the benchmark's cells (calibrations and scenarios):
 * redrawn in place on a terminal, one plain line per step otherwise (CI logs, pipes).
 */
export class Progress {
  private done = 0;
  private readonly started = Date.now();

  constructor(
    private readonly total: number,
    private readonly secondsPerStep: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  /** Announce the step about to run. */
  step(label: string): void {
    const left = Math.max(0, Math.round((this.total - this.done) * this.secondsPerStep));
    const line = `bench ${bar(this.done, Math.max(1, this.total))} ${this.done + 1}/${this.total} ${label} (~${left} s left)`;
    if (this.out.isTTY) this.out.write(`\r\x1b[2K${line}`);
    else this.out.write(`${line}\n`);
    this.done++;
  }

  /** Clear the bar (terminal) and say how long it took. */
  finish(): void {
    if (this.out.isTTY) this.out.write('\r\x1b[2K');
    this.out.write(`bench: ${this.total} cells in ${Math.round((Date.now() - this.started) / 1000)} s\n`);
  }
}
