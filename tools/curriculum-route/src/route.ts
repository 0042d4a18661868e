import { DataError } from '@ldt/errors';
import { byteTopLevelValue, type LineAssembler, type Report, type Row } from '@ldt/ndjson';
import { type FieldPath, getMeta, globToRegExp, isJsonObject, type Json, type JsonObject, setMeta } from '@ldt/schema';
import { rowTexts, type TokenCounter } from '@ldt/tokens';
import type { CurriculumConfig, Kind, PhaseConfig } from './config.js';
import { metaEdit } from './meta-edit.js';
import { countTurns, detectKind, rowKey } from './row-facts.js';
import { apportion, rebalanced } from './shares.js';

export interface RouteOptions {
  config: CurriculumConfig;
  seed: number;
  /** Most copies of one row a source may use to reach its share (whole epochs plus a partial one). */
  maxEpochs: number;
  /** What happens to a row no phase matches: `reject`, `drop`, or the name of a phase that takes it as it is. */
  unmatched: string;
  tokens: TokenCounter;
  textFields: FieldPath[] | undefined;
  /**
   * Give the shortfall of a source that cannot fill its part (too few rows within --max-epochs)
   * to the other sources of its phase, in proportion to their weights, so the phase total is
   * exact whenever the phase as a whole has enough. Default off (the phase stays short).
   */
  rebalance?: boolean;
}

/** What one source of a phase got. */
export interface SourceResult {
  name: string;
  weight: number;
  available_rows: number;
  available_tokens: number;
  /** Target in the phase's unit (rows or tokens); null without a phase target. */
  target: number | null;
  rows: number;
  tokens: number;
  /** Share of the phase in its unit (rows, or tokens with a token target): wanted and achieved. */
  share_target: number | null;
  share: number;
  /** Copies of the most-repeated row (1 = no repetition, 0 = nothing taken). */
  max_copies: number;
  /** The source could not fill its target within --max-epochs. */
  short: boolean;
}

export interface PhaseResult {
  phase: string;
  unit: 'rows' | 'tokens' | null;
  target: number | null;
  rows: number;
  tokens: number;
  sources: SourceResult[];
  /** Rows routed here by --unmatched PHASE (taken as they are). */
  unmatched_rows: number;
  /** With a target: the phase got less than it (by more than one row's tokens with a token target). */
  short: boolean;
}

