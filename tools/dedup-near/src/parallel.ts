import { Worker } from 'node:worker_threads';
import type { Row } from '@ldt/ndjson';
import { normalizeText } from '@ldt/text';
import { type NearOptions, type Signed, Signer } from './near.js';

/**
 * Pack signatures into one transferable buffer of u32 words, per item:
 * `len, charMode, setLength, keysLength, hash (4 words), set…, keys…`.
 */
export function packSigned(items: readonly Signed[]): ArrayBuffer {
  let words = 0;
  for (const s of items) words += 8 + s.set.length + s.keys.length;
  const out = new Uint32Array(words);
  let p = 0;
  for (const s of items) {
    out[p] = s.len;
    out[p + 1] = s.charMode ? 1 : 0;
    out[p + 2] = s.set.length;
    out[p + 3] = s.keys.length;
    new Uint8Array(out.buffer, (p + 4) * 4, 16).set(s.hash);
    p += 8;
    out.set(s.set, p);
    p += s.set.length;
    out.set(s.keys, p);
    p += s.keys.length;
  }
  return out.buffer;
}

/** Unpack `packSigned` (views into the buffer, no copies). */
export function unpackSigned(buf: ArrayBuffer): Signed[] {
  const w = new Uint32Array(buf);
  const items: Signed[] = [];
  let p = 0;
  while (p < w.length) {
    const setLen = w[p + 2];
    const keysLen = w[p + 3];
    const hash = new Uint8Array(buf, (p + 4) * 4, 16);
    const set = w.subarray(p + 8, p + 8 + setLen);
    const keys = w.subarray(p + 8 + setLen, p + 8 + setLen + keysLen);
    items.push({ len: w[p], charMode: w[p + 1] === 1, hash, set, keys });
    p += 8 + setLen + keysLen;
  }
  return items;
}

/** One row after signing: its signature, or undefined when `textOf` rejected it; `norm` when asked for. */
export interface SignedRow {
  row: Row;
  sg?: Signed;
  norm?: string;
}

/**
 * Sign the rows of `batches` with `jobs` worker threads (1: in this thread), yielding each batch's
 * rows in input order with their signatures. The result does not depend on `jobs`: a signature is a
 * function of the text and the options only. Up to 2 × jobs batches (read chunks) are in flight.
 * `textOf` returns a row's compared text, or undefined when it rejected the row (it reports it).
 * `wantNorm` also returns the normalised text (for --overlap-ngram), normalised in this thread.
 */
export async function* signRows(
  batches: AsyncIterable<Row[]>,
  opts: NearOptions,
  jobs: number,
  textOf: (row: Row) => string | undefined,
  wantNorm: boolean,
): AsyncGenerator<SignedRow[]> {
  if (jobs <= 1) {
    const signer = new Signer(opts);
    for await (const batch of batches) {
      yield batch.map((row) => {
        const text = textOf(row);
        if (text === undefined) return { row };
        return { row, sg: signer.signText(text), norm: wantNorm ? normalizeText(text, 'aggressive') : undefined };
      });
    }
    return;
  }
  const workerOpts: NearOptions = { ...opts, fields: undefined, againstFields: undefined };
  const workers = Array.from({ length: jobs }, () => new Worker(new URL('./sign-worker.js', import.meta.url), { workerData: workerOpts }));
  const waiting = new Map<number, { resolve: (b: ArrayBuffer) => void; reject: (e: Error) => void }>();
  let failure: Error | undefined;
  for (const w of workers) {
    w.on('message', (m: { id: number; buf: ArrayBuffer }) => {
      const p = waiting.get(m.id);
      waiting.delete(m.id);
      p?.resolve(m.buf);
    });
    w.on('error', (e) => {
      failure = e;
      for (const p of waiting.values()) p.reject(e);
      waiting.clear();
    });
  }
  let nextId = 0;
  const inFlight: { rows: Row[]; texts: (string | undefined)[]; done: Promise<ArrayBuffer> }[] = [];
  const finish = async (f: (typeof inFlight)[number]): Promise<SignedRow[]> => {
    const signed = unpackSigned(await f.done);
    let k = 0;
    return f.rows.map((row, i) => {
      const t = f.texts[i];
      if (t === undefined) return { row };
      return { row, sg: signed[k++], norm: wantNorm ? normalizeText(t, 'aggressive') : undefined };
    });
  };
  try {
    for await (const batch of batches) {
      if (failure) throw failure;
      const texts = batch.map(textOf);
      const id = nextId++;
      const w = workers[id % jobs];
      const done = new Promise<ArrayBuffer>((resolve, reject) => waiting.set(id, { resolve, reject }));
      done.catch(() => {}); // awaited in order below; this only keeps an early failure from being "unhandled"
      w.postMessage({ id, texts: texts.filter((t) => t !== undefined) });
      inFlight.push({ rows: batch, texts, done });
      if (inFlight.length >= 2 * jobs) yield await finish(inFlight.shift() as (typeof inFlight)[number]);
    }
    while (inFlight.length > 0) yield await finish(inFlight.shift() as (typeof inFlight)[number]);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
