import { DataError } from '@ldt/errors';
import { HashSet128, xxh128 } from '@ldt/hash';
import { type LineChunk, type Report, type Row, serializeWithMeta } from '@ldt/ndjson';
import { type JsonObject, setMeta } from '@ldt/schema';
import type { NormalizeMode } from '@ldt/text';
import { type KeySpec, keyHash } from './key.js';
import { type PreparedChunk, type Problem, prepareRows } from './prepare.js';

/** Options of the dedup-exact core. */
export interface DedupExactOptions {
  /** What the key of a row is (default `auto`). */
  key: KeySpec;
  /** Text normalisation applied to the key's strings (default `none`: exact). */
  normalize: NormalizeMode;
  /** Serialise dropped rows (with `meta.dup_of`) for a `--dups` file. Off: no cost for dropped rows. */
  emitDups: boolean;
}

/** Drop reasons, as counted in the summary and --stats. */
export const REASONS = {
  /** The key appeared earlier in this run. */
  duplicate: 'duplicate',
  /** The key is in an index loaded with `--index`. */
  inIndex: 'in_index',
  /** The key appears in a reference set given with `--against`. */
  inReference: 'in_reference',
} as const;

/**
 * The state of an exact-dedup run: the keys kept in this run, an optional earlier index, and
 * optional reference keys with the position of each reference's first occurrence.
 *
 * Memory: 20–24 bytes per distinct kept key (see HashSet128), the same again per key of a loaded
 * index, plus ~150 bytes per distinct reference key (a Map from hash to "file:line", so a dropped
 * row can name the eval item it matched; eval sets are small).
 */
export class ExactDedup {
  readonly seen = new HashSet128();
  index: HashSet128 | undefined;
  readonly references = new HashSet128();
  private readonly refPositions = new Map<string, string>();

  /**
   * Sharded form, step 3 (`--drops`): the indexes (0-based, among this input's rows) of the rows
   * to drop as duplicates, decided by the partition step; replaces the seen-set.
   */
  drops: Set<number> | undefined;
  private rowIndex = 0;

  constructor(readonly opts: DedupExactOptions) {}

  /**
   * Sharded form, step 1 (`--keys-out`): count a prepared chunk's lines and reject its bad ones
   * like `applyChunk`, write nothing, and return its rows' key hashes (16 bytes a row, line order).
   */
  keysOf(p: PreparedChunk, report: Report): Uint8Array {
    report.counts.lines += p.lines;
    report.counts.blank += p.blank;
    for (const pr of p.problems) this.problem(pr, p.file, report);
    return p.hashes.subarray(0, p.rowLines.length * 16);
  }

  /** Add reference rows (e.g. an eval set) whose keys must not appear in the output. */
  addReferences(rows: readonly Row[], key: KeySpec): void {
    for (const row of rows) {
      const h = keyHash(row.value, key, this.opts.normalize, row);
      if (this.references.add(h)) this.refPositions.set(h.toString('hex'), `${row.file}:${row.line}`);
    }
  }

  /** Add reference lines (for `--fields line`). */
  addReferenceLines(chunk: LineChunk): void {
    forEachLine(chunk.buf, (s, e, line) => {
      const h = xxh128(chunk.buf.subarray(s, e));
      if (this.references.add(h)) this.refPositions.set(h.toString('hex'), `${chunk.file}:${chunk.firstLine + line}`);
    });
  }

  /** Number of distinct reference keys. */
  get referenceCount(): number {
    return this.references.size;
  }

  /** Classify a key: undefined if new (and now remembered), else the drop reason. */
  private classify(h: Uint8Array, off: number): string | undefined {
    if (this.references.size > 0 && this.references.has(h, off)) return REASONS.inReference;
    if (this.index?.has(h, off)) return REASONS.inIndex;
    if (this.drops) return this.drops.has(this.rowIndex++) ? REASONS.duplicate : undefined;
    return this.seen.add(h, off) ? undefined : REASONS.duplicate;
  }

