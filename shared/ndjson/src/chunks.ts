import type { DataError, Position } from '@ldt/errors';
import { type LineOptions, type Rejector, readLineChunks } from './lines.js';
import { orderedWorkerMap } from './pool.js';

/**
 * A chunk of complete lines: as posted to a worker, an own copy (its buffer is transferred); on
 * the reading thread, the chunk as read (a view that may share its ArrayBuffer with other data:
 * read it through its byteOffset and byteLength, and do not write to it).
 */
export interface WireChunk {
  buf: Uint8Array;
  file: string;
  firstLine: number;
}

/** A line rejected while reading (invalid UTF-8), to be applied in order with the chunk after it. */
export interface DeferredReject {
  reason: string;
  raw: string | Buffer;
  pos: Position;
  error: DataError;
}

export interface MapChunksOptions<O> {
  /** Worker threads; ≤ 1, or an input of a single chunk, runs `inline` on this thread. */
  threads: number;
  /** The worker module (it calls `serveWorker` with the same function as `inline`). */
  workerUrl: URL;
  workerData: unknown;
  /** The per-chunk function, run on this thread when no workers are used. */
  inline: (chunk: WireChunk) => O;
  /** Where bad lines go; undefined = the first one is an error (raised in order, see below). */
  rejector: Rejector | undefined;
}

/**
 * Read line chunks and map each with a pure per-chunk function, in worker threads when there is
 * more than one chunk and `threads` > 1, yielding the results in input order (so output cannot
 * depend on the thread count). Lines rejected while reading (invalid UTF-8) travel with the chunk
 * that follows them (`before`), so rejects come out in line order; lines rejected after the last
 * chunk go to the rejector at the end. A read error is raised only after the chunks before it
 * were yielded, so what is written before an error does not depend on the thread count either.
 */
export async function* mapLineChunks<O>(inputs: readonly string[], readOptions: LineOptions, opts: MapChunksOptions<O>): AsyncGenerator<{ result: O; before: DeferredReject[] }> {
  const pending: DeferredReject[] = [];
  const befores: DeferredReject[][] = [];
  const rejector: Rejector | undefined = opts.rejector ? { reject: (reason, raw, pos, error) => void pending.push({ reason, raw, pos, error }) } : undefined;
  let fatal: unknown;
  async function* chunks(): AsyncGenerator<WireChunk> {
    try {
      for await (const c of readLineChunks(inputs, { ...readOptions, rejector })) {
        befores.push(pending.splice(0));
        yield { buf: c.buf, file: c.file, firstLine: c.firstLine };
      }
    } catch (e) {
      fatal = e;
    }
  }
  // For a worker: a copy of exactly this chunk, so it can be transferred without detaching memory
  // the reader still uses. On this thread the chunk is used as read (the reader never reuses a
  // chunk's memory): the copy was 64 MB of memcpy and fresh pages per 64 MB of input (issue 17).
  const own = (c: WireChunk): WireChunk => ({ buf: new Uint8Array(c.buf), file: c.file, firstLine: c.firstLine });
  const it = chunks()[Symbol.asyncIterator]();
  const first = await it.next();
  const second = first.done ? first : await it.next();
  let results: AsyncIterable<O>;
  if (opts.threads <= 1 || second.done) {
    results = (async function* () {
      if (!first.done) yield opts.inline(first.value);
      if (second.done) return;
      yield opts.inline(second.value);
      for (let r = await it.next(); !r.done; r = await it.next()) yield opts.inline(r.value);
    })();
  } else {
    const all = (async function* () {
      yield own(first.value as WireChunk);
      yield own(second.value as WireChunk);
      for (let r = await it.next(); !r.done; r = await it.next()) yield own(r.value);
    })();
    results = orderedWorkerMap<WireChunk, O>(all, opts.workerUrl, {
      workers: opts.threads,
      workerData: opts.workerData,
      transfer: (c) => [(c as WireChunk).buf.buffer as ArrayBuffer],
    });
  }
  for await (const result of results) yield { result, before: befores.shift() ?? [] };
  for (const r of pending.splice(0)) opts.rejector?.reject(r.reason, r.raw, r.pos, r.error);
  if (fatal !== undefined) throw fatal;
}
