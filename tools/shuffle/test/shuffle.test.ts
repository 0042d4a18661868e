import assert from 'node:assert/strict';
import { existsSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataError } from '@ldt/errors';
import { readLineChunks } from '@ldt/ndjson';
import { FAN_IN, Shuffler, shuffleStream } from '@ldt/shuffle';
import { tmpDir } from '@ldt/testkit';

/** Shuffle `text` through the core, read from a file with the given read chunk size. */
async function shuffleText(
  text: string | Buffer,
  opts: { seed?: number; memory?: number; chunkSize?: number; sample?: number; sampleOrder?: 'random' | 'input'; tmp?: string } = {},
) {
  const dir = tmpDir();
  const file = join(dir, 'in.ndjson');
  writeFileSync(file, text);
  const tmp = opts.tmp ?? tmpDir('ldt-shuffle-tmp-');
  const out: Buffer[] = [];
  const counts = { lines: 0, blank: 0 };
  async function* chunks() {
    for await (const c of readLineChunks([file], { stdin: process.stdin, chunkSize: opts.chunkSize })) yield c.buf;
  }
  const stats = await shuffleStream(
    chunks(),
    { seed: opts.seed ?? 0, memory: opts.memory ?? 1 << 30, tmpdir: tmp, sample: opts.sample, sampleOrder: opts.sampleOrder },
    counts,
    async (b) => {
      out.push(Buffer.from(b));
    },
  );
  return { out: Buffer.concat(out).toString('utf8'), stats, counts, tmp };
}

function rows(n: number, width = 0): string {
  let s = '';
  for (let i = 0; i < n; i++) s += `${JSON.stringify({ i, pad: 'x'.repeat(width ? (i * 7919) % width : 0) })}\n`;
  return s;
}

const sorted = (t: string) => t.split('\n').filter(Boolean).sort();

test('the output is a permutation of the input: nothing lost or duplicated (in memory and external)', async () => {
  const input = rows(700, 300);
  for (const memory of [1 << 30, 20_000, 2_000]) {
    const r = await shuffleText(input, { seed: 5, memory });
    assert.deepEqual(sorted(r.out), sorted(input), `memory ${memory}`);
    assert.equal(r.stats.rows, 700);
    assert.equal(r.stats.mode, memory === 1 << 30 ? 'memory' : 'external');
    assert.notEqual(r.out, input, 'the order changed');
  }
});

test('the output does not depend on --memory or the read chunk size (seeded: 11)', async () => {
  const input = rows(1500, 500);
  const ref = await shuffleText(input, { seed: 11 });
  assert.equal(ref.stats.mode, 'memory');
  for (const [memory, chunkSize] of [
    [1 << 30, 7],
    [100_000, 1 << 20],
    [30_000, 333],
    [5_000, 4096],
    [1_024, 64 * 1024],
  ]) {
    const r = await shuffleText(input, { seed: 11, memory, chunkSize });
    assert.equal(r.out, ref.out, `memory ${memory}, chunk ${chunkSize}`);
  }
  // With 1 KB of memory every row is its own run: more than FAN_IN runs, so groups are merged first.
  const tiny = await shuffleText(input, { seed: 11, memory: 1_024 });
  assert.ok(tiny.stats.runs > FAN_IN, `runs ${tiny.stats.runs}`);
  assert.ok(tiny.stats.merges > 1);
  assert.equal(tiny.out, ref.out);
});

test('the same seed twice gives the same output; another seed another order', async () => {
  const input = rows(200);
  const a = await shuffleText(input, { seed: 3 });
  const b = await shuffleText(input, { seed: 3 });
  const c = await shuffleText(input, { seed: 4 });
  assert.equal(a.out, b.out);
  assert.notEqual(a.out, c.out);
});

test('lines are opaque bytes: CRLF and a BOM are dropped, blank lines counted, U+2028 and a lone CR kept', async () => {
  const input = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\r\n\n  \nnot json\n{"s":"x\u2028y\rz"}\n{"last":true}')]);
  const r = await shuffleText(input, { seed: 1 });
  assert.deepEqual(sorted(r.out), ['not json', '{"a":1}', '{"last":true}', '{"s":"x\u2028y\rz"}'].sort());
  assert.deepEqual(r.counts, { lines: 4, blank: 2 });
  assert.ok(r.out.endsWith('\n'));
});

