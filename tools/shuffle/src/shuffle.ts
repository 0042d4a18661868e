import { unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type DiskErrorText, mergeRunsAsync, RunFileReader, RunFileWriter, type RunSource, type WriteFn } from '@ldt/extsort';
import { TempDir } from '@ldt/ndjson';
import { type KeyHook, KeyStream, type LineSink } from './keys.js';

/** Bytes of index per buffered row: key (8), block (4), offset (4), length (4), sort order (4). */
export const BYTES_PER_ROW = 24;
/** Size of a run record header: key high (u32), key low (u32), row index (f64), line length (u32); little-endian. */
export const RUN_HEADER = 20;
/** Most runs merged at once; more runs are first merged in groups of this many (extra passes). */
export const FAN_IN = 64;
const MiB = 1 << 20;
const OUT_BATCH = MiB;
const MAX_BUCKET_BITS = 20;

/** Where shuffled output goes: batches of whole lines, each ending with `\n`. */
export type Sink = (batch: Buffer) => Promise<void>;

export interface ShuffleOptions {
  /** Seed of the keys (see KeyStream); 0 to 2^32−1. */
  seed: number;
  /** Memory budget in bytes for buffered rows and their index (`--memory`, default 1 GiB). */
  memory: number;
  /** Parent directory of the temporary run files (`--tmp-dir`). */
  tmpdir: string;
  /** Index of the first row in the whole input (`--first-index`, the sharded form; default 0). */
  firstIndex?: number;
  /** For tests: the function that writes run files (to simulate a full disk). */
  writeSync?: (fd: number, buf: Uint8Array, off: number, len: number) => number;
}

/** What a shuffle did, for the summary and `--stats`. */
export interface ShuffleStats {
  rows: number;
  mode: 'memory' | 'external';
  /** Sorted runs written to the temporary directory. */
  runs: number;
  /** k-way merges done (1 when runs ≤ FAN_IN; more runs are merged in groups first). */
  merges: number;
  /** Bytes written to temporary files (all passes). */
  temp_bytes: number;
}

/**
 * A reproducible uniform shuffle with bounded memory (terashuf's scheme, with keys that do not
 * depend on the chunking). Rows are copied into an arena of fixed-size blocks. While the arena
 * and the index stay within `memory`, everything happens in memory: sort by key, write. When
 * the budget would be exceeded, the buffered rows are sorted by key and written to a run file in
 * a private temporary directory, the arena is reused, and at the end the runs are k-way merged
 * by (key, row index). Either way the output is the rows in increasing (key, index).
 *
 * Memory: the arena (`memory` minus the index, in blocks of min(8 MiB, memory/8)) plus 24 bytes
 * per buffered row (within `memory`), plus constants: one read chunk, a 1 MiB run-writing buffer,
 * 1 MiB output batches, and the bucket counts of the sort (≤ 4 MiB). During the merge, the
 * arena's blocks are reused as the runs' read buffers.
 */
export class Shuffler implements LineSink {
  private readonly keys: KeyStream;
  private readonly blockSize: number;
  private readonly blocks: Buffer[] = [];
  private big: Buffer[] = [];
  private cur = -1;
  private off = 0;
  private cap = 0;
  private n = 0;
  private hi = new Uint32Array(0);
  private lo = new Uint32Array(0);
  private blk = new Uint32Array(0);
  private pos = new Uint32Array(0);
  private len = new Uint32Array(0);
  /** Global index of the first row of the current run. */
  private base = 0;
  private bigBytes = 0;
  private runs: string[] = [];
  private runSeq = 0;
  private tmp: TempDir | undefined;
  private staging: Buffer | undefined;
  readonly stats: ShuffleStats = { rows: 0, mode: 'memory', runs: 0, merges: 0, temp_bytes: 0 };
  private readonly write: (fd: number, buf: Uint8Array, off: number, len: number) => number;

  constructor(readonly opts: ShuffleOptions) {
    this.keys = new KeyStream(opts.seed, opts.firstIndex ?? 0);
    this.base = opts.firstIndex ?? 0;
    this.blockSize = Math.min(8 * MiB, Math.max(256, Math.floor(opts.memory / 8)));
    this.write = opts.writeSync ?? ((fd, buf, off, len) => writeSync(fd, buf, off, len));
  }

