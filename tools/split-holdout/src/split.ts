import { DataError } from '@ldt/errors';
import { canonicalText, HashSet128 } from '@ldt/hash';
import { bytePrefix, LineAssembler, type Report, type Row, serializeWithMeta } from '@ldt/ndjson';
import { compileGlob, type FieldPath, type Glob, getPath, isJsonObject, type JsonObject, setMeta } from '@ldt/schema';
import { type GroupOptions, groupKey, MissingGroupError, seededHash, unitInterval } from './key.js';
import { pick, type Ratios } from './ratios.js';

/**
 * `--holdout PATH=GLOB`: rows whose value at PATH (a string as is, anything else as JSON text; any
 * element, for a `*` path) matches GLOB (`*` any run of characters, `?` one; the glob syntax of
 * curriculum-route, from @ldt/schema). A GLOB without `*` or `?` is an exact value.
 */
export interface Holdout {
  path: FieldPath;
  value: string;
}

/** Options of the split-holdout core. */
export interface SplitOptions extends GroupOptions {
  ratios: Ratios;
  /** Seed of the group hash (default 0). */
  seed: number;
  /** Hard holdouts by field value. */
  holdouts: Holdout[];
  /** Ids or content hashes (`--holdout-file`), matched against `holdoutKey`. */
  holdoutIds?: ReadonlySet<string>;
  holdoutKey?: FieldPath;
  /** Where held-out groups go (default `test`). */
  holdoutSplit: string;
  /** Report rows and groups per split within each value of this path. */
  stratify?: FieldPath;
}

/** A row without its group, found in a worker. */
export interface SplitProblem {
  line: number;
  reason: string;
  message: string;
  hint?: string;
  raw: string;
}

/** One chunk after the per-row work (see `Splitter.prepareRows`); structured-clone-safe. */
export interface PreparedSplit {
  file: string;
  lines: number;
  blank: number;
  rowLines: Int32Array;
  /** 8 bytes of the seeded group hash per row (what the group counts use). */
  hashes: Uint8Array;
  splits: Uint8Array;
  /** The output lines, UTF-8, each ending in `\n`; row i is out[offsets[i]..offsets[i+1]). */
  out: Uint8Array;
  offsets: Int32Array;
  problems: SplitProblem[];
}

/** Per-split counts of one stratum (or of everything). */
export interface SplitCounts {
  rows: number[];
  groups: number[];
}

const ALL = 0xffffffff;

/**
 * The split of every row is a function of hash(seed, group key) only (see `seededHash`):
 * x = top 53 bits of XXH3-64("<seed>:<group key>") / 2^53, and the row goes to the first split i
 * with x < r_1 + … + r_i. So the same group always lands in the same split, appending rows never
 * moves existing ones, and input order does not matter.
 *
 * Hard holdouts override that for whole groups: a group with any row matching a `--holdout` (or a
 * `--holdout-file` entry) goes entirely to the holdout split. Since a matching row may come after
 * other rows of its group, the held-out groups are collected in a first pass (`scan`) and the
 * rows assigned in a second (`assign`).
 *
 * Memory: 20–24 bytes per distinct (group, split) and per distinct (group, stratum, split), for
 * the group counts, and the same per held-out group (HashSet128 of @ldt/hash).
 */
export class Splitter {
  /** Split names: those of --ratios, then the holdout split if holdouts are given and it is not one of them. */
  readonly names: string[];
  /** Index of the holdout split in `names`; −1 without holdouts when it is not a --ratios split. */
  readonly holdoutIndex: number;
  readonly totals: SplitCounts;
  readonly strata = new Map<string, SplitCounts>();
  private readonly strataIds = new Map<string, number>();
  private readonly held = new HashSet128();
  private readonly seen = new HashSet128();
  private readonly key16 = Buffer.alloc(16);
  /** Rows that matched a holdout themselves, and rows held out because their group was. */
  heldRows = 0;
  /** Rows matching each --holdout rule in the first pass (a rule matching none is a likely typo). */
  readonly holdoutHits: number[];
  private readonly globs: Glob[];
  heldByGroup = 0;
  /** --holdout-file entries that matched at least one row. */
  readonly idsMatched = new Set<string>();
  private readonly holding: boolean;
  /** `"meta":{"split":"<name>"}` per split. */
  private readonly metaTexts: string[];
  /** `,"split":"<name>"}}` per split: the end of a line whose last member is meta (see `edit`). */
  private readonly splitTails: string[];

