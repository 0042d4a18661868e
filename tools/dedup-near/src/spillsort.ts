import { closeSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type DiskErrorText, diskError, mergeRuns, openTemp, RunFileReader, RunFileWriter, type RunSource, readExactly } from '@ldt/extsort';

/** Default `--memory`: the band-key buffer and its sort (1 GiB: ~14 million rows at 14 bands). */
export const DEFAULT_MEMORY = 1024 ** 3;

/** Runs merged at once (fewer when the budget is small: one read buffer of at least 4 KiB per run). */
const MAX_FAN_IN = 256;
const MIN_READ = 4096;
/** Rows per block of the in-memory buffer (blocks are allocated as rows come; no copying on growth). */
const BLOCK_ROWS = 1 << 16;
/** Records per write: a 512 KiB staging buffer. */
const STAGE_RECORDS = 1 << 16;

/** Counters of the external sort, for --stats notes. */
export interface BandSortStats {
  /** Sorted runs written (0: the band keys fit --memory and were sorted in memory). */
  band_key_runs: number;
  /** Intermediate merge passes (more runs than can be merged at once). */
  band_key_merge_passes: number;
  /** Bytes of band-key files written (runs, merged runs and the row-major key file). */
  band_key_temp_bytes: number;
}

/** A sorted run on disk: for band 0, 1, …, B-1 in turn, `n` records (u32 key, u32 row id), sorted by (key, id). */
interface Run {
  path: string;
  /** Records per band. */
  n: number;
}

/**
 * The band keys of every row, and their sort by (band, key, row id) — with bounded memory.
 *
 * Rows are added in id order (0, 1, 2, …; a row without keys takes a slot of zeros and is left
 * out of the sort by `eligible`). They collect in a buffer of `4·bands` bytes per row. While the
 * buffer plus its sort scratch (16 bytes per row) stays within `memory`, everything is in memory:
 * `forBand(j)` radix-sorts the band's (key, id) pairs, stable, so ids ascend within a key. When the
 * next row would exceed `memory`, the buffer is spilled: each band's pairs are sorted the same way
 * and written one band after another to a run file (8 bytes per record), the buffer itself is
 * appended to a row-major key file (for `keysOf`), and the buffer is reused. `forBand(j)` then
 * k-way merges band j of every run by (key, id) — with at most `fanIn` runs at once; more first
 * take intermediate merge passes. Row ids are unique, so (key, id) is a total order and the merged
 * stream is exactly the in-memory sorted sequence: callers see the same groups in the same order,
 * whether or not anything spilled.
 *
 * Memory: the buffer and scratch stay within `memory` (at least one row); merging uses `fanIn`
 * read buffers carved from the same budget, plus a 512 KiB staging buffer and the largest group of
 * rows sharing one key (4 bytes per row of it).
 */
export class BandKeys {
  private blocks: Uint32Array[] = [];
  /** Rows in the buffer (ids `base`…`base + rows - 1`). */
  private rows = 0;
  private base = 0;
  /** Rows the buffer may hold within `memory`. */
  readonly capRows: number;
  private runs: Run[] = [];
  private runSeq = 0;
  private keysFd: number | undefined;
  private scratch: { kA: Uint32Array; iA: Uint32Array; kB: Uint32Array; iB: Uint32Array } | undefined;
  private readonly cnt = new Uint32Array(65537);
  private stage: Buffer | undefined;
  private merged = false;
  private closed = false;
  count = 0;
  readonly stats: BandSortStats = { band_key_runs: 0, band_key_merge_passes: 0, band_key_temp_bytes: 0 };

  /**
   * @param bands band keys per row
   * @param memory budget in bytes for the buffer (4·bands per row) and its sort scratch (16 per row)
   * @param dir the private temporary directory of the run (removed by its owner)
   * @param eligible whether row `id` takes part in the sort (has band keys)
   * @param dirLabel how error messages name the temporary directory (e.g. `--tmp-dir /x`)
   */
  constructor(
    readonly bands: number,
    readonly memory: number,
    private readonly dir: string,
    private readonly eligible: (id: number) => boolean,
    private readonly dirLabel = dir,
  ) {
    this.capRows = Math.max(1, Math.floor(memory / (4 * bands + 16)));
  }

  /** Bytes per row of the buffer and its sort scratch (the rows `memory` holds: memory / this). */
  get bytesPerRow(): number {
    return 4 * this.bands + 16;
  }

  /** True once runs were written (the sort is external). */
  get spilled(): boolean {
    return this.runs.length > 0;
  }

  /** Add the next row's band keys (`bands` values; an empty array for a row without keys). */
  add(keys: Uint32Array): void {
    if (this.merged) throw new Error('BandKeys: rows must be added before the sort');
    if (this.rows === this.capRows) this.spill();
    const B = this.bands;
    const bi = Math.floor(this.rows / BLOCK_ROWS);
    if (bi === this.blocks.length) this.blocks.push(new Uint32Array(Math.min(BLOCK_ROWS, this.capRows - this.rows) * B));
    const at = (this.rows % BLOCK_ROWS) * B;
    const blk = this.blocks[bi];
    if (keys.length === B) blk.set(keys, at);
    else blk.fill(0, at, at + B);
    this.rows++;
    this.count++;
  }