  private used(): number {
    return this.blocks.length * this.blockSize + this.bigBytes + this.cap * BYTES_PER_ROW;
  }

  /** Add one row: the line `buf[start, end)` (without its line end). The bytes are copied. */
  add(buf: Buffer, start: number, end: number): void {
    const L = end - start;
    const isBig = L > this.blockSize;
    const fits = !isBig && this.cur >= 0 && this.off + L <= this.blockSize;
    const reuse = !isBig && !fits && this.cur + 1 < this.blocks.length;
    let extra = isBig ? L : fits || reuse ? 0 : this.blockSize;
    const grow = this.n === this.cap;
    const newCap = grow ? Math.max(1024, Math.ceil(this.cap * 1.5)) : this.cap;
    extra += (newCap - this.cap) * BYTES_PER_ROW;
    if (this.n > 0 && this.used() + extra > this.opts.memory) {
      this.spill();
      this.add(buf, start, end);
      return;
    }
    if (grow) this.growIndex(newCap);
    let b: number;
    let o: number;
    if (isBig) {
      const block = Buffer.allocUnsafeSlow(L);
      this.big.push(block);
      this.bigBytes += L;
      b = 0x80000000 + this.big.length - 1;
      o = 0;
      buf.copy(block, 0, start, end);
    } else {
      if (!fits) {
        this.cur++;
        if (this.cur === this.blocks.length) this.blocks.push(Buffer.allocUnsafeSlow(this.blockSize));
        this.off = 0;
      }
      b = this.cur;
      o = this.off;
      buf.copy(this.blocks[b], o, start, end);
      this.off += L;
    }
    this.keys.next();
    const i = this.n++;
    this.hi[i] = this.keys.hi;
    this.lo[i] = this.keys.lo;
    this.blk[i] = b;
    this.pos[i] = o;
    this.len[i] = L;
    this.stats.rows++;
  }

  private growIndex(cap: number): void {
    const g = (a: Uint32Array) => {
      const x = new Uint32Array(cap);
      x.set(a.subarray(0, this.n));
      return x;
    };
    this.hi = g(this.hi);
    this.lo = g(this.lo);
    this.blk = g(this.blk);
    this.pos = g(this.pos);
    this.len = g(this.len);
    this.cap = cap;
  }

  private block(b: number): Buffer {
    return b >= 0x80000000 ? this.big[b - 0x80000000] : this.blocks[b];
  }

  /** The current run's rows in (key, index) order: a counting sort on the top key bits, then an insertion pass (stable, so equal keys stay in index order). */
  private sortRun(): Uint32Array {
    const n = this.n;
    const hi = this.hi;
    const lo = this.lo;
    const order = new Uint32Array(n);
    let bits = 1;
    while (1 << bits < n && bits < MAX_BUCKET_BITS) bits++;
    const shift = 32 - bits;
    const counts = new Uint32Array((1 << bits) + 1);
    for (let i = 0; i < n; i++) counts[(hi[i] >>> shift) + 1]++;
    for (let k = 1; k < counts.length; k++) counts[k] += counts[k - 1];
    for (let i = 0; i < n; i++) order[counts[hi[i] >>> shift]++] = i;
    for (let i = 1; i < n; i++) {
      const x = order[i];
      const xh = hi[x];
      const xl = lo[x];
      let j = i - 1;
      while (j >= 0) {
        const y = order[j];
        const yh = hi[y];
        if (yh > xh || (yh === xh && lo[y] > xl)) {
          order[j + 1] = y;
          j--;
        } else break;
      }
      order[j + 1] = x;
    }
    return order;
  }

  private resetRun(): void {
    this.base += this.n;
    this.n = 0;
    this.cur = -1;
    this.off = 0;
    this.big = [];
    this.bigBytes = 0;
  }