  constructor(readonly opts: SplitOptions) {
    this.names = [...opts.ratios.names];
    this.globs = opts.holdouts.map((h) => compileGlob(h.value));
    this.holdoutHits = opts.holdouts.map(() => 0);
    this.holding = opts.holdouts.length > 0 || (opts.holdoutIds !== undefined && opts.holdoutKey !== undefined);
    let h = this.names.indexOf(opts.holdoutSplit);
    // The holdout split is an extra split only when something can be held out.
    if (h < 0 && this.holding) h = this.names.push(opts.holdoutSplit) - 1;
    this.holdoutIndex = h;
    this.totals = emptyCounts(this.names.length);
    this.metaTexts = this.names.map((n) => `"meta":${JSON.stringify({ split: n })}`);
    this.splitTails = this.names.map((n) => `,"split":${JSON.stringify(n)}}}`);
  }

  /** True when a first pass (`scan`) is needed: hard holdouts are given. */
  get needsScan(): boolean {
    return this.holding;
  }

  /** Does the row itself match a hard holdout? */
  matchesHoldout(row: JsonObject, hits?: number[]): boolean {
    for (const [i, h] of this.opts.holdouts.entries()) {
      const v = getPath(row, h.path);
      if (v === undefined) continue;
      for (const x of h.path.multi ? (v as unknown[]) : [v])
        if (this.globs[i].matches(typeof x === 'string' ? x : JSON.stringify(x))) {
          if (hits) hits[i]++;
          return true;
        }
    }
    const ids = this.opts.holdoutIds;
    const key = this.opts.holdoutKey;
    if (ids && key) {
      const v = getPath(row, key);
      if (v !== undefined) {
        for (const x of key.multi ? (v as unknown[]) : [v]) {
          if (typeof x !== 'string' && typeof x !== 'number') continue;
          const s = String(x);
          if (ids.has(s)) {
            this.idsMatched.add(s);
            return true;
          }
        }
      }
    }
    return false;
  }

  /** First pass: remember the group of every row that matches a hard holdout. Rows with a missing group are left to the second pass. */
  scan(rows: readonly Row[]): void {
    for (const row of rows) {
      if (!this.matchesHoldout(row.value, this.holdoutHits)) continue;
      let k: string;
      try {
        k = groupKey(row.value, this.opts, row);
      } catch (e) {
        if (e instanceof MissingGroupError) continue;
        throw e;
      }
      this.setKey(seededHash(this.opts.seed, k), ALL, ALL);
      this.held.add(this.key16);
    }
  }

  /** The split index of a row (second pass); counts it. Throws MissingGroupError (a DataError) for a row without its group. */
  assign(row: Row): number {
    const k = groupKey(row.value, this.opts, row);
    const h = seededHash(this.opts.seed, k);
    let s: number;
    if (this.holding) {
      this.setKey(h, ALL, ALL);
      if (this.held.has(this.key16)) {
        s = this.holdoutIndex;
        if (this.matchesHoldout(row.value)) this.heldRows++;
        else this.heldByGroup++;
      } else s = pick(this.opts.ratios, unitInterval(h));
    } else s = pick(this.opts.ratios, unitInterval(h));
    this.count(this.totals, h, ALL, s);
    if (this.opts.stratify) {
      const v = getPath(row.value, this.opts.stratify);
      const name = v === undefined ? '(missing)' : typeof v === 'string' ? v : canonicalText(v, 'none');
      let c = this.strata.get(name);
      let id = this.strataIds.get(name);
      if (c === undefined || id === undefined) {
        c = emptyCounts(this.names.length);
        id = this.strataIds.size;
        this.strata.set(name, c);
        this.strataIds.set(name, id);
      }
      this.count(c, h, id, s);
    }
    return s;
  }