/** Growable typed-array column (one value a row). */
class Column<A extends Uint16Array | Uint32Array> {
  n = 0;
  constructor(
    public a: A,
    private readonly make: (length: number) => A,
  ) {}
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = this.make(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}
const u32 = (): Column<Uint32Array> => new Column(new Uint32Array(1024), (n) => new Uint32Array(n));
const u16 = (): Column<Uint16Array> => new Column(new Uint16Array(1024), (n) => new Uint16Array(n));

/**
 * The UTF-8 length of a row's meta value when pass 2 may extend it without parsing it: the line
 * ends (before trailing white space) with `<meta>}` where `<meta>` is JSON.stringify of the parsed
 * meta object, and that object has neither `phase` nor `repeat` (which would keep their places, or
 * be deleted). Then, wherever the scan of pass 2 finds the top-level meta value ending right before
 * the row's closing brace with this length, the value is exactly that text, and the new meta is it
 * with `,"phase":…[,"repeat":k]` before its closing brace: what JSON.stringify of the edited object
 * gives (keys that are not array indexes keep insertion order, appended ones last). 0: no shortcut
 * (also for meta texts over 65,535 bytes).
 */
function metaShortcut(raw: string, meta: unknown): number {
  if (!isJsonObject(meta) || Object.hasOwn(meta, 'phase') || Object.hasOwn(meta, 'repeat')) return 0;
  const text = JSON.stringify(meta);
  let end = raw.length;
  for (let c = raw.charCodeAt(end - 1); c === 32 || c === 9 || c === 13 || c === 10; c = raw.charCodeAt(--end - 1));
  if (raw.charCodeAt(end - 1) !== 125 /* } */ || !raw.endsWith(text, end - 1)) return 0;
  const n = Buffer.byteLength(text, 'utf8');
  return n <= 0xffff ? n : 0;
}

interface Bucket {
  phase: number;
  /** Index into the phase's sources; -1 for the --unmatched PHASE bucket. */
  source: number;
  rows: number;
  tokens: number;
}

/**
 * The two-pass router. Pass 1 (`observe`) routes every row to a phase and source and keeps a
 * compact per-row index (input line, bucket, 64 bits of the seeded row hash, tokens, meta length: 22 bytes a
 * row); `plan` decides how many copies of each row to emit (2 bytes a row, plus 4 for sorting);
 * pass 2 (`emit`) re-reads the rows in order and writes them.
 *
 * Mixing: a phase's target (rows or tokens) is split across its sources by weight (largest
 * remainder, so the parts sum to the target exactly). A source with more than its part is
 * downsampled: its rows are ordered by hash(seed, raw line) and taken in that order. A source
 * with less repeats every row for whole epochs, then takes the remainder in hash order; copies
 * after the first carry meta.repeat = 1, 2, …. Selection depends only on each row's bytes and the
 * seed, never on input order.
 */
export class CurriculumRouter {
  readonly line = u32();
  readonly bucketOf = u32();
  readonly hashHi = u32();
  readonly hashLo = u32();
  readonly tokenCol = u32();
  /** Per row, `metaShortcut` (pass 1) for pass 2: 0, or the byte length of its meta value. */
  readonly metaLen = u16();
  /** Row index where each input starts. */
  readonly inputStart: number[] = [];
  private readonly buckets: Bucket[] = [];
  /** buckets index → [phase][source]; unmatchedBucket: the --unmatched PHASE bucket. */
  private readonly bucketIndex: number[][] = [];
  private readonly unmatchedBucket: number;
  private readonly phaseRules: { source?: RegExp[]; family?: Set<string>; kind?: Set<string>; phase: PhaseConfig; sourceRes: RegExp[][] }[];
  private readonly needLength: boolean;
  private readonly needTurns: boolean;
  private copies: Uint16Array | undefined;
  private readonly seed: number;
  private readonly h = new Uint32Array(2);
  private readonly scratch: string[] = [];
  private results: PhaseResult[] = [];
  /** Warnings for sources that could not fill their share. */
  readonly warnings: string[] = [];
  /** Copies written after the first of a row. */
  repeats = 0;

  constructor(private readonly opts: RouteOptions) {
    const phases = opts.config.phases;
    this.phaseRules = phases.map((ph) => ({
      phase: ph,
      source: ph.match.source?.map(globToRegExp),
      family: ph.match.family ? new Set(ph.match.family) : undefined,
      kind: ph.match.kind ? new Set(ph.match.kind) : undefined,
      sourceRes: ph.sources.map((s) => s.match.map(globToRegExp)),
    }));
    phases.forEach((ph, p) => {
      this.bucketIndex.push(ph.sources.map((_, s) => this.buckets.push({ phase: p, source: s, rows: 0, tokens: 0 }) - 1));
    });
    this.unmatchedBucket = -1;
    if (opts.unmatched !== 'reject' && opts.unmatched !== 'drop') {
      const p = phases.findIndex((ph) => ph.name === opts.unmatched);
      this.unmatchedBucket = this.buckets.push({ phase: p, source: -1, rows: 0, tokens: 0 }) - 1;
    }
    this.needLength = phases.some((ph) => ph.match.length);
    this.needTurns = phases.some((ph) => ph.match.turns);
    this.seed = opts.seed >>> 0;
  }

  /** Start of input `i` (call before observing its rows, in input order). */
  startInput(): void {
    this.inputStart.push(this.line.n);
  }