  /** Sort the buffered rows and write them to a new run file. */
  private spill(): void {
    if (this.n === 0) return;
    const order = this.sortRun();
    const w = this.runWriter();
    for (let k = 0; k < order.length; k++) {
      const i = order[k];
      const b = this.block(this.blk[i]);
      const p = this.pos[i];
      w.record(this.hi[i], this.lo[i], this.base + i, b, p, p + this.len[i]);
    }
    w.close();
    this.runs.push(w.path);
    this.stats.runs++;
    this.stats.mode = 'external';
    this.resetRun();
  }

  private runWriter(): RunWriter {
    if (!this.tmp)
      this.tmp = new TempDir(this.opts.tmpdir, 'ldt-shuffle-', { label: '--tmp-dir ', hint: 'give a writable directory with room for about the size of the input: --tmp-dir DIR' });
    if (!this.staging) this.staging = Buffer.allocUnsafeSlow(MiB);
    const path = join(this.tmp.path, `run-${this.runSeq++}`);
    return new RunWriter(path, this.staging, this.write, this.opts.tmpdir, this.stats);
  }

  /** Write every row, shuffled, to `sink` (and its key to `onKey`); then remove the temporary files. */
  async finish(sink: Sink, onKey?: KeyHook): Promise<void> {
    try {
      if (this.runs.length === 0) {
        const order = this.sortRun();
        const out = new OutBatcher(sink);
        for (let k = 0; k < order.length; k++) {
          const i = order[k];
          const p = this.pos[i];
          onKey?.(this.hi[i], this.lo[i], this.base + i);
          await out.line(this.block(this.blk[i]), p, p + this.len[i]);
        }
        await out.end();
        this.resetRun();
        return;
      }
      this.spill();
      // Free the index; the arena blocks become the runs' read buffers.
      this.hi = this.lo = this.blk = this.pos = this.len = new Uint32Array(0);
      this.cap = 0;
      while (this.runs.length > FAN_IN) {
        const group = this.runs.splice(0, FAN_IN);
        const w = this.runWriter();
        await this.merge(group, (h, l, idx, b, s, e) => {
          w.record(h, l, idx, b, s, e);
          return undefined;
        });
        w.close();
        this.runs.push(w.path);
      }
      const out = new OutBatcher(sink);
      await this.merge(this.runs, onKey ? (h, l, i, b, s, e) => (onKey(h, l, i), out.line(b, s, e)) : (_h, _l, _i, b, s, e) => out.line(b, s, e));
      await out.end();
      this.runs = [];
    } finally {
      this.dispose();
    }
  }

  /** k-way merge of run files by (key, index), removing each file when done. */
  private async merge(paths: string[], emit: (hi: number, lo: number, idx: number, b: Buffer, s: number, e: number) => Promise<void> | undefined): Promise<void> {
    this.stats.merges++;
    const pieces = this.readBuffers(paths.length);
    const readers = paths.map((p, k) => new RunReader(p, pieces[k]));
    try {
      await mergeRunsAsync(readers, before, (r) => emit(r.hi, r.lo, r.idx, r.buf, r.start, r.start + r.len));
    } finally {
      for (const r of readers) r.close();
    }
    for (const p of paths) unlinkSync(p);
  }

  /** `k` read buffers carved from the arena's blocks (allocated only when the arena is too small). */
  private readBuffers(k: number): Buffer[] {
    const total = this.blocks.length * this.blockSize;
    const size = Math.max(64 * 1024, Math.min(8 * MiB, Math.floor(total / k)));
    const out: Buffer[] = [];
    for (const b of this.blocks) {
      for (let o = 0; o + size <= b.length && out.length < k; o += size) out.push(b.subarray(o, o + size));
      if (out.length === k) break;
    }
    while (out.length < k) out.push(Buffer.allocUnsafeSlow(size));
    return out;
  }

  /** Remove the temporary directory (also on error). Idempotent. */
  dispose(): void {
    this.tmp?.remove();
  }
}

/** Batches output lines into ~1 MiB buffers. A new buffer per batch: the stream may still hold the last one. */
export class OutBatcher {
  private buf = Buffer.allocUnsafeSlow(OUT_BATCH);
  private at = 0;
  constructor(private readonly sink: Sink) {}

