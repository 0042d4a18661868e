// Worker of parquet-prop.test.ts: reads each mutated parquet file it is sent with readParquet and
// replies with the row count or the error. A worker, so that the test can end a read that hangs.
// It first sends its thread id (Linux), before loading the reader, so that the test can measure
// the thread's CPU time from the start.
import { readFileSync } from 'node:fs';
import { isMainThread, parentPort } from 'node:worker_threads';
import type { ParquetEngine } from '@ldt/hf-fetch';

if (!isMainThread && parentPort) {
  const port = parentPort;
  try {
    port.postMessage({ tid: Number(readFileSync('/proc/thread-self/stat', 'utf8').split(' ')[0]) });
  } catch {
    port.postMessage({ tid: undefined });
  }
  const modules = Promise.all([import('@ldt/errors'), import('@ldt/hf-fetch')]);
  port.on('message', async (m: { id: number; bytes: Uint8Array; engine: ParquetEngine }) => {
    const [{ LdtError }, { readParquet, Stamp }] = await modules;
    const ab = m.bytes.buffer.slice(m.bytes.byteOffset, m.bytes.byteOffset + m.bytes.byteLength) as ArrayBuffer;
    const file = { byteLength: ab.byteLength, slice: async (s: number, e?: number) => ab.slice(s, e) };
    let rows = 0;
    let reply: object;
    try {
      for await (const b of readParquet(file, { display: 'f.parquet', stamp: Stamp.none(), engine: m.engine })) rows += b.length;
      reply = { id: m.id, ok: true, rows };
    } catch (e) {
      reply = { id: m.id, ok: false, ldt: e instanceof LdtError, name: (e as Error)?.constructor?.name, message: String((e as Error)?.message ?? e) };
    }
    // A promise of this read that fails unhandled ends the worker (as it would end the tool, with
    // a stack trace) before the next turn of the event loop: reply after that, so that the test
    // sees the crash on this read, not on the next one.
    await new Promise((resolve) => setImmediate(resolve));
    port.postMessage(reply);
  });
}
