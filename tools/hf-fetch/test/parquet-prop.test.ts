// Property test (issue 13): the parquet reader (fast path and hyparquet) over mutated files —
// altered footers, page headers and pages, truncation — either reads rows or fails with a
// positioned message of ldt's own; it never hangs and never crashes. Each read runs in a worker
// with a time limit. FC_SEED / FC_RUNS / FC_TIME_MS: see fcParams in @ldt/testkit.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
/** A read of these small files takes milliseconds; far longer is a hang. */
const LIMIT_MS = Number(process.env.FC_CASE_MS ?? 20_000);
/** Texts of JavaScript's own errors: a decoder that tripped, whose words mean nothing to a user. */
const INTERNAL = /Cannot (read|destructure|set)|is not a function|is not iterable|undefined|Invalid array length|out of bounds|outside the bounds|Maximum call stack/;

let worker: Worker | undefined;
let nextId = 0;
function reader(): Worker {
  worker ??= new Worker(new URL('./parquet-fuzz-worker.js', import.meta.url));
  return worker;
}
after(() => worker?.terminate());

/** Read `bytes` in the worker: the outcome, or 'hang' (the worker is then replaced). */
function readInWorker(bytes: Uint8Array, engine: 'auto' | 'hyparquet'): Promise<{ ok: boolean; ldt?: boolean; name?: string; message?: string; rows?: number } | 'hang'> {
  const w = reader();
  const id = nextId++;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      w.off('message', on);
      void w.terminate();
      worker = undefined;
      resolve('hang');
    }, LIMIT_MS);
    const on = (m: { id: number }) => {
      if (m.id !== id) return;
      clearTimeout(timer);
      w.off('message', on);
      resolve(m as never);
    };
    w.on('message', on);
    w.postMessage({ id, bytes, engine });
  });
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
      const r = await readInWorker(bytes, engine as 'auto' | 'hyparquet');
      assert.notEqual(r, 'hang', `the read took over ${LIMIT_MS} ms`);
      if (r === 'hang' || r.ok) return;
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
    const r = await readInWorker(bytes, engine);
    assert.notEqual(r, 'hang');
    assert.deepEqual(r === 'hang' ? r : [r.ok, r.ldt, r.message], [
      false,
      true,
      'f.parquet: cannot read row group at row 0, column x: malformed page header at byte 0 of its column chunk (level bytes missing or past the page)',
    ]);
  }
});

test('parquet: a page encoding outside the format (found by a long run) is named as such, not as undefined', async () => {
  const bytes = Uint8Array.from(FILES[1]);
  bytes[Math.floor(0.019430051813471502 * bytes.length)] = 51; // fast-bad-utf8.parquet: a page header's encoding field
  const r = await readInWorker(bytes, 'auto');
  assert.notEqual(r, 'hang');
  assert.deepEqual(r === 'hang' ? r : [r.ok, r.ldt, r.message], [
    false,
    true,
    'f.parquet: cannot read row group at row 0: parquet unsupported encoding: a code outside the parquet format',
  ]);
});

test('parquet: a footer whose decimal scale is not an i32 (found by a long run) is a DataError, not a TypeError', async () => {
  const src = FILES[6];
  const bytes = mutate(src, [
    { region: 'footer', at: 0.022354694485842028, bytes: Uint8Array.of(0, 0, 54, 1) },
    { region: 'footer', at: 0, bytes: Uint8Array.of(21) },
  ]);
  const r = await readInWorker(bytes, 'auto');
  assert.notEqual(r, 'hang');
  assert.deepEqual(r === 'hang' ? r : [r.ok, r.ldt], [false, true]);
  assert.match(r === 'hang' ? '' : (r.message ?? ''), /^f\.parquet: /);
});

test('parquet: a page header without a page type (found by a long run) fails at once, naming the column', async () => {
  const bytes = Uint8Array.from(FILES[0]);
  bytes[4] = 19; // types.parquet: the first page header's field 1 (type) becomes field 2
  const r = await readInWorker(bytes, 'auto');
  assert.notEqual(r, 'hang');
  assert.deepEqual(r === 'hang' ? r : [r.ok, r.ldt, r.message], [
    false,
    true,
    'f.parquet: cannot read row group at row 0, column big: malformed page header at byte 0 of its column chunk (page type missing)',
  ]);
});
