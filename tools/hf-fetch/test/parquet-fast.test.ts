// The parquet fast path (src/parquet-fast.ts) against the hyparquet path: byte-identical NDJSON for
// every file it reads, and a fallback (still identical) for what it does not support.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fastStats, type ParquetEngine, readParquet, readParquetParallel, Stamp } from '@ldt/hf-fetch';
import { sharedData, wasmFromWat } from '@ldt/testkit';
import { asyncBufferFromFile } from 'hyparquet';
import { jsonStringBytes } from '../src/parquet-fast.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));

interface Opts {
  columns?: string[];
  limit?: number;
  stamp?: Stamp;
}

/** All lines of a file (or the error message), and how many row groups the fast path wrote. */
async function read(path: string, engine: ParquetEngine, opts: Opts = {}): Promise<{ text: string; fast: number; fallback: number }> {
  const fast = fastStats.fast;
  const fallback = fastStats.fallback;
  const buf = await asyncBufferFromFile(path);
  const lines: string[] = [];
  let text: string;
  try {
    for await (const b of readParquet(buf, { display: 'f.parquet', stamp: opts.stamp ?? Stamp.none(), columns: opts.columns, limit: opts.limit, engine })) lines.push(...b);
    text = lines.join('\n');
  } catch (e) {
    text = `error: ${(e as Error).message}`;
  }
  return { text, fast: fastStats.fast - fast, fallback: fastStats.fallback - fallback };
}

/** Compare the fast path with hyparquet on one file (all rows, --limit, --columns, meta stamp); return the fast row groups. */
async function same(path: string, what: string): Promise<number> {
  const h = await read(path, 'hyparquet');
  const a = await read(path, 'auto');
  assert.equal(a.text, h.text, `${what}: fast path differs from hyparquet`);
  // A file hyparquet cannot read: the same error is enough (large_string_map.brotli takes 6 s a read).
  if (h.text.startsWith('error: ')) return a.fast;
  const rows = h.text.split('\n').length;
  const stamp = new Stamp('hf://datasets/o/n@abc/f.parquet?config=default&split=train', 'mit');
  for (const opts of [{ limit: Math.ceil(rows / 2) + 1 }, { stamp }, { stamp, limit: 3 }] as Opts[])
    assert.equal((await read(path, 'auto', opts)).text, (await read(path, 'hyparquet', opts)).text, `${what} ${JSON.stringify({ ...opts, stamp: !!opts.stamp })}`);
  return a.fast;
}

test('fast path: committed fixtures give the same bytes as hyparquet, by the fast path where supported', async () => {
  const expectFast = new Set([
    'fast-chat.snappy.parquet',
    'fast-chat.zstd.parquet',
    'fast-mixed.snappy.parquet',
    'fast-mixed.v2.parquet',
    'fast-bad-utf8.parquet',
    'fast-bom-start.parquet',
    'gsm8k-train.parquet',
    'gsm8k-test.parquet',
    'types.parquet',
  ]);
  for (const f of readdirSync(fixtures).filter((x) => x.endsWith('.parquet'))) {
    const fast = await same(join(fixtures, f), f);
    if (expectFast.has(f)) assert.ok(fast > 0, `${f}: the fast path was not used (${[...fastStats.reasons.keys()].join('; ')})`);
  }
});

test('fast path: the chat fixture (list<struct<role, content>>, several row groups) is read without fallback, in-process and by workers', async () => {
  for (const codec of ['snappy', 'zstd']) {
    const path = join(fixtures, `fast-chat.${codec}.parquet`);
    const r = await read(path, 'auto');
    assert.equal(r.fast, 3, `${codec}: three row groups by the fast path`);
    assert.equal(r.fallback, 0);
    const lines = r.text.split('\n');
    assert.equal(lines.length, 5000);
    assert.deepEqual(JSON.parse(lines[5]), { id: 'row-5', messages: null });
    assert.deepEqual(JSON.parse(lines[4]), { id: 'row-4', messages: [] });
    assert.deepEqual(JSON.parse(lines[3]), { id: 'row-3', messages: [{ role: 'user', content: 'q0' }, null] });
    assert.deepEqual(JSON.parse(lines[2]), {
      id: 'row-2',
      messages: [
        { role: 'user', content: 'q2' },
        { role: 'assistant', content: null },
      ],
    });
    assert.equal(JSON.parse(lines[97]).messages[0].content, 'Question 97: "quoted" \\ back\nslash\ttab \u0001\u001f\u007f é ✓ 😀');
    assert.ok(lines[97].includes('\\u0001\\u001f\u007f'), 'control characters escaped as JSON.stringify does');
    // Worker threads give the same bytes (they run the same code in their own module instances).
    for (const threads of [1, 2, 3]) {
      const chunks: Buffer[] = [];
      for await (const c of readParquetParallel(path, { display: 'f', stamp: Stamp.none(), threads, parallelMinBytes: 0 })) chunks.push(Buffer.from(c.bytes));
      assert.equal(Buffer.concat(chunks).toString(), `${r.text}\n`, `${codec} --threads ${threads}`);
    }
  }
});