  /**
   * The order-dependent half (returns kept lines as strings for chunks prepared in-thread, or as
   * runs of UTF-8 bytes, each line ending in `\n`, for chunks prepared by a worker): walk a prepared chunk in line order, keep or drop each row against
   * the seen-set, count everything in `report` and return the lines to write. Bad lines are
   * rejected through `report` (which throws the first one's `DataError` without `--rejects`).
   */
  applyChunk(p: PreparedChunk, report: Report): (Buffer | string)[] {
    report.counts.lines += p.lines;
    report.counts.blank += p.blank;
    const out: (Buffer | string)[] = [];
    const lines = p.outLines;
    const bytes = Buffer.from(p.out.buffer, p.out.byteOffset, p.out.byteLength);
    let runStart = 0; // start of the current run of kept rows, in bytes
    let k = 0;
    let kept = 0;
    const nRows = p.rowLines.length;
    for (let i = 0; i < nRows; i++) {
      while (k < p.problems.length && p.problems[k].line < p.rowLines[i]) this.problem(p.problems[k++], p.file, report);
      const reason = this.classify(p.hashes, i * 16);
      if (reason === undefined) {
        kept++;
        if (lines) out.push(lines[i]);
        continue;
      }
      // Close the run of kept rows before this one.
      if (!lines) {
        if (p.outOffsets[i] > runStart) out.push(bytes.subarray(runStart, p.outOffsets[i]));
        runStart = p.outOffsets[i + 1];
      }
      if (this.opts.emitDups) {
        const value = JSON.parse(p.raws[i]) as JsonObject;
        const hex = Buffer.from(p.hashes.subarray(i * 16, i * 16 + 16)).toString('hex');
        const pos = { file: p.file, line: p.rowLines[i] };
        setMeta(value, 'content_hash', hex, pos);
        setMeta(value, 'dup_of', reason === REASONS.inReference ? (this.refPositions.get(hex) ?? hex) : hex, pos);
        report.drop(reason, serializeWithMeta(p.raws[i], value, p.hadMeta[i] === 1));
      } else report.drop(reason);
    }
    if (!lines && p.outOffsets[nRows] > runStart) out.push(bytes.subarray(runStart, p.outOffsets[nRows]));
    while (k < p.problems.length) this.problem(p.problems[k++], p.file, report);
    report.written += kept;
    return out;
  }

  private problem(pr: Problem, file: string, report: Report): void {
    const pos = { file, line: pr.line };
    report.reject(pr.reason, pr.raw, pos, new DataError(pr.message, pos, pr.hint));
  }

  /** Filter parsed rows (the library entry point for rows already in memory, e.g. from readRows); returns the kept output lines. */
  filterRows(rows: readonly Row[], report: Report): string[] {
    const out: string[] = [];
    let i = 0;
    while (i < rows.length) {
      let j = i;
      while (j < rows.length && rows[j].file === rows[i].file) j++;
      const p = prepareRows(rows.slice(i, j), rows[i].file, { lines: 0, blank: 0 }, [], this.opts.key, this.opts.normalize, this.opts.emitDups);
      for (const line of this.applyChunk(p, report)) out.push(line as string);
      i = j;
    }
    return out;
  }

  /**
   * `--fields line`: filter a chunk of raw lines without parsing. Returns the kept bytes (runs of
   * kept lines, sliced from the input buffer without copying; every line ends with `\n`). Blank
   * lines are skipped and counted, as in JSON mode.
   */
  filterLines(chunk: LineChunk, report: Report): Buffer[] {
    const buf = chunk.buf;
    const out: Buffer[] = [];
    let runStart = 0;
    const emitDups = this.opts.emitDups;
    const counts = report.counts;
    let kept = 0;
    forEachLine(
      buf,
      (s, e, _line, next) => {
        counts.lines++;
        const h = xxh128(buf.subarray(s, e));
        const reason = this.classify(h, 0);
        if (reason === undefined) {
          kept++;
          return;
        }
        if (s > runStart) out.push(buf.subarray(runStart, s));
        runStart = next;
        report.drop(reason, emitDups ? buf.toString('utf8', s, e) : undefined);
      },
      (s, next) => {
        counts.blank++;
        if (s > runStart) out.push(buf.subarray(runStart, s));
        runStart = next;
      },
    );
    if (runStart < buf.length) {
      const tail = buf.subarray(runStart);
      out.push(tail);
      if (tail[tail.length - 1] !== 10) out.push(NEWLINE);
    }
    report.written += kept;
    return out;
  }
}

const NEWLINE = Buffer.from('\n');

/**
 * Call `onLine(start, end, index, next)` for each non-blank line of `buf` (`end` excludes `\r\n`/`\n`;
 * `next` is where the following line starts) and `onBlank(start, next)` for blank ones.
 */
function forEachLine(buf: Buffer, onLine: (start: number, end: number, index: number, next: number) => void, onBlank?: (start: number, next: number) => void): void {
  let s = 0;
  let i = 0;
  const n = buf.length;
  while (s < n) {
    let nl = buf.indexOf(10, s);
    if (nl < 0) nl = n;
    let e = nl;
    if (e > s && buf[e - 1] === 13) e--;
    let blank = true;
    for (let k = s; k < e; k++) {
      const c = buf[k];
      if (c !== 32 && c !== 9 && c !== 13) {
        blank = false;
        break;
      }
    }
    if (blank) onBlank?.(s, nl + 1);
    else onLine(s, e, i, nl + 1);
    s = nl + 1;
    i++;
  }
}
