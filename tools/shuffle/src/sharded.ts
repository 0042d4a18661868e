import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DataError, UsageError } from '@ldt/errors';
import type { LineWriter } from '@ldt/ndjson';
import { compareKeys, type KeyHook } from './keys.js';
import { OutBatcher, type Sink } from './shuffle.js';

/**
 * The sharded form of shuffle: row i's key depends only on (seed, i), so shards can be shuffled
 * apart and merged. Per shard, `shuffle --seed S --first-index N --keys-out K` (N = the rows
 * before the shard) writes the shard's rows in (key, global index) order and, in K, the key and
 * index of each row written; `shuffle merge --seed S ROWS1 KEYS1 ROWS2 KEYS2 …` merges them by
 * (key, index): byte for byte the output of one `shuffle --seed S` over the concatenated shards.
 *
 * Keys file: one JSON header line (`format`, `seed`, `first_index`, `sample`), then 16 bytes per
 * row written (key high u32, key low u32, row index f64; little-endian), then a 16-byte footer
 * (rows read by the shard f64, rows written f64). The footer lets the merge check that the shards
 * are contiguous (each starts where the ones before it end) without reading any row.
 */
export const KEYS_FORMAT = 'ldt-shuffle-keys/1';
/** Bytes per row in a keys file (and of its footer). */
export const KEY_BYTES = 16;
const BATCH = 65536;

/** What a keys file says about its shard. */
export interface KeysHeader {
  seed: number;
  /** Global index of the shard's first row. */
  first_index: number;
  /** `--sample N` of the shard run; null: every row. */
  sample: number | null;
}

/** Writes a keys file through a LineWriter (an atomic side file): header, one record per row written, footer. */
export class KeysWriter {
  private buf = Buffer.allocUnsafe(BATCH * KEY_BYTES);
  private at = 0;
  private count = 0;

  constructor(
    private readonly w: LineWriter,
    head: KeysHeader,
  ) {
    w.pushBytes(Buffer.from(`${JSON.stringify({ format: KEYS_FORMAT, ...head })}\n`));
  }

  /** The key hook to give the shuffle (`onKey`). */
  readonly add: KeyHook = (hi, lo, index) => {
    const b = this.buf;
    const a = this.at;
    b.writeUInt32LE(hi, a);
    b.writeUInt32LE(lo, a + 4);
    b.writeDoubleLE(index, a + 8);
    this.at = a + KEY_BYTES;
    this.count++;
    if (this.at === b.length) {
      this.w.pushBytes(b);
      this.buf = Buffer.allocUnsafe(BATCH * KEY_BYTES);
      this.at = 0;
    }
  };

  /** Write the records queued so far. */
  async flush(): Promise<void> {
    if (this.at > 0) {
      this.w.pushBytes(Buffer.from(this.buf.subarray(0, this.at)));
      this.at = 0;
    }
    await this.w.flush();
  }

  /** Write the footer: `rows` read by the shard (and the count of records written). */
  async end(rows: number): Promise<void> {
    const f = Buffer.alloc(KEY_BYTES);
    f.writeDoubleLE(rows, 0);
    f.writeDoubleLE(this.count, 8);
    if (this.at > 0) this.w.pushBytes(Buffer.from(this.buf.subarray(0, this.at)));
    this.at = 0;
    this.w.pushBytes(f);
    await this.w.flush();
  }
}

/** One shard of a merge, as its keys file describes it. */
export interface ShardInfo extends KeysHeader {
  rowsFile: string;
  keysFile: string;
  /** Rows the shard run read (its part of the whole input). */
  rows: number;
  /** Rows in the shard's output (all of them, or its sample). */
  written: number;
  /** Byte offset of the first record in the keys file. */
  bodyStart: number;
}