  /**
   * Pass 1: route a batch. Unmatched rows are dropped (counted `unmatched`), rejected (to the
   * rejects file when there is one, else an error naming file:line) or given to a phase.
   */
  observe(batch: readonly Row[], report: Report): void {
    for (const row of batch) {
      const v = row.value;
      if (v.meta !== undefined && !isJsonObject(v.meta)) setMeta(v, 'phase', null, { file: row.file, line: row.line });
      const texts = rowTexts(v, this.opts.textFields, this.scratch);
      let tokens = 0;
      let length = 0;
      for (const t of texts) {
        tokens += this.opts.tokens.count(t);
        if (this.needLength) length += t.length;
      }
      const b = this.route(v, length);
      let bucket = b;
      if (b < 0) {
        if (this.unmatchedBucket >= 0) bucket = this.unmatchedBucket;
        else if (this.opts.unmatched === 'drop') report.drop('unmatched');
        else if (report.hasRejects) report.reject('unmatched', row.raw, { file: row.file, line: row.line }, new DataError('no phase matches this row'));
        else
          throw new DataError(
            `no phase matches this row (meta.source ${JSON.stringify(getMeta(v, 'source') ?? null)}, kind ${detectKind(v)})`,
            { file: row.file, line: row.line },
            'add a phase or a source glob that matches it, or pass --unmatched drop|PHASE, or --rejects FILE to keep such rows aside',
          );
      }
      this.line.push(row.line);
      this.bucketOf.push(bucket < 0 ? 0xffffffff : bucket);
      rowKey(row.raw, this.seed, this.h);
      this.hashHi.push(this.h[0]);
      this.hashLo.push(this.h[1]);
      this.tokenCol.push(Math.min(tokens, 0xffffffff));
      this.metaLen.push(bucket >= 0 ? metaShortcut(row.raw, v.meta) : 0);
      if (bucket >= 0) {
        this.buckets[bucket].rows++;
        this.buckets[bucket].tokens += tokens;
      }
    }
  }

  private route(v: JsonObject, length: number): number {
    const source = getMeta(v, 'source');
    const src = typeof source === 'string' ? source : '';
    const family = getMeta(v, 'family');
    let kind: Kind | undefined;
    let turns = -1;
    for (let p = 0; p < this.phaseRules.length; p++) {
      const r = this.phaseRules[p];
      const m = r.phase.match;
      if (r.kind) {
        kind ??= detectKind(v);
        if (!r.kind.has(kind)) continue;
      }
      if (r.family && !(typeof family === 'string' && r.family.has(family))) continue;
      if (r.source && !r.source.some((re) => re.test(src))) continue;
      if (m.turns) {
        if (turns < 0) turns = this.needTurns ? countTurns(v) : 0;
        if ((m.turns.min !== undefined && turns < m.turns.min) || (m.turns.max !== undefined && turns > m.turns.max)) continue;
      }
      if (m.length && ((m.length.min !== undefined && length < m.length.min) || (m.length.max !== undefined && length > m.length.max))) continue;
      const s = r.sourceRes.findIndex((res) => res.some((re) => re.test(src)));
      if (s < 0) continue;
      return this.bucketIndex[p][s];
    }
    return -1;
  }

  /**
   * The pass-1 facts of every row, for the two-step (sharded) form: bucket, 64-bit hash and tokens,
   * four little-endian Uint32 columns (16 bytes a row). `addCounts` of the counts of every shard, in
   * order, then `plan()` gives exactly the copies one process over the concatenated shards would.
   */
  countsBytes(): Buffer {
    const n = this.line.n;
    const out = Buffer.alloc(16 * n);
    const cols = [this.bucketOf.a, this.hashHi.a, this.hashLo.a, this.tokenCol.a];
    cols.forEach((c, k) => {
      for (let i = 0; i < n; i++) out.writeUInt32LE(c[i], 4 * (k * n + i));
    });
    return out;
  }

  /** The merge step: append the rows of one shard's `countsBytes` (shards in input order). */
  addCounts(buf: Buffer, rows: number): void {
    if (buf.length !== 16 * rows) throw new DataError(`counts data has ${buf.length} bytes; expected ${16 * rows} for ${rows} rows`);
    for (let i = 0; i < rows; i++) {
      const b = buf.readUInt32LE(4 * i);
      if (b !== 0xffffffff && b >= this.buckets.length)
        throw new DataError(`counts data names bucket ${b}; this config has ${this.buckets.length}`, undefined, 'make the counts and the plan with the same --config');
      const t = buf.readUInt32LE(4 * (3 * rows + i));
      this.line.push(0);
      this.bucketOf.push(b);
      this.hashHi.push(buf.readUInt32LE(4 * (rows + i)));
      this.hashLo.push(buf.readUInt32LE(4 * (2 * rows + i)));
      this.tokenCol.push(t);
      if (b !== 0xffffffff) {
        this.buckets[b].rows++;
        this.buckets[b].tokens += t;
      }
    }
  }