  private setKey(h: Buffer, stratum: number, split: number): void {
    h.copy(this.key16, 0, 0, 8);
    this.key16.writeUInt32LE(stratum, 8);
    this.key16.writeUInt32LE(split, 12);
  }

  private count(c: SplitCounts, h: Buffer, stratum: number, split: number): void {
    c.rows[split]++;
    this.setKey(h, stratum, split);
    if (this.seen.add(this.key16)) c.groups[split]++;
  }

  /**
   * Assign a batch: each row serialised with `meta.split` (every byte outside `meta` as read)
   * and handed to `emit` with its split index. A row without its group is rejected
   * (`missing_group`) when the report has a rejects sink, else an error.
   */
  splitRows(rows: readonly Row[], report: Report, emit: (split: number, line: string) => void): void {
    for (const row of rows) {
      let s: number;
      try {
        s = this.assign(row);
      } catch (e) {
        if (e instanceof MissingGroupError && report.hasRejects) {
          report.reject('missing_group', row.raw, row, e);
          continue;
        }
        throw e;
      }
      report.written++;
      emit(s, this.lineFor(row, s));
    }
  }

  /** The output line of a row assigned to split `s`: `meta.split` added, every byte outside `meta` as read. */
  lineFor(row: Row, s: number): string {
    const e = this.edit(row, s);
    return typeof e === 'string' ? e : `${row.raw.slice(0, e.keep)}${e.tail}`;
  }

  /**
   * The output line of a row assigned to split `s`, as an edit of its raw line where the fast
   * paths apply: the first `keep` characters as read, then `tail` (so a caller holding the row's
   * bytes copies them instead of encoding the row again); else the whole line.
   */
  private edit(row: Row, s: number): string | { keep: number; tail: string } {
    if (row.value.meta === undefined) {
      // The common case, without the object edit and JSON.stringify of meta per row.
      const fast = appendMeta(row.raw, this.metaTexts[s]);
      if (fast !== undefined) return fast;
    }
    const old = row.value.meta;
    const oldText = isJsonObject(old) ? JSON.stringify(old) : undefined;
    if (oldText !== undefined && !Object.hasOwn(old as JsonObject, 'split')) {
      // `split` is appended as meta's last key, so the new meta text is the old one with
      // `,"split":"<name>"` before its closing brace: the line is kept up to that brace and a fixed
      // tail per split follows (no meta object edit, no second JSON.stringify per row).
      const at = lastMetaAt(row.raw, oldText);
      if (at >= 0) return { keep: at + 6 + oldText.length, tail: oldText.length === 2 ? this.splitTails[s].slice(1) : this.splitTails[s] };
    }
    setMeta(row.value, 'split', this.names[s], row);
    const fast = oldText === undefined ? undefined : replaceLastMeta(row.raw, oldText, JSON.stringify(row.value.meta));
    return fast ?? serializeWithMeta(row.raw, row.value, old !== undefined);
  }

  /**
   * The per-row work that needs no shared state — group key, seeded hash, split, output line — for
   * one chunk of parsed rows (in a worker thread). Only for runs without hard holdouts and
   * strata. Bad lines become `problems`; nothing is counted here.
   */
  prepareRows(rows: readonly Row[], file: string, lines: number, blank: number, problems: SplitProblem[], inputBytes = 1 << 20): PreparedSplit {
    const acc = new PreparedBuilder(rows.length, inputBytes);
    for (const row of rows) this.prepareRow(row, acc, problems);
    return acc.take(file, lines, blank, problems);
  }

