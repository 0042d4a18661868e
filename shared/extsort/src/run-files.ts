/**
 * Sorted-run files of an external merge sort: written through a staging buffer with synchronous
 * writes (a run is sorted in memory; nothing else can happen meanwhile), read back through a
 * buffer. A disk that fails while writing is a `DataError` with a hint (`diskError`); a file that
 * ends before its records do (it was truncated while the run went on) is a `DataError` naming the
 * file and the byte — never a plain Error or a silently shorter merge.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { DataError } from '@ldt/errors';

/** `fs.writeSync(fd, buf, off, len)`: appends at the file's position; tests pass one that fails. */
export type WriteFn = (fd: number, buf: Uint8Array, off: number, len: number) => number;

const defaultWrite: WriteFn = (fd, buf, off, len) => writeSync(fd, buf, off, len);

/** How a tool names its temporary files in disk errors. */
export interface DiskErrorText {
  /** What was being written, e.g. `a sorted run`. */
  what: string;
  /** Where, as the user named it, e.g. `--tmp-dir /tmp`. */
  where: string;
  /** The hint of a full disk (ENOSPC, EDQUOT): how much room is needed, how to give more. */
  spaceHint: string;
  /** The hint of any other failure (default: none). */
  otherHint?: string;
}

/** A failed open or write of a temporary file, as a `DataError` with the tool's hint. */
export function diskError(e: unknown, text: DiskErrorText): DataError {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOSPC' || err.code === 'EDQUOT') return new DataError(`no space left on device in ${text.where} while writing ${text.what}`, undefined, text.spaceHint);
  return new DataError(`cannot write ${text.what} in ${text.where}: ${err.message ?? String(e)}`, undefined, text.otherHint);
}

/** Open a temporary file, mapping a failure to `diskError`. */
export function openTemp(path: string, flags: string, text: DiskErrorText): number {
  try {
    return openSync(path, flags);
  } catch (e) {
    throw diskError(e, text);
  }
}

/** The error of a temporary file that ends before its records do. */
export function truncatedTemp(path: string, at: number): DataError {
  return new DataError(
    `temporary file ${path} ended early at byte ${at}: it was truncated or replaced while the run went on`,
    undefined,
    'run again; check the disk and that nothing else cleans the temporary directory meanwhile',
  );
}

/** Read exactly `buf.length` bytes at `position` of a temporary file (a `DataError` if it ends first). */
export function readExactly(fd: number, buf: Uint8Array, position: number, path: string): void {
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) throw truncatedTemp(path, position + done);
    done += n;
  }
}

/**
 * Appends bytes to a new temporary file through `staging`. Records are written in place:
 * `room(n)` gives the offset in `staging` where n bytes go (flushing first when needed), or -1
 * for a record larger than the staging buffer, which the caller then writes with `direct`.
 */
export class RunFileWriter {
  private readonly fd: number;
  private at = 0;
  /** Bytes written to the file so far. */
  written = 0;

  constructor(
    readonly path: string,
    readonly staging: Buffer,
    private readonly text: DiskErrorText,
    private readonly write: WriteFn = defaultWrite,
  ) {
    this.fd = openTemp(path, 'w', text);
  }

  room(n: number): number {
    if (this.at + n > this.staging.length) {
      this.flush();
      if (n > this.staging.length) return -1;
    }
    const a = this.at;
    this.at = a + n;
    return a;
  }

  /** Write `buf[off, off + len)` now (after `room` returned -1: the staging buffer was flushed). */
  direct(buf: Uint8Array, off: number, len: number): void {
    this.writeAll(buf, off, len);
  }

  flush(): void {
    if (this.at > 0) this.writeAll(this.staging, 0, this.at);
    this.at = 0;
  }

  private writeAll(buf: Uint8Array, off: number, len: number): void {
    try {
      while (len > 0) {
        const n = this.write(this.fd, buf, off, len);
        off += n;
        len -= n;
        this.written += n;
      }
    } catch (e) {
      try {
        closeSync(this.fd);
      } catch {}
      throw diskError(e, this.text);
    }
  }

  /** Flush and close; returns the bytes written. */
  close(): number {
    this.flush();
    closeSync(this.fd);
    return this.written;
  }
}

/**
 * Reads a region of a run file (`start`, `length`; default: from 0 to the end of the file)
 * through `buf`: `ensure(n)` makes n bytes available at `buf[pos…]`, the caller moves `pos` past
 * what it used.
 */
export class RunFileReader {
  readonly fd: number;
  pos = 0;
  end = 0;
  private filePos: number;
  private left: number;
  private eof = false;

  constructor(
    readonly path: string,
    public buf: Buffer,
    start = 0,
    length = Number.POSITIVE_INFINITY,
  ) {
    this.fd = openSync(path, 'r');
    this.filePos = start;
    this.left = length;
  }

  /**
   * Make `n` bytes available at buf[pos…] (the buffer grows for a larger n). False at the end of
   * the region with nothing left over; a `DataError` when the file ends inside the n bytes.
   */
  ensure(n: number): boolean {
    if (this.end - this.pos >= n) return true;
    if (this.pos > 0) {
      this.buf.copy(this.buf, 0, this.pos, this.end);
      this.end -= this.pos;
      this.pos = 0;
    }
    if (n > this.buf.length) {
      const bigger = Buffer.allocUnsafeSlow(n);
      this.buf.copy(bigger, 0, 0, this.end);
      this.buf = bigger;
    }
    while (this.end < n && !this.eof && this.left > 0) {
      const r = readSync(this.fd, this.buf, this.end, Math.min(this.buf.length - this.end, this.left), this.filePos);
      if (r === 0) this.eof = true;
      this.end += r;
      this.filePos += r;
      this.left -= r;
    }
    if (this.end >= n) return true;
    // Nothing left where a record should start: the end. Part of one, or a region cut short: truncated.
    if (this.end === 0 && (this.left === 0 || this.left === Number.POSITIVE_INFINITY)) return false;
    throw truncatedTemp(this.path, this.filePos);
  }

  close(): void {
    closeSync(this.fd);
  }
}