  /** The copies of every row after `plan()` (2 bytes a row), for a plan file. */
  get plannedCopies(): Uint16Array {
    if (!this.copies) throw new Error('plan() first');
    return this.copies;
  }

  /** The select step: take the copies of this shard's rows from a plan instead of `plan()`. */
  useCopies(copies: Uint16Array, results: PhaseResult[]): void {
    if (copies.length !== this.line.n) throw new DataError(`the plan has ${copies.length} rows for this shard; it has ${this.line.n}`);
    this.copies = copies;
    this.results = results;
  }

  /** After pass 1: decide the copies of every row, and the per-phase results. */
  plan(): PhaseResult[] {
    const n = this.line.n;
    const copies = new Uint16Array(n);
    // Rows grouped by bucket (counting sort), then each bucket ordered by hash.
    const nb = this.buckets.length;
    const start = new Uint32Array(nb + 1);
    for (let i = 0; i < n; i++) {
      const b = this.bucketOf.a[i];
      if (b !== 0xffffffff) start[b + 1]++;
    }
    for (let b = 0; b < nb; b++) start[b + 1] += start[b];
    const order = new Uint32Array(start[nb]);
    const fill = start.slice(0, nb);
    for (let i = 0; i < n; i++) {
      const b = this.bucketOf.a[i];
      if (b !== 0xffffffff) order[fill[b]++] = i;
    }
    const hi = this.hashHi.a;
    const lo = this.hashLo.a;
    const tok = this.tokenCol.a;
    const results: PhaseResult[] = [];
    this.opts.config.phases.forEach((ph, p) => {
      const unit: 'rows' | 'tokens' | null = ph.target ? ('rows' in ph.target ? 'rows' : 'tokens') : null;
      const total = ph.target ? ('rows' in ph.target ? ph.target.rows : ph.target.tokens) : null;
      const capacity = ph.sources.map((_, j) => {
        const bk = this.buckets[this.bucketIndex[p][j]];
        return (unit === 'tokens' ? bk.tokens : bk.rows) * this.opts.maxEpochs;
      });
      const weights = ph.sources.map((s) => s.weight);
      const parts = total !== null ? (this.opts.rebalance ? rebalanced(total, weights, capacity) : apportion(total, weights)) : undefined;
      const res: PhaseResult = { phase: ph.name, unit, target: total, rows: 0, tokens: 0, sources: [], unmatched_rows: 0, short: false };
      const wsum = ph.sources.reduce((a, s) => a + s.weight, 0);
      ph.sources.forEach((s, j) => {
        const b = this.bucketIndex[p][j];
        const idx = order.subarray(start[b], start[b + 1]);
        idx.sort((x, y) => hi[x] - hi[y] || lo[x] - lo[y] || x - y);
        const bucket = this.buckets[b];
        const r: SourceResult = {
          name: s.name,
          weight: s.weight,
          available_rows: bucket.rows,
          available_tokens: bucket.tokens,
          target: parts ? parts[j] : null,
          rows: 0,
          tokens: 0,
          share_target: parts ? s.weight / wsum : null,
          share: 0,
          max_copies: 0,
          short: false,
        };
        if (!parts) for (const i of idx) copies[i] = 1;
        else this.fill(idx, parts[j], unit === 'tokens', copies, r, ph.name);
        for (const i of idx) {
          r.rows += copies[i];
          r.tokens += copies[i] * tok[i];
          if (copies[i] > r.max_copies) r.max_copies = copies[i];
        }
        res.rows += r.rows;
        res.tokens += r.tokens;
        res.sources.push(r);
      });
      if (this.unmatchedBucket >= 0 && this.buckets[this.unmatchedBucket].phase === p) {
        const b = this.unmatchedBucket;
        for (const i of order.subarray(start[b], start[b + 1])) {
          copies[i] = 1;
          res.unmatched_rows++;
          res.rows++;
          res.tokens += tok[i];
        }
      }
      // Short: the parts could not reach the target (not enough rows within --max-epochs, even
      // rebalanced), or a source could not fill its part.
      if (total !== null && parts) res.short = parts.reduce((x, y) => x + y, 0) < total || res.sources.some((r) => r.short);
      // Shares are of the mix: rows taken by --unmatched PHASE are outside it.
      const denom = res.sources.reduce((a, r) => a + (unit === 'tokens' ? r.tokens : r.rows), 0);
      for (const r of res.sources) r.share = denom > 0 ? (unit === 'tokens' ? r.tokens : r.rows) / denom : 0;
      results.push(res);
    });
    this.copies = copies;
    this.results = results;
    return results;
  }