  /** prepareRows' work for one parsed row, into `acc`. */
  prepareRow(row: Row, acc: PreparedBuilder, problems: SplitProblem[]): void {
    let h: Buffer;
    try {
      h = seededHash(this.opts.seed, groupKey(row.value, this.opts, row));
    } catch (e) {
      if (!(e instanceof MissingGroupError)) throw e;
      problems.push({ line: row.line, reason: 'missing_group', message: e.message, hint: e.hint, raw: row.raw });
      return;
    }
    const s = pick(this.opts.ratios, unitInterval(h));
    acc.row(h, s, row.line);
    const out = acc.out;
    const e = this.edit(row, s);
    if (typeof e === 'string') out.text(e);
    else if (row.bytes) {
      out.copy(row.bytes, 0, bytePrefix(row.raw, row.bytes, e.keep));
      out.text(e.tail);
    } else {
      out.text(row.raw.slice(0, e.keep));
      out.text(e.tail);
    }
    out.endLine();
  }

  /** True when every --group-by path is under `meta` (so `prepareChecked` can read the group from meta alone). */
  get groupsInMeta(): boolean {
    return this.opts.groupBy.length > 0 && this.opts.groupBy.every((p) => p.segments.length > 1 && p.segments[0] === 'meta');
  }

  /**
   * prepareRows' work for one line that the JsonChecker has shown to be a JSON object, without
   * parsing the line, where it applies: the row ends with its `meta` object, written as
   * JSON.stringify writes it (as ldt tools write it) and without `split`, and the group (every
   * --group-by path under meta) is there. Only `meta` is decoded and parsed; the output is what
   * `edit`'s fast path writes for the parsed row (the line up to meta's closing brace, then
   * `,"split":"<name>"}}`). Returns false where it does not apply: the caller parses the line.
   *
   * Why the `"meta":{` found is the row's top-level meta: the line is valid JSON, the byte before
   * the quote is `,` or `{` (so the quote is not escaped, and opens a key), and the rest of the line
   * up to its last `}` parses as one value, so that key's object is the top-level one.
   */
  prepareChecked(b: Buffer, line: number, acc: PreparedBuilder): boolean {
    let end = b.length - 1;
    while (end > 0 && isWs(b[end])) end--;
    if (b[end] !== 125 || b[end - 1] !== 125) return false;
    for (let at = b.lastIndexOf(META_KEY, end); at > 0; at = b.lastIndexOf(META_KEY, at - 1)) {
      const before = b[at - 1];
      if (before !== 44 && before !== 123) continue;
      const text = b.toString('utf8', at + 7, end);
      let meta: unknown;
      try {
        meta = JSON.parse(text);
      } catch {
        continue;
      }
      if (!isJsonObject(meta) || Object.hasOwn(meta, 'split') || JSON.stringify(meta) !== text) return false;
      const partial = { meta };
      // A missing group is decided on the whole row (an error with its position, or --missing-group own).
      for (const p of this.opts.groupBy) if (getPath(partial, p) === undefined) return false;
      let k: string;
      try {
        k = groupKey(partial, this.opts);
      } catch (e) {
        if (e instanceof MissingGroupError) return false;
        throw e;
      }
      const h = seededHash(this.opts.seed, k);
      const s = pick(this.opts.ratios, unitInterval(h));
      acc.row(h, s, line);
      acc.out.copy(b, 0, end - 1);
      acc.out.text(text.length === 2 ? this.splitTails[s].slice(1) : this.splitTails[s]);
      acc.out.endLine();
      return true;
    }
    return false;
  }

