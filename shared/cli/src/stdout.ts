import { fstatSync, readFileSync, writeSync, writev } from 'node:fs';
import { Writable } from 'node:stream';

/**
 * The stream a tool's rows go to: standard output, chosen by what fd 1 is.
 *
 * - A pipe or a socket, in blocking mode (what a shell pipe, GNU parallel and a spawning process
 *   give): `PipeWriteStream`, which writes from libuv's thread pool.
 * - A regular file: `FullWriteStream` (Node's own stream ignores short writes).
 * - Anything else (a terminal, /dev/null, a non-blocking pipe, no /proc): `process.stdout`.
 *
 * Why not `process.stdout` for pipes (issue 17): Node writes to a pipe from the event loop, so
 * while a tool computes its next batch (a 1 MiB chunk is 5–20 ms of work) nothing more reaches
 * the pipe; the next stage drains the pipe's 64 KiB and waits. In a seven-stage pipe every stage
 * waited on its upstream's loop: `/proc/stat` sampled every 100 ms showed 15–40% of the two cores
 * idle. A blocking `write(2)` on a pool thread keeps feeding the reader while the tool computes.
 * The final-dataset pipe on the 64 MB bench corpus (python driver, 6 runs each, same hour):
 * 4.78–5.18 s (median 4.87) with `process.stdout`, 4.58–4.89 s (median 4.63) with this stream;
 * the same pipe with 1 MiB pipe buffers (`F_SETPIPE_SZ`, which Node cannot set) took 4.27–4.75 s.
 *
 * `process.stdout` is not touched on the pipe path: creating it puts fd 1 into non-blocking
 * mode (libuv's uv_pipe_open), after which `write(2)` could return EAGAIN.
 */
export function stdoutStream(): Writable {
  const kind = fdKind(1);
  if (kind === 'pipe') return new PipeWriteStream(1);
  if (kind === 'file') return new FullWriteStream(1);
  return process.stdout;
}

type FdKind = 'pipe' | 'file' | 'other';

function fdKind(fd: number): FdKind {
  let st: ReturnType<typeof fstatSync>;
  try {
    st = fstatSync(fd);
  } catch {
    return 'other';
  }
  if (st.isFile()) return 'file';
  if ((st.isFIFO() || st.isSocket()) && isBlocking(fd)) return 'pipe';
  return 'other';
}

/** O_NONBLOCK of fd's open file description, from /proc/self/fdinfo (Linux); false when unknown. */
const O_NONBLOCK = 0o4000;
export function isBlocking(fd: number): boolean {
  try {
    const m = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'));
    return m !== null && (Number.parseInt(m[1], 8) & O_NONBLOCK) === 0;
  } catch {
    return false;
  }
}

/**
 * Writes to a pipe or socket descriptor with `fs.writev` (libuv's thread pool), one request at a
 * time, in order; a short write is continued with the rest. EPIPE and other errors reach the
 * stream's 'error' (the tool's LineWriter turns EPIPE into a quiet end). Should the descriptor
 * turn non-blocking during the run (something created `process.stdout`), EAGAIN is retried after
 * 1 ms, so no byte is lost either way.
 */
export class PipeWriteStream extends Writable {
  constructor(readonly fd: number) {
    super({ decodeStrings: true, highWaterMark: 1 << 20 });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.writeAll([chunk], cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (e?: Error | null) => void): void {
    this.writeAll(
      chunks.map((c) => c.chunk),
      cb,
    );
  }

  private writeAll(bufs: Buffer[], cb: (e?: Error | null) => void): void {
    const rest = bufs.filter((b) => b.length > 0);
    if (rest.length === 0) {
      cb();
      return;
    }
    writev(this.fd, rest, (err, n) => {
      if (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return void setTimeout(() => this.writeAll(rest, cb), 1);
        return cb(err);
      }
      let k = 0;
      while (k < rest.length && n >= rest[k].length) n -= rest[k++].length;
      if (k === rest.length) return cb();
      const left = rest.slice(k);
      left[0] = left[0].subarray(n);
      this.writeAll(left, cb);
    });
  }
}

/**
 * Standard output when it is a regular file. Node's own stream for that case (SyncWriteStream)
 * ignores short writes: at a file size limit (`ulimit -f`) or on a full disk the kernel writes
 * part of a chunk and returns its length, and the rest was silently lost with exit 0. This one
 * writes the rest too, so the next write reports EFBIG/ENOSPC.
 */
export class FullWriteStream extends Writable {
  constructor(readonly fd: number) {
    super({ decodeStrings: true });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    try {
      let off = 0;
      while (off < chunk.length) off += writeSync(this.fd, chunk, off, chunk.length - off);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}
