// Worker thread of the zstd encoder: compresses frames off the main thread so parsing and
// compression overlap (zstd-wasm runs at ~30-100 MB/s here, slower than parsing).
import { parentPort } from 'node:worker_threads';

const z = (await import('@bokuweb/zstd-wasm')) as unknown as { init(): Promise<void>; compress(b: Uint8Array, level: number): Uint8Array };
await z.init();
parentPort?.on('message', (m: { id: number; buf: Uint8Array; level: number }) => {
  try {
    const out = z.compress(m.buf, m.level);
    // Copy into a buffer of its own so it can be transferred (the wasm heap cannot be).
    const own = new Uint8Array(out.length);
    own.set(out);
    parentPort?.postMessage({ id: m.id, buf: own }, [own.buffer]);
  } catch (e) {
    parentPort?.postMessage({ id: m.id, error: (e as Error).message });
  }
});