/** Read and check the header and footer of a keys file. */
export function readKeysInfo(keysFile: string, rowsFile: string): ShardInfo {
  const bad = (what: string) => new DataError(what, { file: keysFile, line: 1 }, 'write it with shuffle --keys-out FILE (the rows go to standard output)');
  let fd: number;
  try {
    fd = openSync(keysFile, 'r');
  } catch (e) {
    throw new DataError(`cannot read the keys file ${keysFile}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, 4096));
    readSync(fd, head, 0, head.length, 0);
    const nl = head.indexOf(10);
    let h: Record<string, unknown> | undefined;
    try {
      h = nl > 0 ? (JSON.parse(head.toString('utf8', 0, nl)) as Record<string, unknown>) : undefined;
    } catch {}
    if (!h || h.format !== KEYS_FORMAT) throw bad(`expected a ${KEYS_FORMAT} file`);
    const bodyStart = nl + 1;
    if (size - bodyStart < KEY_BYTES || (size - bodyStart) % KEY_BYTES !== 0) throw bad(`truncated keys file (${size - bodyStart} bytes after the header)`);
    const foot = Buffer.alloc(KEY_BYTES);
    readSync(fd, foot, 0, KEY_BYTES, size - KEY_BYTES);
    const rows = foot.readDoubleLE(0);
    const written = foot.readDoubleLE(8);
    if (written !== (size - bodyStart) / KEY_BYTES - 1 || !(rows >= written)) throw bad('truncated or damaged keys file (its footer does not match its size)');
    return {
      rowsFile,
      keysFile,
      seed: Number(h.seed),
      first_index: Number(h.first_index),
      sample: h.sample === null || h.sample === undefined ? null : Number(h.sample),
      rows,
      written,
      bodyStart,
    };
  } finally {
    closeSync(fd);
  }
}

/** Check that `shards` (in input order) can be merged with `seed` and `sample`: same seed, contiguous, samples large enough. */
export function checkShards(shards: readonly ShardInfo[], seed: number, sample: number | undefined): void {
  let next = 0;
  for (const s of shards) {
    const at = { file: s.keysFile, line: 1 };
    if (s.seed !== seed) throw new DataError(`made with --seed ${s.seed}; this merge has --seed ${seed}`, at, 'run every shard and the merge with the same --seed');
    if (s.first_index !== next)
      throw new DataError(
        `this shard starts at row ${s.first_index}, but the shards before it hold ${next} rows`,
        at,
        'give the merge every shard, in input order, each run with --first-index = the rows before it (shuffle offsets prints them)',
      );
    if (s.sample !== null && (sample === undefined || s.sample < sample))
      throw new UsageError(
        `${s.keysFile} holds a --sample ${s.sample} of its shard; ${sample === undefined ? 'a merge without --sample needs every row' : `--sample ${sample} needs at least ${sample} rows of each shard`}`,
        'run the shards with the --sample of the merge (or none)',
      );
    next += s.rows;
  }
}

/** Reads a shard's output lines and its keys, one row at a time, with synchronous buffered reads. */
class ShardCursor {
  private readonly rowsFd: number;
  private readonly keysFd: number;
  private buf = Buffer.allocUnsafe(1 << 20);
  private pos = 0;
  private end = 0;
  private eof = false;
  private readonly keys = Buffer.allocUnsafe(BATCH * KEY_BYTES);
  private kpos = 0;
  private kend = 0;
  private keyOffset: number;
  private left: number;
  private line = 0;
  private hasLine = false;
  hi = 0;
  lo = 0;
  idx = -1;
  /** The current line: `buf[start, stop)`, without its `\n`. */
  start = 0;
  stop = 0;

  constructor(readonly info: ShardInfo) {
    this.keysFd = openSync(info.keysFile, 'r');
    try {
      this.rowsFd = openSync(info.rowsFile, 'r');
    } catch (e) {
      closeSync(this.keysFd);
      throw new DataError(`cannot read ${info.rowsFile}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    this.keyOffset = info.bodyStart;
    this.left = info.written;
  }

  get buffer(): Buffer {
    return this.buf;
  }

  /** Load the next row; false after the last. */
  next(): boolean {
    if (this.hasLine) this.pos = this.stop + 1;
    this.hasLine = false;
    if (this.left === 0) {
      if (this.end > this.pos || this.fill())
        throw new DataError(`holds more rows than its keys file ${this.info.keysFile} (${this.info.written})`, { file: this.info.rowsFile, line: this.line + 1 });
      return false;
    }
    if (this.kpos === this.kend) {
      const n = readSync(this.keysFd, this.keys, 0, Math.min(this.keys.length, this.left * KEY_BYTES), this.keyOffset);
      this.keyOffset += n;
      this.kpos = 0;
      this.kend = n;
    }
    const hi = this.keys.readUInt32LE(this.kpos);
    const lo = this.keys.readUInt32LE(this.kpos + 4);
    const idx = this.keys.readDoubleLE(this.kpos + 8);
    this.kpos += KEY_BYTES;
    if (this.idx >= 0 && compareKeys(hi, lo, idx, this.hi, this.lo, this.idx) <= 0)
      throw new DataError('the keys are not in increasing order', { file: this.info.keysFile, line: 1 }, 'write it with shuffle --keys-out, without --sample-order input');
    this.hi = hi;
    this.lo = lo;
    this.idx = idx;
    this.left--;
    let nl = this.buf.indexOf(10, this.pos);
    while (nl < 0 || nl >= this.end) {
      if (!this.fill()) throw new DataError(`ends before its keys file ${this.info.keysFile} does (${this.info.written} rows)`, { file: this.info.rowsFile, line: this.line + 1 });
      nl = this.buf.indexOf(10, this.pos);
    }
    this.line++;
    this.start = this.pos;
    this.stop = nl;
    this.hasLine = true;
    return true;
  }

  /** Read more of the rows file, keeping the unread part; false at its end. */
  private fill(): boolean {
    if (this.eof) return false;
    if (this.pos > 0) {
      this.buf.copy(this.buf, 0, this.pos, this.end);
      this.end -= this.pos;
      this.pos = 0;
    }
    if (this.end === this.buf.length) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, this.end);
      this.buf = bigger;
    }
    const n = readSync(this.rowsFd, this.buf, this.end, this.buf.length - this.end, null);
    if (n === 0) this.eof = true;
    this.end += n;
    return n > 0;
  }

  close(): void {
    closeSync(this.rowsFd);
    closeSync(this.keysFd);
  }
}