  /** Copies for one source's rows (in hash order) to reach `target` rows or tokens. */
  private fill(idx: Uint32Array, target: number, byTokens: boolean, copies: Uint16Array, r: SourceResult, phase: string): void {
    const tok = this.tokenCol.a;
    const size = (i: number) => (byTokens ? tok[i] : 1);
    let avail = 0;
    for (const i of idx) avail += size(i);
    const max = this.opts.maxEpochs;
    if (target === 0) return;
    if (avail === 0) {
      r.short = true;
      this.warnings.push(`phase ${phase}: source ${r.name} has no ${byTokens ? 'tokens' : 'rows'}; its share (${target} ${byTokens ? 'tokens' : 'rows'}) stays empty`);
      return;
    }
    let epochs = Math.floor(target / avail);
    let rest = target - epochs * avail;
    if (epochs > max || (epochs === max && rest > 0)) {
      r.short = true;
      this.warnings.push(
        `phase ${phase}: source ${r.name} cannot fill its share without exceeding --max-epochs ${max}: needs ${target} ${byTokens ? 'tokens' : 'rows'}, has ${avail}; took ${max} epochs (${avail * max})`,
      );
      epochs = max;
      rest = 0;
    }
    for (const i of idx) copies[i] = epochs;
    // The remainder, in hash order: stop at the first row that would overshoot (within one row of the target).
    for (const i of idx) {
      const s = size(i);
      if (s > rest) break;
      rest -= s;
      copies[i]++;
    }
  }

  /** The most copies of any row (after plan): the number of epoch passes pass 2 makes. */
  get maxCopies(): number {
    let m = 0;
    for (const c of this.copies as Uint16Array) if (c > m) m = c;
    return m;
  }

  /** The per-phase results (after plan). */
  get phaseResults(): PhaseResult[] {
    return this.results;
  }

  /** The phase index a row goes to, or -1. */
  phaseOf(i: number): number {
    const b = this.bucketOf.a[i];
    return b === 0xffffffff ? -1 : this.buckets[b].phase;
  }

  private readonly suffixes = new Map<string, Buffer>();

  /** `,"meta":{…}}` (or without the comma for an empty row), cached per phase and copy. */
  private suffix(p: number, k: number, empty: boolean): Buffer {
    const key = `${p}/${k}/${empty ? 1 : 0}`;
    let b = this.suffixes.get(key);
    if (!b) {
      const add: Record<string, Json> = k === 0 ? { phase: this.opts.config.phases[p].name } : { phase: this.opts.config.phases[p].name, repeat: k };
      b = Buffer.from(`${empty ? '' : ','}"meta":${JSON.stringify(add)}}`);
      this.suffixes.set(key, b);
    }
    return b;
  }

  private readonly additions = new Map<string, Buffer>();

  /** `,"phase":"<name>"[,"repeat":k]}` (no comma for an empty meta), cached per phase and copy. */
  private metaAddition(p: number, k: number, empty: boolean): Buffer {
    const key = `${p}/${k}/${empty ? 1 : 0}`;
    let b = this.additions.get(key);
    if (!b) {
      const name = JSON.stringify(this.opts.config.phases[p].name);
      b = Buffer.from(`${empty ? '' : ','}"phase":${name}${k === 0 ? '' : `,"repeat":${k}`}}`);
      this.additions.set(key, b);
    }
    return b;
  }

