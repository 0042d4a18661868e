// Property test (issue 13): the parquet reader (fast path and hyparquet) over mutated files —
// altered footers, page headers and pages, truncation — either reads rows or fails with a
// positioned message of ldt's own; it never hangs and never crashes. Each read runs in a worker
// with a time limit. FC_SEED / FC_RUNS / FC_TIME_MS: see fcParams in @ldt/testkit.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { fcParams } from '@ldt/testkit';
import fc from 'fast-check';

const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
const FILES = [
  'types.parquet',
  'fast-bad-utf8.parquet',
  'fast-bom-start.parquet',
  'fast-fallback.parquet',
  'fast-mixed.v2.parquet',
  'gsm8k-test.parquet',
  'fast-chat.zstd.parquet',
].map((f) => readFileSync(`${fixtures}${f}`));
/**
 * A read of these small files takes milliseconds of CPU; far longer is a hang. The limit is on the
 * worker thread's own CPU time (Linux: /proc/self/task/TID/stat), not on wall time: on a loaded
 * machine under `nice` a read of an 18 ms file has waited over 20 s, even 200 s, of wall time for
 * a core, which a wall-time limit took for a hang. A read that waits on nothing (a promise that
 * never settles) is caught by the same limit on the worker's idle time (its event loop waiting
 * with the read pending); a starved thread is not idle. 30 times the limit in wall time is a last
 * resort. Where /proc is missing the plain wall-time limit applies.
 */
const LIMIT_MS = Number(process.env.FC_CASE_MS ?? 20_000);
const PROC = existsSync('/proc/self/task');
/** Texts of JavaScript's own errors: a decoder that tripped, whose words mean nothing to a user. */
const INTERNAL = /Cannot (read|destructure|set)|is not a function|is not iterable|undefined|Invalid array length|out of bounds|outside the bounds|Maximum call stack/;