/** What a merge did. */
export interface MergeStats {
  /** Rows of the whole input (the shards' rows read). */
  rows: number;
  /** Rows in the shards' outputs. */
  shard_rows: number;
  written: number;
}

/**
 * Merge shuffled shards by (key, global index): the output of one shuffle over the concatenated
 * shards, or with `sample` its first `sample` rows (`sampleOrder: 'input'`: those rows in input
 * order, as `shuffle --sample N --sample-order input`). Memory: one read buffer per shard, plus
 * the sampled rows with `input` order.
 */
export async function mergeShards(shards: readonly ShardInfo[], opts: { sample?: number; sampleOrder?: 'random' | 'input' }, sink: Sink): Promise<MergeStats> {
  const rows = shards.reduce((n, s) => n + s.rows, 0);
  const shardRows = shards.reduce((n, s) => n + s.written, 0);
  const limit = opts.sample ?? Number.POSITIVE_INFINITY;
  const cursors: ShardCursor[] = [];
  try {
    for (const s of shards) cursors.push(new ShardCursor(s));
    const heap = cursors.filter((c) => c.next());
    const less = (a: ShardCursor, b: ShardCursor) => compareKeys(a.hi, a.lo, a.idx, b.hi, b.lo, b.idx) < 0;
    const siftDown = (i: number) => {
      const n = heap.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) return;
        const m = l + 1 < n && less(heap[l + 1], heap[l]) ? l + 1 : l;
        if (!less(heap[m], heap[i])) return;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    };
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i);
    const out = new OutBatcher(sink);
    const kept: { idx: number; line: Buffer }[] = [];
    let written = 0;
    while (heap.length > 0 && written < limit) {
      const c = heap[0];
      if (opts.sampleOrder === 'input' && opts.sample !== undefined) kept.push({ idx: c.idx, line: Buffer.from(c.buffer.subarray(c.start, c.stop)) });
      else {
        const p = out.line(c.buffer, c.start, c.stop);
        if (p) await p;
      }
      written++;
      if (c.next()) siftDown(0);
      else {
        const last = heap.pop() as ShardCursor;
        if (heap.length > 0) {
          heap[0] = last;
          siftDown(0);
        }
      }
    }
    kept.sort((a, b) => a.idx - b.idx);
    for (const k of kept) await out.line(k.line, 0, k.line.length);
    await out.end();
    return { rows, shard_rows: shardRows, written };
  } finally {
    for (const c of cursors) c.close();
  }
}
