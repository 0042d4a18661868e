import { closeSync, openSync, readSync, type WriteStream, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '@ldt/errors';
import { TempDir } from '@ldt/ndjson';

/** Bytes of records collected before they are written. */
const PENDING = 4 << 20;
/**
 * Bytes of recently read records kept for verification (emptied when full). A row of a cluster
 * takes part in several candidate pairs: on a 64 MB chat file a 4,096-record cache left 27,016
 * reads, 32 MiB (all the sets read there) 18,086 (issue 17).
 */
const CACHE_BYTES = 32 << 20;

/**
 * Shingle sets on disk, for verification: one record per row, `u32 count | 16-byte content hash |
 * count × u32 sorted shingle hashes` (little-endian), appended in row order and read back by offset.
 * Keeping the sets in memory would cost ~4 bytes per shingle per row (kilobytes for a long
 * document); on disk they cost the same bytes, and memory holds only an 8-byte offset per row.
 * Reads go through the OS page cache; a cache of up to 32 MiB keeps recently read sets.
 *
 * The file lives in a private temporary directory (`ldt-dedup-near-XXXXXX` under --tmp-dir), which
 * the band-key runs share (`dir`); it is removed by `close()`, and also on exit, SIGINT, SIGTERM
 * and SIGHUP.
 */
export class SpillFile {
  private readonly tmp: TempDir;
  /** The private temporary directory (for other temporary files of the run). */
  readonly dir: string;
  private readonly fd: number;
  private size = 0;
  /**
   * Records not yet written, encoded straight into one 4 MiB buffer (a record that does not fit is
   * written on its own): a fresh Buffer per record and a Buffer.concat per flush were ~8% of a
   * --mark run's CPU on a 64 MB chat file (issue 17).
   */
  private readonly pending = Buffer.allocUnsafe(PENDING);
  private pendingBytes = 0;
  private records = 0;
  /** Recently read records (`readRecord`), by offset, up to CACHE_BYTES in all. */
  private readonly cache = new Map<number, Uint32Array>();
  private cacheBytes = 0;
  private closed = false;

  /** Where the private directory was created (--tmp-dir, or the OS temporary directory). */
  readonly parent: string;

  constructor(tmpDir = tmpdir()) {
    this.parent = tmpDir;
    this.tmp = new TempDir(tmpDir, 'ldt-dedup-near-', {
      label: '--tmp-dir ',
      hint: 'give a writable directory with room for the shingle sets (4 bytes per shingle per row): --tmp-dir DIR',
    });
    this.dir = this.tmp.path;
    this.fd = openSync(join(this.dir, 'shingles.bin'), 'w+');
  }

  /** A new file `name` in the private directory, created now (see TempDir.createFile): its path and a write stream to it. */
  createFile(name: string): { path: string; stream: WriteStream } {
    return this.tmp.createFile(name);
  }

  /** Append a record; returns its offset. */
  append(hash: Uint8Array, set: Uint32Array): number {
    const len = 20 + set.length * 4;
    if (this.pendingBytes + len > PENDING) this.flush();
    if (len > PENDING) {
      const rec = Buffer.allocUnsafe(len);
      this.encode(rec, 0, hash, set);
      return this.writeAlone(rec);
    }
    const off = this.size;
    this.encode(this.pending, this.pendingBytes, hash, set);
    this.pendingBytes += len;
    this.size += len;
    this.records++;
    return off;
  }

  private encode(to: Buffer, at: number, hash: Uint8Array, set: Uint32Array): void {
    to.writeUInt32LE(set.length, at);
    to.set(hash, at + 4);
    if (set.length > 0) to.set(new Uint8Array(set.buffer, set.byteOffset, set.byteLength), at + 20);
  }

  /** Append a record already in the on-disk layout (from an index file); returns its offset. */
  appendRaw(rec: Uint8Array): number {
    if (this.pendingBytes + rec.length > PENDING) this.flush();
    if (rec.length > PENDING) return this.writeAlone(rec);
    const off = this.size;
    this.pending.set(rec, this.pendingBytes);
    this.pendingBytes += rec.length;
    this.size += rec.length;
    this.records++;
    return off;
  }

  /** Write a record bigger than the pending buffer (nothing is pending); returns its offset. */
  private writeAlone(rec: Uint8Array): number {
    const off = this.size;
    this.write(rec, off);
    this.size += rec.length;
    this.records++;
    return off;
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.size;
  }

  flush(): void {
    if (this.pendingBytes === 0) return;
    this.write(this.pending.subarray(0, this.pendingBytes), this.size - this.pendingBytes);
    this.pendingBytes = 0;
  }

  private write(all: Uint8Array, base: number): void {
    let done = 0;
    try {
      while (done < all.length) done += writeSync(this.fd, all, done, all.length - done, base + done);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const full = err.code === 'ENOSPC' || err.code === 'EDQUOT';
      throw new DataError(
        `${full ? 'no space left on device' : `cannot write (${err.message})`} in --tmp-dir ${this.parent} while writing the shingle sets`,
        undefined,
        'the shingle sets need 20 + 4 bytes per shingle per row there; free some space, or give another directory: --tmp-dir DIR',
      );
    }
  }

  private head = Buffer.allocUnsafe(20);

  /** The whole record at `off` in its on-disk layout. */
  readRaw(off: number): Buffer {
    this.flush();
    readSync(this.fd, this.head, 0, 20, off);
    const n = this.head.readUInt32LE(0);
    const rec = Buffer.allocUnsafe(20 + n * 4);
    readSync(this.fd, rec, 0, rec.length, off);
    return rec;
  }

  /** A read-ahead window over the file for `readHash`, which the output pass calls in row order. */
  private windowBuf: Buffer | undefined;
  private window: Buffer = Buffer.alloc(0);
  private windowAt = -1;

  private short(off: number): DataError {
    return new DataError(
      `the shingle-set file in ${this.dir} is shorter than expected (offset ${off})`,
      undefined,
      'was the temporary directory changed while dedup-near ran? run it again',
    );
  }

  /**
   * The 16-byte content hash of the record at `off`, as 32 hex digits. The output pass asks for
   * every row's hash in row order (records are laid out in that order), so it reads the file
   * 1 MiB at a time instead of one 20-byte `readSync` per row (~7% of a --mark run's CPU on a
   * 64 MB chat file; issue 17). A record behind the window (a cluster's keeper) is read whole and
   * cached (its set is compared next), so the window only moves forward.
   */
  readHash(off: number): string {
    this.flush();
    if (this.windowAt >= 0 && off < this.windowAt) return hexOf(this.readRecord(off));
    if (this.windowAt < 0 || off + 20 > this.windowAt + this.window.length) {
      this.windowBuf ??= Buffer.allocUnsafe(1 << 20);
      const buf = this.windowBuf;
      const want = Math.min(buf.length, Math.max(20, this.size - off));
      let got = 0;
      while (got < want) {
        const n = readSync(this.fd, buf, got, want - got, off + got);
        if (n === 0) break;
        got += n;
      }
      if (got < 20) throw this.short(off);
      this.windowAt = off;
      this.window = buf.subarray(0, got);
    }
    const at = off - this.windowAt;
    return this.window.toString('hex', at + 4, at + 20);
  }

  /** Scratch for `readRecord`. */
  private readonly recScratch = Buffer.allocUnsafe(16 << 10);

  /**
   * The record at `off` as u32 words (count, hash, set), from the cache or read and cached. One
   * `readSync` of twice the mean record size (256 B to 16 KiB) reads the header and, for most
   * records, the whole set; a second read only for longer ones. Two reads per set (header, then
   * set) were ~11% of a `--mark` run's CPU on a 64 MB chat file (14,827 candidate pairs;
   * issue 17), and a fixed 16 KiB read copies more than it saves.
   */
  private readRecord(off: number): Uint32Array {
    const hit = this.cache.get(off);
    if (hit) return hit;
    this.flush();
    const sc = this.recScratch;
    const guess = Math.min(sc.length, Math.max(256, 2 * Math.ceil(this.size / Math.max(1, this.records))));
    const got = readSync(this.fd, sc, 0, Math.min(guess, this.size - off), off);
    if (got < 20) throw this.short(off);
    const n = sc.readUInt32LE(0);
    const rec = new Uint32Array(5 + n);
    const u8 = new Uint8Array(rec.buffer);
    const have = Math.min(got, u8.length);
    u8.set(sc.subarray(0, have));
    if (have < u8.length && readSync(this.fd, u8, have, u8.length - have, off + have) < u8.length - have) throw this.short(off);
    if (this.cacheBytes + rec.byteLength > CACHE_BYTES) {
      this.cache.clear();
      this.cacheBytes = 0;
    }
    this.cache.set(off, rec);
    this.cacheBytes += rec.byteLength;
    return rec;
  }

  /**
   * The shingle set of the record at `off` (sorted u32 hashes). A record inside the output pass's
   * read-ahead window (`readHash`: the row being written) is copied from it, without a read.
   */
  readSet(off: number): Uint32Array {
    const at = off - this.windowAt;
    if (this.windowAt >= 0 && at >= 0 && at + 20 <= this.window.length && this.pendingBytes === 0) {
      const n = this.window.readUInt32LE(at);
      if (at + 20 + n * 4 <= this.window.length) {
        const set = new Uint32Array(n);
        new Uint8Array(set.buffer).set(this.window.subarray(at + 20, at + 20 + n * 4));
        return set;
      }
    }
    return this.readRecord(off).subarray(5);
  }

  /** Close and delete the file. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    this.tmp.remove();
  }
}

/** The content hash of a record (`readRecord` words) as 32 hex digits. */
function hexOf(rec: Uint32Array): string {
  return Buffer.from(rec.buffer, rec.byteOffset + 4, 16).toString('hex');
}
