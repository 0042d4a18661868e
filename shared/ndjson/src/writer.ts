import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { DataError, systemReason } from '@ldt/errors';
import { cleanStaleTemps, tempPathFor, trackTemp, untrackTemp } from './cleanup.js';

/** Thrown by a writer when its reader has gone away (`tool | head -1`): the harness exits 0 quietly. */
export class BrokenPipeError extends Error {
  readonly code = 'EPIPE';
  constructor() {
    super('broken pipe');
    this.name = 'BrokenPipeError';
  }
}

/**
 * Batched, backpressure-aware line writer. Lines are collected with `push` and written with one
 * `write` per `flush` (one write per input chunk was 1.4–1.7× faster to a pipe than one per
 * record here); `flush` waits for `'drain'` when the stream's buffer is full. Every line ends
 * with `\n` (never `os.EOL`).
 */
export class LineWriter {
  private parts: string[] = [];
  private bufs: Buffer[] = [];
  private error: Error | undefined;
  private waiting: ((e?: Error) => void) | undefined;

  /**
   * @param stream where lines go
   * @param maxQueued bytes that may wait in the stream's buffer before `flush` waits for 'drain'
   *   (default 8 MiB)
   */
  constructor(
    private readonly stream: Writable,
    private readonly maxQueued = 8 << 20,
    /** How messages name the output (`standard output`, a path). */
    readonly name = 'the output',
  ) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      // The first error is the cause; later ones (a destroyed stream) add nothing.
      if (this.error) return;
      this.error = e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED' ? new BrokenPipeError() : writeError(name, e);
      this.waiting?.(this.error);
    });
    stream.on('drain', () => this.waiting?.());
    stream.on('close', () => {
      if (!stream.writableFinished && !this.error) this.error = new BrokenPipeError();
      this.waiting?.(this.error);
    });
  }

  /** Queue one line (without its `\n`). */
  push(line: string): void {
    this.parts.push(line);
  }

  /** Queue raw bytes that already end with `\n` (or are empty). Flushes queued strings first to keep order. */
  pushBytes(buf: Buffer): void {
    if (this.parts.length > 0) {
      this.bufs.push(Buffer.from(`${this.parts.join('\n')}\n`));
      this.parts = [];
    }
    this.bufs.push(buf);
  }

  /** Lines queued and not yet flushed. */
  get pending(): number {
    return this.parts.length + this.bufs.length;
  }

  /** Write everything queued, waiting for drain if needed. Throws `BrokenPipeError` when the reader is gone. */
  async flush(): Promise<void> {
    if (this.error) throw this.error;
    let ok = true;
    if (this.bufs.length > 0) {
      for (const b of this.bufs) if (b.length > 0) ok = this.stream.write(b) && ok;
      this.bufs = [];
    }
    if (this.parts.length > 0) {
      ok = this.stream.write(`${this.parts.join('\n')}\n`) && ok;
      this.parts = [];
    }
    // Keep up to `maxQueued` bytes in flight instead of waiting for 'drain' after every batch
    // (a pipe's buffer is 16 KiB, so every 1 MiB batch would otherwise stall the loop until the
    // reader caught up): processing the next batch overlaps with the write. Memory stays bounded.
    if (!ok && this.stream.writableLength > this.maxQueued) await this.waitDrain();
    if (this.error) throw this.error;
  }

  private waitDrain(): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    if (!this.stream.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting = (e) => {
        this.waiting = undefined;
        if (e) reject(e);
        else resolve();
      };
    });
  }

  /**
   * Flush, then wait until everything handed to the stream has been written (or failed). A write
   * error such as a full disk is reported by the stream after `write` returned, and `flush` leaves
   * up to `maxQueued` bytes in flight, so a tool must settle its stdout before it says what it
   * wrote: a run whose last bytes hit a closed pipe (`tool big.json | head -1`) throws
   * `BrokenPipeError` here instead of ending with a summary of rows nobody read (issue 15); any
   * other write error is thrown naming the output (issue 13).
   */
  async settle(): Promise<void> {
    await this.flush();
    if (this.stream.destroyed || this.stream.writableEnded) {
      if (this.error) throw this.error;
      return;
    }
    await new Promise<void>((resolve) => this.stream.write('', () => resolve()));
    // Errors are emitted on the next tick after the write callback.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.error) throw this.error;
  }

  /** Flush and end the stream (for files; the harness never ends process.stdout). */
  async end(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      if (this.error) return reject(this.error);
      this.stream.end(() => (this.error ? reject(this.error) : resolve()));
    });
  }
}

/**
 * A file written next to its final name and renamed into place on `commit()`, so a failed or
 * interrupted run never leaves a half-written file under the final name.
 */
export class AtomicFile {
  readonly writer: LineWriter;
  private readonly tmp: string;
  private readonly stream: Writable;
  private done = false;

  constructor(readonly path: string) {
    // Temporaries of earlier runs into the same place that were killed before they could clean up.
    cleanStaleTemps(path);
    this.tmp = tempPathFor(path);
    trackTemp(this.tmp);
    this.stream = createWriteStream(this.tmp);
    this.writer = new LineWriter(this.stream, undefined, path);
  }

  async commit(): Promise<void> {
    try {
      await this.writer.end();
      await rename(this.tmp, this.path);
      this.done = true;
      untrackTemp(this.tmp);
    } catch (e) {
      await this.abort();
      if (e instanceof DataError) throw e;
      throw writeError(this.path, e);
    }
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    // Wait for the stream to close: destroying it before its open() finished would let the open
    // complete after our unlink and leave the temporary behind.
    const closed = this.stream.closed ? Promise.resolve() : new Promise<void>((resolve) => this.stream.once('close', () => resolve()));
    this.stream.destroy();
    await closed;
    await unlink(this.tmp).catch(() => {});
    untrackTemp(this.tmp);
  }
}

/** `cannot write out.ndjson: no space left on device (ENOSPC)`: one line naming the output and the cause. */
export function writeError(name: string, e: unknown): DataError {
  const code = (e as NodeJS.ErrnoException).code;
  return new DataError(
    `cannot write ${name}: ${code === 'ENOENT' ? 'no such directory' : systemReason(e)}`,
    undefined,
    code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG' ? 'free some space (or raise the file size limit) and run again' : undefined,
  );
}