  /** The band keys of row `id`. */
  keysOf(id: number): Uint32Array {
    const B = this.bands;
    if (id >= this.base) {
      const r = id - this.base;
      const blk = this.blocks[Math.floor(r / BLOCK_ROWS)];
      const at = (r % BLOCK_ROWS) * B;
      return blk.slice(at, at + B);
    }
    const out = new Uint32Array(B);
    readExactly(this.keysFd as number, new Uint8Array(out.buffer), id * B * 4, join(this.dir, 'band-keys.bin'));
    return out;
  }

  /** Sort the buffer's eligible rows by (band j key, id) into the scratch; returns how many. */
  private sortBuffer(j: number): number {
    const B = this.bands;
    if (!this.scratch) {
      const n = Math.min(this.capRows, Math.max(this.rows, 1));
      this.scratch = { kA: new Uint32Array(n), iA: new Uint32Array(n), kB: new Uint32Array(n), iB: new Uint32Array(n) };
    }
    let { kA, iA, kB, iB } = this.scratch;
    let m = 0;
    for (let r = 0; r < this.rows; r++) {
      const id = this.base + r;
      if (!this.eligible(id)) continue;
      kA[m] = this.blocks[Math.floor(r / BLOCK_ROWS)][(r % BLOCK_ROWS) * B + j];
      iA[m++] = id;
    }
    // LSD radix sort on 16-bit digits; stable, so ids stay ascending within a key.
    const cnt = this.cnt;
    for (let shift = 0; shift < 32; shift += 16) {
      cnt.fill(0);
      for (let k = 0; k < m; k++) cnt[((kA[k] >>> shift) & 0xffff) + 1]++;
      for (let d = 0; d < 65536; d++) cnt[d + 1] += cnt[d];
      for (let k = 0; k < m; k++) {
        const at = cnt[(kA[k] >>> shift) & 0xffff]++;
        kB[at] = kA[k];
        iB[at] = iA[k];
      }
      [kA, kB] = [kB, kA];
      [iA, iB] = [iB, iA];
    }
    // Two passes: the sorted pairs are back in kA/iA of the scratch.
    return m;
  }

  /** Write the buffer as a sorted run (and append it to the row-major key file), then empty it. */
  private spill(): void {
    const B = this.bands;
    if (this.keysFd === undefined) this.keysFd = openTemp(join(this.dir, 'band-keys.bin'), 'w+', this.diskText());
    let off = this.base * B * 4;
    for (let bi = 0; bi < this.blocks.length && bi * BLOCK_ROWS < this.rows; bi++) {
      const rows = Math.min(BLOCK_ROWS, this.rows - bi * BLOCK_ROWS);
      const blk = this.blocks[bi];
      off += this.write(this.keysFd, new Uint8Array(blk.buffer, blk.byteOffset, rows * B * 4), off);
    }
    this.stats.band_key_temp_bytes += this.rows * B * 4;
    const w = this.runWriter();
    let n = 0;
    for (let j = 0; j < B; j++) {
      n = this.sortBuffer(j);
      const { kA, iA } = this.scratch as { kA: Uint32Array; iA: Uint32Array };
      for (let k = 0; k < n; k++) w.put(kA[k], iA[k]);
    }
    this.runs.push(w.close(n));
    this.stats.band_key_runs++;
    this.stats.band_key_temp_bytes += w.written;
    this.base += this.rows;
    this.rows = 0;
  }

  private runWriter(): RunWriter {
    if (!this.stage) this.stage = Buffer.allocUnsafeSlow(STAGE_RECORDS * 8);
    return new RunWriter(join(this.dir, `band-run-${++this.runSeq}.bin`), this.stage, this.diskText());
  }

  private diskText(): DiskErrorText {
    return {
      what: 'sorted band-key runs',
      where: this.dirLabel,
      spaceHint: 'the temporary files need about 4 x bands x 3 bytes per row plus the shingle sets; free some space, or give another directory: --tmp-dir DIR',
      otherHint: 'give a writable directory: --tmp-dir DIR',
    };
  }

  /** Read buffers per run and runs per merge within the budget. */
  private fanIn(): number {
    return Math.max(2, Math.min(MAX_FAN_IN, Math.floor(this.memory / MIN_READ) - 1));
  }

