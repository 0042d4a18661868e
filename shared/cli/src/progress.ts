import type { Writable } from 'node:stream';

/**
 * The progress line on stderr, only when stderr is a terminal: the tool's detail (e.g. files done/total), rows, MB read, MB/s, at most four
 * updates a second, erased at the end. Wall-clock time is used here and only here: it never
 * reaches stdout, the summary or --stats.
 */
export class Progress {
  private timer: NodeJS.Timeout | undefined;
  private readonly started = Date.now();
  bytes = 0;
  /** Tool-specific text put before the counts, e.g. `2/5 files` (set by the tool as it goes). */
  detail = '';
  private shown = false;

  constructor(
    private readonly tool: string,
    private readonly stderr: Writable,
    private readonly rows: () => number,
    enabled: boolean,
  ) {
    if (enabled) {
      this.timer = setInterval(() => this.draw(), 250);
      this.timer.unref();
    }
  }

  /**
   * Name the stage of a multi-pass tool (`signing`, `clustering`, `writing`): it leads the line
   * and is drawn at once (when enabled), so even a short stage shows on the terminal.
   */
  stage(name: string): void {
    this.detail = name;
    if (this.timer) this.draw();
  }

  private draw(): void {
    const secs = Math.max((Date.now() - this.started) / 1000, 0.001);
    const mb = this.bytes / 1e6;
    this.stderr.write(`\r${this.tool}: ${this.detail ? `${this.detail}, ` : ''}${this.rows()} rows, ${mb.toFixed(1)} MB, ${(mb / secs).toFixed(1)} MB/s\x1b[K`);
    this.shown = true;
  }

  /** Stop and erase the line. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.shown) this.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}
