import { DataError } from '@ldt/errors';
import { HashSet128, xxh128 } from '@ldt/hash';
import { type LineChunk, type Report, type Row, serializeWithMeta } from '@ldt/ndjson';
import { isJsonObject, setMeta } from '@ldt/schema';
import type { NormalizeMode } from '@ldt/text';
import { type KeySpec, keyHash } from './key.js';

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
  /** `--key PATHS` is missing from the row (only with --rejects; otherwise an error). */
  missingKey: 'missing_key',
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

  constructor(readonly opts: DedupExactOptions) {}

  /** Add reference rows (e.g. an eval set) whose keys must not appear in the output. */
  addReferences(rows: readonly Row[], key: KeySpec): void {
    for (const row of rows) {
      const h = keyHash(row.value, key, this.opts.normalize, row);
      if (this.references.add(h)) this.refPositions.set(h.toString('hex'), `${row.file}:${row.line}`);
    }
  }

  /** Add reference lines (for `--key line`). */
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
  private classify(h: Buffer): string | undefined {
    if (this.references.size > 0 && this.references.has(h)) return REASONS.inReference;
    if (this.index?.has(h)) return REASONS.inIndex;
    return this.seen.add(h) ? undefined : REASONS.duplicate;
  }

  private dupOf(reason: string, hex: string): string {
    return reason === REASONS.inReference ? (this.refPositions.get(hex) ?? hex) : hex;
  }

  /**
   * Filter a batch of rows: kept rows are serialised with `meta.content_hash` (every byte outside
   * `meta` as read); dropped rows are counted in `report` (and serialised with `meta.dup_of` when
   * `emitDups`). A row missing `--key` paths is rejected through `report` or throws.
   */
  filterRows(batch: readonly Row[], report: Report): string[] {
    const out: string[] = [];
    const { key, normalize, emitDups } = this.opts;
    for (const row of batch) {
      let h: Buffer;
      try {
        h = keyHash(row.value, key, normalize, row);
      } catch (e) {
        if (e instanceof DataError && report.hasRejects) {
          report.reject(REASONS.missingKey, row.raw, row, e);
          continue;
        }
        throw e;
      }
      const value = row.value;
      const hadMeta = value.meta !== undefined;
      if (hadMeta && !isJsonObject(value.meta)) setMeta(value, 'content_hash', '', row); // throws the contract error
      const hex = h.toString('hex');
      const reason = this.classify(h);
      if (reason === undefined) {
        if (hadMeta) {
          setMeta(value, 'content_hash', hex, row);
          out.push(serializeWithMeta(row.raw, value, true));
        } else {
          // No meta yet (the usual case at the head of a pipeline): append it to the raw line
          // directly; same bytes as serializeWithMeta, without building and stringifying an object.
          out.push(appendMeta(row.raw, hex));
        }
      } else if (emitDups) {
        setMeta(value, 'content_hash', hex, row);
        setMeta(value, 'dup_of', this.dupOf(reason, hex), row);
        report.drop(reason, serializeWithMeta(row.raw, value, hadMeta));
      } else {
        report.drop(reason);
      }
    }
    report.written += out.length;
    return out;
  }

  /**
   * `--key line`: filter a chunk of raw lines without parsing. Returns the kept bytes (runs of
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
        const reason = this.classify(h);
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

/** `{...}` → `{...,"meta":{"content_hash":"<hex>"}}`, keeping every byte of the raw line. */
function appendMeta(raw: string, hex: string): string {
  let end = raw.length - 1;
  while (end > 0 && raw.charCodeAt(end) !== 125 /* } */) end--;
  let j = end - 1;
  while (j > 0 && (raw.charCodeAt(j) === 32 || raw.charCodeAt(j) === 9 || raw.charCodeAt(j) === 10 || raw.charCodeAt(j) === 13)) j--;
  const empty = raw.charCodeAt(j) === 123; /* { */
  return `${raw.slice(0, end)}${empty ? '' : ','}"meta":{"content_hash":"${hex}"}}`;
}

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
