/**
 * The one zstd decoder of ldt (Node 20's zlib has no zstd; it came in 22.15): zstddec, the zstd
 * library compiled to WebAssembly, loaded on first use.
 *
 * Chosen by `node bench/zstd-decoders.mjs` (32 MiB of chat NDJSON, zstd -3, best of 3, output
 * checked against `zstd -dc`; load average ~20 on 2 shared cores, so read the ratios, not the
 * times): one frame — zstddec streaming 651 ms, zstddec one-shot 853 ms, @bokuweb/zstd-wasm
 * one-shot 919 ms, fzstd streaming 928 ms, fzstd one-shot 1392 ms; 1 MiB frames (manifest shards,
 * parquet pages) — zstddec streaming 484 ms, zstddec one-shot 578 ms, zstd-wasm one-shot 578 ms,
 * fzstd streaming 654 ms, fzstd one-shot 1182 ms. zstd-wasm has no streaming decoder (a
 * single-frame file would have to fit in memory), so the shared reader had kept fzstd, the
 * slowest of the three; zstddec streams and decodes one-shot, and is the fastest both ways.
 *
 * zstddec's `decodeStreaming` does not check zstd's error codes: on corrupt input it yields empty
 * output forever without consuming its input. `decompressStream` turns that into a DataError.
 */
import { DataError } from '@ldt/errors';

interface ZstdLibrary {
  decode(array: Uint8Array, uncompressedSize?: number): Uint8Array;
  decodeStreaming(arrays: Iterable<Uint8Array>): Generator<Uint8Array>;
}

let library: Promise<ZstdLibrary> | undefined;

function load(): Promise<ZstdLibrary> {
  library ??= (async () => {
    const { ZSTDDecoder } = await import('zstddec/stream');
    const decoder = new ZSTDDecoder();
    await decoder.init();
    return decoder;
  })();
  return library;
}

/** A one-shot decoder of one zstd frame whose decompressed size is known (parquet pages). */
export async function zstdDecompressor(): Promise<(input: Uint8Array, size: number) => Uint8Array> {
  const z = await load();
  return (input, size) => z.decode(input, size);
}

/**
 * Empty outputs in a row, without taking new input, after which the stream is corrupt: a valid
 * stream produces output or consumes its input on (nearly) every call — at most a frame's end
 * and the next frame's header without output.
 */
const STUCK = 64;

/** Decompress a zstd stream (any number of frames) chunk by chunk; `name` is the file in messages. */
export async function* decompressZstd(src: AsyncIterable<Buffer>, name: string): AsyncGenerator<Buffer> {
  const z = await load();
  const it = src[Symbol.asyncIterator]();
  // decodeStreaming pulls its input synchronously: one chunk is always waiting when it asks, and
  // it ends when there is none (the source's end).
  const waiting: Uint8Array[] = [];
  let pulled = 0;
  const input: Iterable<Uint8Array> = {
    [Symbol.iterator]: () => ({
      next: () => {
        const value = waiting.shift();
        if (value === undefined) return { value: undefined, done: true };
        pulled++;
        return { value, done: false };
      },
    }),
  };
  const out = z.decodeStreaming(input);
  let sourceDone = false;
  let empty = 0;
  let seen = pulled;
  try {
    for (;;) {
      if (waiting.length === 0 && !sourceDone) {
        const r = await it.next();
        if (r.done) sourceDone = true;
        else if (r.value.length > 0) waiting.push(r.value);
        else continue;
      }
      let step: IteratorResult<Uint8Array>;
      try {
        step = out.next();
      } catch (e) {
        throw new DataError(`${name}: corrupt or truncated zstd data (${(e as Error).message})`);
      }
      if (step.done) break;
      if (step.value.length > 0) {
        empty = 0;
        yield Buffer.from(step.value.buffer, step.value.byteOffset, step.value.byteLength);
      } else if (pulled !== seen) {
        seen = pulled;
        empty = 0;
      } else if (++empty >= STUCK) throw new DataError(`${name}: corrupt zstd data (the decoder stopped making progress)`);
    }
  } finally {
    await it.return?.();
  }
}