test('fast path: an unsupported column (MAP) falls back to hyparquet with the same output', async () => {
  const path = join(fixtures, 'fast-fallback.parquet');
  const a = await read(path, 'auto');
  assert.equal(a.fast, 0);
  assert.ok(a.fallback > 0);
  assert.equal(a.text, (await read(path, 'hyparquet')).text);
  assert.deepEqual(JSON.parse(a.text.split('\n')[1]), { id: 'r1', day: '2024-01-02', dec: 0.14, m: { k1: 1 } });
  assert.ok(fastStats.reasons.has('m: group MAP'), [...fastStats.reasons.keys()].join('; '));
  // Without the MAP column the same file goes by the fast path (DATE and DECIMAL are supported).
  const cols = ['id', 'day', 'dec'];
  const b = await read(path, 'auto', { columns: cols });
  assert.ok(b.fast > 0 && b.fallback === 0);
  assert.equal(b.text, (await read(path, 'hyparquet', { columns: cols })).text);
});

test('fast path: invalid UTF-8 becomes U+FFFD and a leading BOM is dropped, as with TextDecoder', async () => {
  const lines = (await read(join(fixtures, 'fast-bad-utf8.parquet'), 'auto')).text.split('\n');
  assert.equal(JSON.parse(lines[0]).s, 'v0 A\uFFFD(\uFFFD"\uFFFD\uFFFD');
  assert.equal(JSON.parse(lines[2]).s, 'v2 \uFEFFABCDE');
  const bom = (await read(join(fixtures, 'fast-bom-start.parquet'), 'auto')).text.split('\n');
  assert.equal(JSON.parse(bom[0]).s, '\uFEFF\nF0');
});

test('fast path: parquet-testing files give the same bytes as hyparquet (fast or fallback)', async (t) => {
  const dir = sharedData('parquet/parquet-testing');
  if (!dir) return t.skip('../shared/data is absent');
  let fastFiles = 0;
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.parquet'))
    .sort())
    if ((await same(join(dir, f), f)) > 0) fastFiles++;
  // 50 of the 65 files (the rest: MAP, BYTE_STREAM_SPLIT of FLOAT16, 2-level lists, malformed files, …).
  assert.ok(fastFiles >= 50, `only ${fastFiles} files by the fast path`);
});

test('fast path: string escaping (WebAssembly and JS) equals JSON.stringify of the TextDecoder string, for random bytes', () => {
  const pieces = [
    [0x41],
    [0x7a, 0x20, 0x7e],
    [0x22],
    [0x5c],
    [0x0a],
    [0x00],
    [0x1f],
    [0x7f],
    [0x08, 0x0c, 0x0d, 0x09],
    [0xc3, 0xa9],
    [0xe2, 0x9c, 0x93],
    [0xf0, 0x9f, 0x98, 0x80],
    [0xef, 0xbb, 0xbf],
    [0xe2, 0x80, 0xa8],
    [0xc3],
    [0xe2, 0x9c],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xc0, 0xaf],
    [0x80],
    [0xff],
  ];
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const decoder = new TextDecoder();
  for (let i = 0; i < 3000; i++) {
    const bytes: number[] = [];
    const len = rand(4) === 0 ? rand(200) : rand(40);
    // Mostly ASCII runs (to exercise the 16-byte steps), with the special pieces mixed in.
    for (let k = 0; k < len; k++) bytes.push(...(rand(3) === 0 ? pieces[rand(pieces.length)] : [0x61 + rand(26)]));
    // Some strings only valid, some with a leading BOM.
    const b = Uint8Array.from(i % 7 === 0 ? [0xef, 0xbb, 0xbf, ...bytes] : bytes);
    const want = JSON.stringify(decoder.decode(b));
    for (const wasm of [true, false]) assert.equal(Buffer.from(jsonStringBytes(b, wasm)).toString(), want, `${wasm ? 'wasm' : 'js'}: ${Buffer.from(b).toString('hex')}`);
  }
});

test('the built escape.wasm is its source escape.wat, compiled (one WebAssembly build path: scripts/build-wasm.mjs)', async () => {
  const built = readFileSync(new URL('../src/escape.wasm', import.meta.url));
  const fresh = await wasmFromWat(fileURLToPath(new URL('../../src/escape.wat', import.meta.url)));
  assert.ok(built.equals(fresh), 'dist/src/escape.wasm is stale: rebuild (npx -y pnpm@10 build)');
});