  /** Finish adding rows: with runs, spill the rest, free the buffer and merge down to `fanIn` runs. */
  private prepare(): void {
    if (this.merged) return;
    this.merged = true;
    if (this.runs.length === 0) return;
    if (this.rows > 0) this.spill();
    this.blocks = [];
    this.scratch = undefined;
    const fanIn = this.fanIn();
    while (this.runs.length > fanIn) {
      // Consecutive runs: a merged run covers a contiguous id range, as a spilled one does.
      const next: Run[] = [];
      for (let s = 0; s < this.runs.length; s += fanIn) {
        const group = this.runs.slice(s, s + fanIn);
        if (group.length === 1) {
          next.push(group[0]);
          continue;
        }
        const w = this.runWriter();
        const n = group.reduce((a, r) => a + r.n, 0);
        for (let j = 0; j < this.bands; j++) this.merge(group, j, (key, id) => w.put(key, id));
        next.push(w.close(n));
        this.stats.band_key_temp_bytes += w.written;
        for (const r of group) unlinkSync(r.path);
      }
      this.runs = next;
      this.stats.band_key_merge_passes++;
    }
  }

  /** k-way merge of band `j` of `runs` by (key, id). */
  private merge(runs: Run[], j: number, emit: (key: number, id: number) => void): void {
    const bytes = Math.max(MIN_READ, Math.min(1 << 20, Math.floor(this.memory / (runs.length + 1)))) & ~7;
    const readers = runs.map((r) => new RunReader(r.path, j * r.n * 8, r.n, bytes));
    try {
      mergeRuns(readers, before, (r) => emit(r.key, r.id));
    } finally {
      for (const r of readers) r.close();
    }
  }

  /**
   * Call `fn(ids, s, e)` for every key of band `j` shared by two rows or more: `ids[s..e)` are the
   * rows, ascending. Keys come in increasing order. The same calls whether or not the sort spilled.
   */
  forBand(j: number, fn: (ids: Uint32Array, s: number, e: number) => void): void {
    this.prepare();
    if (this.runs.length === 0) {
      const m = this.sortBuffer(j);
      const { kA, iA } = this.scratch as { kA: Uint32Array; iA: Uint32Array };
      let s = 0;
      while (s < m) {
        let e = s + 1;
        while (e < m && kA[e] === kA[s]) e++;
        if (e - s > 1) fn(iA, s, e);
        s = e;
      }
      return;
    }
    let group = new Uint32Array(64);
    let len = 0;
    let cur = 0;
    this.merge(this.runs, j, (key, id) => {
      if (len > 0 && key !== cur) {
        if (len > 1) fn(group, 0, len);
        len = 0;
      }
      cur = key;
      if (len === group.length) {
        const g = new Uint32Array(len * 2);
        g.set(group);
        group = g;
      }
      group[len++] = id;
    });
    if (len > 1) fn(group, 0, len);
  }

  /** Free the sort scratch (after clustering); keysOf still works. */
  release(): void {
    this.scratch = undefined;
    this.stage = undefined;
  }

  /** Close the files (the directory is removed by its owner). Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.keysFd !== undefined) closeSync(this.keysFd);
    this.blocks = [];
    this.scratch = undefined;
  }

  private write(fd: number, b: Uint8Array, off: number): number {
    let done = 0;
    try {
      while (done < b.length) done += writeSync(fd, b, done, b.length - done, off + done);
    } catch (e) {
      throw diskError(e, this.diskText());
    }
    return done;
  }
}

/** Writes (key, id) records, u32 LE each, through the staging buffer. */
class RunWriter {
  private readonly file: RunFileWriter;
  private readonly words: Uint32Array;
  written = 0;

  constructor(
    readonly path: string,
    stage: Buffer,
    text: DiskErrorText,
  ) {
    this.file = new RunFileWriter(path, stage, text);
    this.words = new Uint32Array(stage.buffer, stage.byteOffset, stage.length >> 2);
  }

  put(key: number, id: number): void {
    const at = this.file.room(8) >> 2;
    this.words[at] = key;
    this.words[at + 1] = id;
  }

  /** Flush, close, and describe the run (`n` records per band). */
  close(n: number): Run {
    this.written = this.file.close();
    return { path: this.path, n };
  }
}

/** Reads band `j`'s records of one run (`n` records from byte `start`) through its buffer. */
class RunReader implements RunSource {
  key = 0;
  id = 0;
  private readonly file: RunFileReader;
  private words: Uint32Array = new Uint32Array(0);
  private at = 0;
  private left: number;

  constructor(path: string, start: number, n: number, bytes: number) {
    this.file = new RunFileReader(path, Buffer.allocUnsafeSlow(bytes), start, n * 8);
    this.left = n;
  }

  next(): boolean {
    if (this.at === this.words.length) {
      if (this.left === 0) return false;
      const f = this.file;
      const want = Math.min(this.left, f.buf.length >> 3);
      f.pos = f.end;
      f.ensure(want * 8);
      this.words = new Uint32Array(f.buf.buffer, f.buf.byteOffset + f.pos, want * 2);
      f.pos += want * 8;
      this.left -= want;
      this.at = 0;
    }
    this.key = this.words[this.at++];
    this.id = this.words[this.at++];
    return true;
  }

  close(): void {
    this.file.close();
  }
}

/** Records by (key, id): a total order (ids are unique within a band). */
function before(a: RunReader, b: RunReader): boolean {
  return a.key < b.key || (a.key === b.key && a.id < b.id);
}
