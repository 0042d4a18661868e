import type { DataError, Position } from '@ldt/errors';
import type { Rejector } from './lines.js';
import type { ReadCounts } from './rows.js';
import type { LineWriter } from './writer.js';

/** Sinks a tool was given: `--rejects FILE` (unusable lines, verbatim) and a drops file such as `--dups FILE`. */
export interface ReportSinks {
  rejects?: LineWriter;
  drops?: LineWriter;
}

/**
 * The accounting every tool shares (the datatrove BaseFilter idea, owned by shared code so no
 * tool can forget it): rows read, written, dropped by reason, rejected by reason, blank lines.
 * `read = written + dropped + rejected` for a filter. Dropped rows go to the drops sink, rejected
 * lines verbatim to the rejects sink; without a rejects sink the first bad line is an error.
 */
export class Report implements Rejector {
  /** Passed to the reader, which counts lines and blank lines into it. */
  readonly counts: ReadCounts = { lines: 0, blank: 0 };
  written = 0;
  /**
   * Extra copies among the rows written (curriculum-route's meta.repeat copies), so that
   * read = written - repeated + dropped + rejected holds in every tool (see `@ldt/testkit` assertCounts).
   */
  repeated = 0;
  readonly dropped = new Map<string, number>();
  readonly rejected = new Map<string, number>();
  /**
   * `audit`: the run checks rows and writes no rows (manifest verify, split-holdout check); the
   * summary and --stats then say `checked N rows` instead of read/written/dropped, whose identity
   * would not hold for rows that are only looked at.
   */
  audit = false;
  /** Tool-specific facts for the summary and `--stats` (e.g. index size). Keys snake_case. */
  readonly notes: Record<string, unknown> = {};

  constructor(private readonly sinks: ReportSinks = {}) {}

  /** Send dropped rows to `writer` (e.g. `--dups FILE`). */
  setDropsSink(writer: LineWriter): void {
    this.sinks.drops = writer;
  }

  /** True when bad lines are diverted (the tool was given `--rejects`). */
  get hasRejects(): boolean {
    return this.sinks.rejects !== undefined;
  }

  reject(reason: string, raw: string | Buffer, _pos: Position, error: DataError): void {
    const sink = this.sinks.rejects;
    if (!sink) throw error;
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
    if (typeof raw === 'string') sink.push(raw);
    else sink.pushBytes(Buffer.concat([raw, Buffer.from('\n')]));
  }

  /** Count a dropped row under `reason`; `line` (already serialised) goes to the drops sink if there is one. */
  drop(reason: string, line?: string): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1);
    if (line !== undefined) this.sinks.drops?.push(line);
  }

  get droppedTotal(): number {
    let n = 0;
    for (const v of this.dropped.values()) n += v;
    return n;
  }

  get rejectedTotal(): number {
    let n = 0;
    for (const v of this.rejected.values()) n += v;
    return n;
  }

  /** Write what the sinks have queued (call once per batch). */
  async flushSinks(): Promise<void> {
    if (this.sinks.rejects?.pending) await this.sinks.rejects.flush();
    if (this.sinks.drops?.pending) await this.sinks.drops.flush();
  }

  /** `read 10000, wrote 9123[, repeated N], dropped 877 (duplicate 877), rejected 1 (bad_json 1), skipped 2 blank lines` */
  summary(): string {
    const parts = this.audit ? [`checked ${this.counts.lines} row${this.counts.lines === 1 ? '' : 's'}`] : [`read ${this.counts.lines}`, `wrote ${this.written}`];
    if (this.repeated > 0) parts.push(`repeated ${this.repeated}`);
    if (this.dropped.size > 0) parts.push(`dropped ${this.droppedTotal} (${formatMap(this.dropped)})`);
    else if (!this.audit) parts.push('dropped 0');
    if (this.rejected.size > 0) parts.push(`rejected ${this.rejectedTotal} (${formatMap(this.rejected)})`);
    if (this.counts.blank > 0) parts.push(`skipped ${this.counts.blank} blank line${this.counts.blank === 1 ? '' : 's'}`);
    return parts.join(', ');
  }

  /** The numbers as JSON, for `--stats FILE` (deterministic: no timings). */
  toJSON(): Record<string, unknown> {
    if (this.audit)
      return {
        checked: this.counts.lines,
        rejected: Object.fromEntries([...this.rejected].sort()),
        rejected_total: this.rejectedTotal,
        blank_lines: this.counts.blank,
        ...(Object.keys(this.notes).length > 0 ? { notes: this.notes } : {}),
      };
    return {
      read: this.counts.lines,
      written: this.written,
      ...(this.repeated > 0 ? { repeated: this.repeated } : {}),
      dropped: Object.fromEntries([...this.dropped].sort()),
      dropped_total: this.droppedTotal,
      rejected: Object.fromEntries([...this.rejected].sort()),
      rejected_total: this.rejectedTotal,
      blank_lines: this.counts.blank,
      ...(Object.keys(this.notes).length > 0 ? { notes: this.notes } : {}),
    };
  }
}

function formatMap(m: Map<string, number>): string {
  return [...m]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}