  line(src: Buffer, s: number, e: number): Promise<void> | undefined {
    const L = e - s;
    if (this.at + L + 1 > this.buf.length) return this.slow(src, s, e);
    src.copy(this.buf, this.at, s, e);
    this.at += L;
    this.buf[this.at++] = 10;
    return undefined;
  }

  private async slow(src: Buffer, s: number, e: number): Promise<void> {
    const L = e - s;
    if (this.at > 0) await this.sink(this.buf.subarray(0, this.at));
    this.buf = Buffer.allocUnsafeSlow(Math.max(OUT_BATCH, L + 1));
    this.at = 0;
    src.copy(this.buf, 0, s, e);
    this.at = L;
    this.buf[this.at++] = 10;
  }

  async end(): Promise<void> {
    if (this.at > 0) await this.sink(this.buf.subarray(0, this.at));
    this.at = 0;
  }
}

/** How disk errors name the run files (`--tmp-dir DIR`). */
function diskText(dir: string): DiskErrorText {
  return {
    what: 'a sorted run',
    where: `--tmp-dir ${dir}`,
    spaceHint: 'the external shuffle needs free space about the size of the input there; free some, or give another directory: --tmp-dir DIR (or a larger --memory)',
  };
}

/** Writes run records (20-byte header, then the line) through the staging buffer. */
class RunWriter {
  private readonly file: RunFileWriter;

  constructor(
    readonly path: string,
    staging: Buffer,
    write: WriteFn,
    dir: string,
    private readonly stats: ShuffleStats,
  ) {
    this.file = new RunFileWriter(path, staging, diskText(dir), write);
  }

  record(hi: number, lo: number, idx: number, src: Buffer, s: number, e: number): void {
    const L = e - s;
    const st = this.file.staging;
    const a = this.file.room(RUN_HEADER + L);
    if (a < 0) {
      // Larger than the staging buffer: the header from it, the line from where it is.
      st.writeUInt32LE(hi, 0);
      st.writeUInt32LE(lo, 4);
      st.writeDoubleLE(idx, 8);
      st.writeUInt32LE(L, 16);
      this.file.direct(st, 0, RUN_HEADER);
      this.file.direct(src, s, L);
      return;
    }
    st.writeUInt32LE(hi, a);
    st.writeUInt32LE(lo, a + 4);
    st.writeDoubleLE(idx, a + 8);
    st.writeUInt32LE(L, a + 16);
    src.copy(st, a + RUN_HEADER, s, e);
  }

  close(): void {
    this.stats.temp_bytes += this.file.close();
  }
}

/** Reads run records one at a time through a buffer. */
class RunReader implements RunSource {
  private readonly file: RunFileReader;
  private consumed = 0;
  hi = 0;
  lo = 0;
  idx = 0;
  len = 0;
  /** Offset of the current line in `buf`. */
  start = 0;

  constructor(path: string, buf: Buffer) {
    this.file = new RunFileReader(path, buf);
  }

  get buf(): Buffer {
    return this.file.buf;
  }

  /** Load the next record; false at the end of the run. */
  next(): boolean {
    const f = this.file;
    f.pos += this.consumed;
    this.consumed = 0;
    if (!f.ensure(RUN_HEADER)) return false;
    const b = f.buf;
    const p = f.pos;
    this.hi = b.readUInt32LE(p);
    this.lo = b.readUInt32LE(p + 4);
    this.idx = b.readDoubleLE(p + 8);
    this.len = b.readUInt32LE(p + 16);
    f.ensure(RUN_HEADER + this.len);
    this.start = f.pos + RUN_HEADER;
    this.consumed = RUN_HEADER + this.len;
    return true;
  }

  close(): void {
    this.file.close();
  }
}

/** Run records by (key, index): a total order (indexes are unique). */
function before(x: RunReader, y: RunReader): boolean {
  if (x.hi !== y.hi) return x.hi < y.hi;
  if (x.lo !== y.lo) return x.lo < y.lo;
  return x.idx < y.idx;
}