interface Reader {
  w: Worker;
  /** The worker thread's id (Linux), sent by the worker before it loads the reader. */
  tid?: number;
  /** Why the worker ended, once it has. */
  ended?: string;
}
let worker: Reader | undefined;
let nextId = 0;
function reader(): Reader {
  if (!worker) {
    const r: Reader = { w: new Worker(new URL('./parquet-fuzz-worker.js', import.meta.url)) };
    r.w.on('message', (m: { tid?: number }) => {
      if ('tid' in m) r.tid = m.tid;
    });
    r.w.on('error', (e) => {
      r.ended ??= `the worker ended on an uncaught error (the tool would end with a stack trace): ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    });
    r.w.on('exit', (code) => {
      r.ended ??= `the worker exited (code ${code})`;
    });
    worker = r;
  }
  return worker;
}
after(() => worker?.w.terminate());

/** CPU time (user + system) in ms of thread `tid` of this process, or undefined where unknown. */
function threadCpuMs(tid: number | undefined): number | undefined {
  if (tid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime (fields 14, 15) in 1/100 s
  } catch {
    return undefined;
  }
}

type Outcome = { ok: boolean; ldt?: boolean; name?: string; message?: string; rows?: number };

/** Read `bytes` in the worker: the outcome, or a hang or crash (the worker is then replaced). */
function readInWorker(bytes: Uint8Array, engine: 'auto' | 'hyparquet'): Promise<Outcome | { hang: string }> {
  const r = reader();
  const id = nextId++;
  const t0 = Date.now();
  // A new worker's CPU counts from its start (module loading included).
  let cpu0 = r.tid === undefined ? 0 : threadCpuMs(r.tid);
  const idle0 = r.w.performance.eventLoopUtilization().idle;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const cpu = threadCpuMs(r.tid);
      cpu0 ??= cpu;
      const used = cpu === undefined || cpu0 === undefined ? undefined : cpu - cpu0;
      const idle = Math.max(0, Math.round(r.w.performance.eventLoopUtilization().idle - idle0));
      const wall = Date.now() - t0;
      const took = `${wall} ms of wall time, ${used === undefined ? 'unknown' : used} ms of CPU, ${idle} ms idle`;
      const hang = r.ended
        ? `${r.ended} (${took})`
        : !PROC
          ? wall > LIMIT_MS && `the read took over ${LIMIT_MS} ms (${took})`
          : used !== undefined && used > LIMIT_MS
            ? `the read used over ${LIMIT_MS} ms of CPU (${took})`
            : idle > LIMIT_MS
              ? `the read waited on nothing for over ${LIMIT_MS} ms (${took})`
              : wall > 30 * LIMIT_MS && `the read took over ${30 * LIMIT_MS} ms (${took})`;
      if (!hang) return;
      clearInterval(timer);
      r.w.off('message', on);
      void r.w.terminate();
      worker = undefined;
      resolve({ hang });
    }, 250);
    const on = (m: { id?: number }) => {
      if (m.id !== id) return;
      clearInterval(timer);
      r.w.off('message', on);
      resolve(m as Outcome);
    };
    r.w.on('message', on);
    r.w.postMessage({ id, bytes, engine });
  });
}

/** Read `bytes` in the worker; a hang fails the test, saying how long it ran. */
async function read(bytes: Uint8Array, engine: 'auto' | 'hyparquet') {
  const r = await readInWorker(bytes, engine);
  if ('hang' in r) assert.fail(r.hang);
  return r;
}

/** One mutation: where (a fraction of the region), the region, and what is written. */
const mutation = fc.record({
  region: fc.constantFrom('footer', 'pages', 'anywhere', 'truncate'),
  at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
  bytes: fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 4 }),
    fc.constantFrom(Uint8Array.of(0xff, 0xff, 0xff, 0x7f), Uint8Array.of(0), Uint8Array.of(0x15), Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x08)),
  ),
});

function mutate(src: Buffer, muts: { region: string; at: number; bytes: Uint8Array }[]): Uint8Array {
  let b = Uint8Array.from(src);
  const footerLen = src.readUInt32LE(src.length - 8);
  const footerStart = Math.max(4, src.length - 8 - footerLen);
  for (const m of muts) {
    if (m.region === 'truncate') {
      b = b.subarray(0, Math.floor(m.at * b.length));
      continue;
    }
    const [lo, hi] = m.region === 'footer' ? [footerStart, src.length - 8] : m.region === 'pages' ? [4, footerStart] : [0, b.length];
    const pos = lo + Math.floor(m.at * Math.max(0, hi - lo));
    for (let i = 0; i < m.bytes.length && pos + i < b.length; i++) b[pos + i] = m.bytes[i];
  }
  return b;
}

test('parquet: mutated footers, page headers and pages read or fail with a message of ldt; never a hang or a crash', async () => {
  await fc.assert(
    fc.asyncProperty(fc.nat(FILES.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.constantFrom('auto', 'hyparquet'), async (f, muts, engine) => {
      const bytes = mutate(FILES[f], muts);
      const r = await read(bytes, engine as 'auto' | 'hyparquet');
      if (r.ok) return;
      assert.ok(r.ldt, `not an ldt error: ${r.name}: ${r.message}`);
      assert.match(r.message ?? '', /^f\.parquet: /, 'the message names the file');
      assert.doesNotMatch(r.message ?? '', INTERNAL, 'no JavaScript internals in the message');
    }),
    fcParams('parquet mutated files', 120),
  );
});

test('parquet: a data page v2 header without its level length (a hang of minutes, found by the property above) fails at once, naming the column', async () => {
  const bytes = Uint8Array.from(FILES[0]);
  bytes[143] = 64; // types.parquet, column x: the header's field 5 becomes field 9, definition_levels_byte_length is gone
  for (const engine of ['auto', 'hyparquet'] as const) {
    const r = await read(bytes, engine);
    assert.deepEqual(
      [r.ok, r.ldt, r.message],
      [false, true, 'f.parquet: cannot read row group at row 0, column x: malformed page header at byte 0 of its column chunk (level bytes missing or past the page)'],
    );
  }
});

test('parquet: a page encoding outside the format (found by a long run) is named as such, not as undefined', async () => {
  const bytes = Uint8Array.from(FILES[1]);
  bytes[Math.floor(0.019430051813471502 * bytes.length)] = 51; // fast-bad-utf8.parquet: a page header's encoding field
  const r = await read(bytes, 'auto');
  assert.deepEqual([r.ok, r.ldt, r.message], [false, true, 'f.parquet: cannot read row group at row 0: parquet unsupported encoding: a code outside the parquet format']);
});

test('parquet: a footer whose decimal scale is not an i32 (found by a long run) is a DataError, not a TypeError', async () => {
  const src = FILES[6];
  const bytes = mutate(src, [
    { region: 'footer', at: 0.022354694485842028, bytes: Uint8Array.of(0, 0, 54, 1) },
    { region: 'footer', at: 0, bytes: Uint8Array.of(21) },
  ]);
  const r = await read(bytes, 'auto');
  assert.deepEqual([r.ok, r.ldt], [false, true]);
  assert.match(r.message ?? '', /^f\.parquet: /);
});

test('parquet: a page header without a page type (found by a long run) fails at once, naming the column', async () => {
  const bytes = Uint8Array.from(FILES[0]);
  bytes[4] = 19; // types.parquet: the first page header's field 1 (type) becomes field 2
  const r = await read(bytes, 'auto');
  assert.deepEqual(
    [r.ok, r.ldt, r.message],
    [false, true, 'f.parquet: cannot read row group at row 0, column big: malformed page header at byte 0 of its column chunk (page type missing)'],
  );
});

test('parquet: a schema element without a name (found by a long run) fails in the footer, not as column "undefined"', async () => {
  // types.parquet: the footer's bytes at 8% become ff ff ff 7f, and schema element 2 loses its name
  const bytes = mutate(FILES[0], [{ region: 'footer', at: 0.08150470219435736, bytes: Uint8Array.of(0xff, 0xff, 0xff, 0x7f) }]);
  for (const engine of ['auto', 'hyparquet'] as const) {
    const r = await read(bytes, engine);
    assert.deepEqual([r.ok, r.ldt, r.message], [false, true, 'f.parquet: cannot read the parquet footer: schema element 2 has no name']);
  }
});

test('parquet: a column chunk of a column not in the schema (found by a long run) fails in the footer, and no failed read is left unhandled', async () => {
  // fast-mixed.v2.parquet: a nested column's path in the footer is altered, and the first page header
  // is broken. hyparquet looked the path up after starting the other columns' reads; their failures
  // were left unhandled and ended the tool with a stack trace after its message.
  const bytes = mutate(FILES[4], [
    { region: 'footer', at: 0.06117018201899166, bytes: Uint8Array.of(197, 81, 52) },
    { region: 'pages', at: 0, bytes: Uint8Array.of(0) },
  ]);
  for (const engine of ['auto', 'hyparquet'] as const) {
    const r = await read(bytes, engine);
    assert.deepEqual(
      [r.ok, r.ldt, r.message],
      [false, true, 'f.parquet: cannot read the parquet footer: row group 0: a column chunk of column ["nested","list","element","list","element"], which is not in the schema'],
    );
  }
});