test('a line longer than the memory budget and the block size still works', async () => {
  const big = `{"big":"${'b'.repeat(50_000)}"}`;
  const input = `${rows(50)}${big}\n${rows(50, 2000)}`;
  const ref = await shuffleText(input, { seed: 2 });
  const ext = await shuffleText(input, { seed: 2, memory: 4_096 });
  assert.equal(ext.out, ref.out);
  assert.deepEqual(sorted(ext.out), sorted(input));
});

test('temporary files are removed after an external shuffle', async () => {
  const r = await shuffleText(rows(300, 100), { seed: 1, memory: 2_000 });
  assert.equal(r.stats.mode, 'external');
  assert.deepEqual(readdirSync(r.tmp), []);
});

test('a full disk is a clear error naming --tmp-dir, and the temporary directory is removed', async () => {
  const tmp = tmpDir('ldt-shuffle-full-');
  let written = 0;
  const sh = new Shuffler({
    seed: 0,
    memory: 2_000,
    tmpdir: tmp,
    writeSync: (_fd, _b, _o, len) => {
      if (written > 3_000) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      written += len;
      return len;
    },
  });
  const line = Buffer.from(`{"x":"${'y'.repeat(200)}"}`);
  assert.throws(
    () => {
      for (let i = 0; i < 200; i++) sh.add(line, 0, line.length);
    },
    (e: Error & { hint?: string }) => {
      assert.match(e.message, new RegExp(`^no space left on device in --tmp-dir ${tmp} while writing a sorted run$`));
      assert.match(e.hint ?? '', /--tmp-dir DIR/);
      return true;
    },
  );
  sh.dispose();
  assert.deepEqual(readdirSync(tmp), []);
});

test('a run file truncated while the shuffle goes on is a data error naming the file and the byte (issue 21)', async () => {
  const tmp = tmpDir('ldt-shuffle-trunc-');
  const sh = new Shuffler({ seed: 0, memory: 2_000, tmpdir: tmp });
  const line = Buffer.from(`{"x":"${'y'.repeat(100)}"}`);
  for (let i = 0; i < 100; i++) sh.add(line, 0, line.length);
  assert.equal(sh.stats.mode, 'external');
  const [sub] = readdirSync(tmp);
  truncateSync(join(tmp, sub, 'run-0'), 30);
  await assert.rejects(
    sh.finish(async () => {}),
    (e: Error) => {
      assert.ok(e instanceof DataError, `${e.name}: ${e.message}`);
      assert.match(e.message, /^temporary file .*run-0 ended early at byte \d+/);
      return true;
    },
  );
  assert.deepEqual(readdirSync(tmp), []);
});

test('a missing --tmp-dir is an error naming it', async () => {
  await assert.rejects(
    shuffleText(rows(100, 100), { memory: 2_000, tmp: '/nonexistent/ldt' }),
    /cannot create a temporary directory in --tmp-dir \/nonexistent\/ldt: no such directory/,
  );
});

// ---------------------------------------------------------------------------------------------
// Uniformity: chi-square tests with fixed seeds, so they are stable. Critical values at p = 0.001
// (Wilson–Hilferty), so a correct shuffle fails one of them about once in a thousand seed sets —
// and these seed sets are fixed, so it either always passes or always fails.

function chiSquareCritical(df: number, z = 3.0902): number {
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}

function chiSquare(observed: number[], expected: number): number {
  return observed.reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
}

/** Position counts (row × position) and permutation counts over `runs` shuffles of `n` rows with seeds 0..runs−1. */
async function permutationCounts(n: number, runs: number, perm: (seed: number, input: string) => Promise<string>) {
  const input = Array.from({ length: n }, (_, i) => `${i}\n`).join('');
  const pos = Array.from({ length: n * n }, () => 0);
  const perms = new Map<string, number>();
  for (let seed = 0; seed < runs; seed++) {
    const out = (await perm(seed, input)).split('\n').filter(Boolean);
    assert.equal(out.length, n);
    for (const [p, row] of out.entries()) pos[Number(row) * n + p]++;
    const key = out.join(',');
    perms.set(key, (perms.get(key) ?? 0) + 1);
  }
  return { pos, perms };
}