  /**
   * The order-dependent half for a prepared chunk (main thread): count rows and groups per split
   * and return the bytes to write. A bad line is rejected through `report`, or (without
   * --rejects) throws — before anything of this chunk is returned, as `splitRows` does.
   */
  applyPrepared(p: PreparedSplit, report: Report): Buffer[] {
    report.counts.lines += p.lines;
    report.counts.blank += p.blank;
    const bytes = Buffer.from(p.out.buffer, p.out.byteOffset, p.out.byteLength);
    const h = Buffer.alloc(8);
    let k = 0;
    for (let i = 0; i < p.rowLines.length; i++) {
      while (k < p.problems.length && p.problems[k].line < p.rowLines[i]) this.problem(p.problems[k++], p.file, report);
      h.set(p.hashes.subarray(i * 8, i * 8 + 8));
      this.count(this.totals, h, ALL, p.splits[i]);
      report.written++;
    }
    while (k < p.problems.length) this.problem(p.problems[k++], p.file, report);
    return bytes.length > 0 ? [bytes] : [];
  }

  private problem(pr: SplitProblem, file: string, report: Report): void {
    const pos = { file, line: pr.line };
    report.reject(pr.reason, pr.raw, pos, pr.reason === 'missing_group' ? new MissingGroupError(pr.message, pos, pr.hint) : new DataError(pr.message, pos, pr.hint));
  }

  /** The counts as JSON for --stats. */
  toJSON(): Record<string, unknown> {
    const table = (c: SplitCounts) => Object.fromEntries(this.names.map((n, i) => [n, { rows: c.rows[i], groups: c.groups[i] }]));
    return {
      splits: table(this.totals),
      ...(this.opts.stratify ? { strata: Object.fromEntries([...this.strata].map(([k, c]) => [k, table(c)])) } : {}),
      ...(this.holding ? { holdout: { split: this.names[this.holdoutIndex], rows_matched: this.heldRows, rows_with_group: this.heldByGroup } } : {}),
    };
  }

  /** `train 980 rows/975 groups, val 10/10, test 10/10` */
  describe(c: SplitCounts = this.totals): string {
    return this.names.map((n, i) => (i === 0 ? `${n} ${c.rows[i]} rows/${c.groups[i]} groups` : `${n} ${c.rows[i]}/${c.groups[i]}`)).join(', ');
  }

  /**
   * Strata whose split sizes are far from their ratios: more than 4 binomial standard deviations
   * in groups (hash assignment gives n·p ± √(n·p·(1−p)) groups per split in a stratum of n groups).
   */
  deviations(): string[] {
    const out: string[] = [];
    const r = this.opts.ratios.ratios;
    for (const [name, c] of this.strata) {
      const n = c.groups.reduce((a, b) => a + b, 0) - (this.holding ? c.groups[this.holdoutIndex] : 0);
      for (let i = 0; i < r.length; i++) {
        if (i === this.holdoutIndex && this.holding) continue;
        const p = r[i];
        const sd = Math.sqrt(n * p * (1 - p));
        const dev = c.groups[i] - n * p;
        if (sd > 0 && Math.abs(dev) > 4 * sd)
          out.push(`stratum ${JSON.stringify(name)}: ${this.names[i]} has ${c.groups[i]} of ${n} groups, expected ${(n * p).toFixed(1)} ± ${sd.toFixed(1)}`);
      }
    }
    return out;
  }
}

/** `raw` (a JSON object without `meta`) with `"meta":{…}` appended as its last member; undefined if `raw` does not end with `}`. */
function appendMeta(raw: string, metaText: string): { keep: number; tail: string } | undefined {
  let end = raw.length - 1;
  for (let c = raw.charCodeAt(end); c === 32 || c === 9 || c === 13 || c === 10; c = raw.charCodeAt(--end));
  if (raw.charCodeAt(end) !== 125 /* } */) return undefined;
  let k = end - 1;
  for (let c = raw.charCodeAt(k); c === 32 || c === 9 || c === 13 || c === 10; c = raw.charCodeAt(--k));
  const empty = raw.charCodeAt(k) === 123; /* { */
  return { keep: end, tail: `${empty ? '' : ','}${metaText}}` };
}