  /**
   * Pass 2 on bytes: the output of row `i`, whose line is `buf[start, stop)` (no line end), added
   * as a line to `out(phase)`. A line without the bytes `"meta"` gets meta appended before its
   * closing brace without decoding; a line with a top-level meta object gets its meta value
   * replaced, only that value decoded; other lines go through `withMeta`.
   * `hasMeta` says whether `"meta"` occurs in the line.
   */
  emitBytes(i: number, buf: Buffer, start: number, stop: number, hasMeta: boolean, out: (phase: number) => LineAssembler, report: Report, epoch = 0): void {
    const b = this.bucketOf.a[i];
    if (b === 0xffffffff) return; // counted in pass 1 (unmatched)
    const copies = (this.copies as Uint16Array)[i];
    if (copies === 0) {
      if (epoch === 0) report.drop('downsampled');
      return;
    }
    // Copy number `epoch` only: repeated copies are written one epoch (one pass over the input) at
    // a time, so a copy is never next to its original but in the same order an epoch later.
    if (copies <= epoch) return;
    const r = epoch;
    const p = this.buckets[b].phase;
    const asm = out(p);
    let end = stop - 1;
    while (end > start && (buf[end] === 32 || buf[end] === 9 || buf[end] === 13)) end--;
    if (!hasMeta && buf[end] === 125 /* } */) {
      let k = end - 1;
      while (k > start && (buf[k] === 32 || buf[k] === 9 || buf[k] === 13)) k--;
      const empty = buf[k] === 123; /* { */
      asm.copy(buf, start, end);
      const suffix = this.suffix(p, r, empty);
      asm.copy(suffix, 0, suffix.length);
      asm.endLine();
    } else {
      const name = this.opts.config.phases[p].name;
      const add: Record<string, Json> = r === 0 ? { phase: name } : { phase: name, repeat: r };
      const line = buf.subarray(start, stop);
      // The common case on bytes: only the meta value is decoded and parsed, the rest of the line
      // is copied (the same bytes as metaEdit's splice below).
      const span = byteTopLevelValue(line, 'meta');
      const ml = i < this.metaLen.n ? this.metaLen.a[i] : 0;
      if (span && ml > 0 && span[1] - span[0] === ml && endsAfterBrace(line, span[1])) {
        // The meta value is JSON.stringify of the row's meta (see metaShortcut): extended as bytes,
        // not decoded, parsed and written again (pass 2 of the bench corpus: ~0.1 CPU-s less).
        asm.copy(line, 0, span[1] - 1);
        const add = this.metaAddition(p, r, ml === 2);
        asm.copy(add, 0, add.length);
        asm.copy(line, span[1], line.length);
        asm.endLine();
        if (epoch > 0) this.repeats++;
        report.written++;
        return;
      }
      const meta = span ? (JSON.parse(line.toString('utf8', span[0], span[1])) as unknown) : undefined;
      if (span && isJsonObject(meta)) {
        delete meta.repeat;
        asm.copy(line, 0, span[0]);
        asm.text(JSON.stringify(Object.assign(meta, add)));
        asm.copy(line, span[1], line.length);
      } else {
        const raw = line.toString('utf8');
        const e = metaEdit(raw, add);
        // The line's bytes around the new meta value, not the whole row encoded again (issue 17).
        if (typeof e === 'string') asm.text(e);
        else asm.splice(raw, line, e.start, e.end, e.text);
      }
      asm.endLine();
    }
    if (epoch > 0) this.repeats++;
    report.written++;
  }
}

/** True when `line[at..]` is `}` followed by white space only. */
function endsAfterBrace(line: Uint8Array, at: number): boolean {
  if (line[at] !== 125) return false;
  for (let k = at + 1; k < line.length; k++) {
    const c = line[k];
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) return false;
  }
  return true;
}