/** The core on one in-memory chunk (no files), for the many small runs below. */
async function direct(input: string, seed: number, sample?: number): Promise<string> {
  const out: Buffer[] = [];
  async function* one() {
    yield Buffer.from(input);
  }
  await shuffleStream(one(), { seed, memory: 1 << 20, tmpdir: '/nonexistent', sample }, { lines: 0, blank: 0 }, async (b) => {
    out.push(Buffer.from(b));
  });
  return Buffer.concat(out).toString('utf8');
}

const coreShuffle = (seed: number, input: string) => direct(input, seed);

test('uniform: positions of 5 rows over 3000 seeds pass a chi-square test (df 16, p 0.001)', async () => {
  const n = 5;
  const runs = 3000;
  const { pos } = await permutationCounts(n, runs, coreShuffle);
  const x2 = chiSquare(pos, runs / n);
  assert.ok(x2 < chiSquareCritical((n - 1) * (n - 1)), `chi-square ${x2.toFixed(1)} ≥ ${chiSquareCritical(16).toFixed(1)}`);
});

test('uniform: all 24 permutations of 4 rows are equally likely over 4800 seeds (chi-square, df 23)', async () => {
  const runs = 4800;
  const { perms } = await permutationCounts(4, runs, coreShuffle);
  assert.equal(perms.size, 24);
  const x2 = chiSquare([...perms.values()], runs / 24);
  assert.ok(x2 < chiSquareCritical(23), `chi-square ${x2.toFixed(1)} ≥ ${chiSquareCritical(23).toFixed(1)}`);
});

test('the chi-square check can fail: a biased shuffle (swap the first two rows half the time) is caught', async () => {
  const biased = async (seed: number, input: string) => {
    const l = input.split('\n').filter(Boolean);
    if (seed % 2 === 0) [l[0], l[1]] = [l[1], l[0]];
    return `${l.join('\n')}\n`;
  };
  const { pos } = await permutationCounts(5, 3000, biased);
  assert.ok(chiSquare(pos, 600) > chiSquareCritical(16));
});

test('--sample: equals the first N rows of the full shuffle; input order sorts them by position', async () => {
  const input = rows(500, 40);
  const full = (await shuffleText(input, { seed: 9 })).out.split('\n').filter(Boolean);
  const s = await shuffleText(input, { seed: 9, sample: 17 });
  assert.deepEqual(s.out.split('\n').filter(Boolean), full.slice(0, 17));
  assert.equal(s.stats.written, 17);
  assert.equal(s.stats.rows, 500);
  const inOrder = await shuffleText(input, { seed: 9, sample: 17, sampleOrder: 'input' });
  const lines = input.split('\n');
  assert.deepEqual(
    inOrder.out.split('\n').filter(Boolean),
    full.slice(0, 17).sort((a, b) => lines.indexOf(a) - lines.indexOf(b)),
  );
  const all = await shuffleText(rows(5), { seed: 9, sample: 10 });
  assert.equal(all.stats.written, 5);
  assert.equal((await shuffleText(rows(5), { seed: 9, sample: 0 })).out, '');
});

test('--sample is uniform: each of 10 rows is in a 3-row sample 30% of the time over 3000 seeds (chi-square, df 9)', async () => {
  const input = Array.from({ length: 10 }, (_, i) => `${i}\n`).join('');
  const hits = Array.from({ length: 10 }, () => 0);
  const runs = 3000;
  for (let seed = 0; seed < runs; seed++) {
    const out = (await direct(input, seed, 3)).split('\n').filter(Boolean);
    assert.equal(new Set(out).size, 3);
    for (const r of out) hits[Number(r)]++;
  }
  const x2 = chiSquare(hits, (runs * 3) / 10);
  assert.ok(x2 < chiSquareCritical(9), `chi-square ${x2.toFixed(1)}`);
});

test('no temporary directory is created for an in-memory shuffle', async () => {
  const tmp = tmpDir('ldt-shuffle-none-');
  await shuffleText(rows(100), { tmp });
  assert.ok(existsSync(tmp));
  assert.deepEqual(readdirSync(tmp), []);
});
