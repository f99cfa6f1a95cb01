/**
 * A progress bar for long operator commands (reindex): redrawn in place on a terminal, at most
 * one plain line every few seconds otherwise (CI logs, pipes), so logs stay readable.
 */
export class ProgressBar {
  private readonly started = Date.now();
  private lastLine = 0;

  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly plainEveryMs = 5000,
  ) {}

  /** `done` of `total` units; `detail` follows the counts (e.g. a rate). */
  update(done: number, total: number, detail = ''): void {
    const line = `${this.label} ${bar(done, total)} ${done}/${total}${detail ? ` · ${detail}` : ''} · ${elapsed(this.started)}`;
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${line}`);
      return;
    }
    const now = Date.now();
    if (done < total && now - this.lastLine < this.plainEveryMs) return;
    this.lastLine = now;
    this.out.write(`${line}\n`);
  }

  /** End the bar's line (terminal). */
  finish(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}

/** `[#####.....]` for `done` of `total`. */
export function bar(done: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : width;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

function elapsed(since: number): string {
  return `${Math.round((Date.now() - since) / 1000)} s`;
}