/**
 * The fast path for rows whose `meta` is their last member, written compactly (as ldt tools write
 * it): when `raw` ends with `"meta":<oldText>}` and that `"meta"` is a structural key (preceded by
 * `{` or `,`, so its quote is not an escaped one inside a string), splice in `newText`. The suffix
 * is then exactly the top-level `meta` member: a balanced object text that ends right before the
 * row's closing brace is the whole value of the row's last member (a proper suffix of a balanced
 * value is never balanced), and JSON.parse keeps the last of duplicate keys, which this is.
 * Anything else returns undefined and takes serializeWithMeta's full scan (~2× slower per row).
 */
function replaceLastMeta(raw: string, oldText: string, newText: string): { keep: number; tail: string } | undefined {
  const at = lastMetaAt(raw, oldText);
  return at < 0 ? undefined : { keep: at, tail: `"meta":${newText}}` };
}

/** Where `"meta":<oldText>}` starts when it ends `raw` (before trailing white space) as its structural last member (see replaceLastMeta); else −1. */
function lastMetaAt(raw: string, oldText: string): number {
  let end = raw.length;
  while (end > 0 && isWs(raw.charCodeAt(end - 1))) end--;
  const at = end - oldText.length - 8;
  if (at < 1 || raw.charCodeAt(end - 1) !== 125 /* } */ || !raw.startsWith('"meta":', at) || !raw.startsWith(oldText, at + 7)) return -1;
  const before = raw.charCodeAt(at - 1);
  return before === 44 /* , */ || before === 123 /* { */ ? at : -1;
}

const META_KEY = Buffer.from('"meta":{');

/** The per-row results of one chunk, in line order (see PreparedSplit). */
export class PreparedBuilder {
  readonly hashes: Uint8Array;
  readonly splits: Uint8Array;
  readonly rowLines: Int32Array;
  readonly out: LineAssembler;
  n = 0;

  /** @param rows at most this many rows; @param inputBytes the chunk's size (the output is about as big) */
  constructor(rows: number, inputBytes: number) {
    this.hashes = new Uint8Array(rows * 8);
    this.splits = new Uint8Array(rows);
    this.rowLines = new Int32Array(rows);
    this.out = new LineAssembler(inputBytes + 64 * rows);
  }

  /** A row's group hash, split and line (its output line follows in `out`). */
  row(h: Buffer, s: number, line: number): void {
    this.hashes.set(h.subarray(0, 8), this.n * 8);
    this.splits[this.n] = s;
    this.rowLines[this.n] = line;
    this.n++;
  }

  take(file: string, lines: number, blank: number, problems: SplitProblem[]): PreparedSplit {
    const n = this.n;
    problems.sort((a, b) => a.line - b.line);
    // An own ArrayBuffer (not Node's shared Buffer pool), so it can be transferred to the main thread.
    const { bytes, offsets } = this.out.take();
    return {
      file,
      lines,
      blank,
      rowLines: this.rowLines.subarray(0, n),
      hashes: this.hashes.subarray(0, n * 8),
      splits: this.splits.subarray(0, n),
      out: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      offsets,
      problems,
    };
  }
}

function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

function emptyCounts(n: number): SplitCounts {
  return { rows: new Array(n).fill(0), groups: new Array(n).fill(0) };
}

/** Read a --holdout-file: one id or content hash per line; blank lines and `#` comments ignored. */
export function parseHoldoutIds(text: string, file: string): Set<string> {
  const ids = new Set<string>();
  for (const line of text.split('\n')) {
    const s = line.replace(/\r$/, '').trim();
    if (s === '' || s.startsWith('#')) continue;
    ids.add(s);
  }
  if (ids.size === 0) throw new DataError(`--holdout-file ${file} has no ids`, undefined, 'one id or content hash per line');
  return ids;
}
