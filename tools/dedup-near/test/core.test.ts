import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import {
  candidateProbability,
  isNoSpaceScript,
  jaccard,
  jaccardAtLeast,
  MinHasher,
  minOverlap,
  optimalParams,
  shingle,
  shingleNormalized,
  wordsLE,
  xxh32,
  xxh32Words,
} from '@ldt/dedup-near';
import { Prng, xxh32Reference } from '@ldt/hash';

const opts = { ngram: 5, charNgram: 0, autoCharNgram: 5 };

test('xxh32 equals the reference XXH32 (hash-wasm) for every length 0..100', () => {
  const rng = new Prng(7);
  for (let n = 0; n <= 100; n++) {
    const b = Buffer.alloc(n + 3);
    for (let i = 0; i < b.length; i++) b[i] = rng.nextU32() & 0xff;
    const want = xxh32Reference(b.subarray(2, 2 + n)).readUInt32BE(0);
    assert.equal(xxh32(b, 2, 2 + n), want, `length ${n}`);
  }
});

test('xxh32Words is the reference XXH32 of the words as little-endian bytes, for any array and range', () => {
  const rng = new Prng(9);
  const arrays = [new Uint32Array(40), new Uint32Array(new ArrayBuffer(200), 12, 40)];
  for (const w of arrays) for (let i = 0; i < w.length; i++) w[i] = rng.nextU32();
  for (let n = 0; n <= 24; n++) {
    for (const w of arrays) {
      const start = n % 7;
      const le = Buffer.alloc(n * 4);
      for (let i = 0; i < n; i++) le.writeUInt32LE(w[start + i], i * 4);
      assert.deepEqual(Buffer.from(wordsLE(w.subarray(start, start + n))), le);
      const want = xxh32Reference(le).readUInt32BE(0);
      assert.equal(xxh32Words(w, start, start + n, 0), want, `${n} words at ${start}`);
      assert.equal(xxh32Words(w, start, start + n, n), xxh32(le, 0, le.length, n), `seed ${n}`);
    }
  }
});

test('each MinHash permutation is exact 32-bit arithmetic (checked against BigInt)', () => {
  const h = new MinHasher(16, 3);
  const rng = new Prng(11);
  const M = 2n ** 32n;
  for (let k = 0; k < 2000; k++) {
    const x = rng.nextU32();
    for (let i = 0; i < 16; i++) {
      let v = (BigInt(h.a[i]) * BigInt(x) + BigInt(h.b[i])) % M;
      v ^= v >> 16n;
      assert.equal(h.permute(i, x), Number(v));
    }
  }
  // sign() (4 permutations per pass, signed compares) gives min_i exactly as permute() does.
  const set = new Uint32Array(Array.from({ length: 300 }, () => rng.nextU32())).sort();
  const sig = new Uint32Array(16);
  h.sign(set, sig);
  for (let i = 0; i < 16; i++) assert.equal(sig[i], Math.min(...[...set].map((x) => h.permute(i, x))));
  const odd = new MinHasher(7, 1);
  const sig7 = new Uint32Array(7);
  odd.sign(set, sig7);
  for (let i = 0; i < 7; i++) assert.equal(sig7[i], Math.min(...[...set].map((x) => odd.permute(i, x))));
  // a_i odd: the map is a bijection (no two inputs collide) — check on a sample.
  const seen = new Set<number>();
  for (let x = 0; x < 100000; x++) seen.add(h.permute(0, x));
  assert.equal(seen.size, 100000);
});

test('the npm minhash package computes (a*x+b) mod p in float64 and gets wrong values', () => {
  const Minhash = (createRequire(import.meta.url)('minhash') as { Minhash: new (c: { numPerm: number; seed: number }) => Record<string, unknown> }).Minhash;
  const m = new Minhash({ numPerm: 64, seed: 1 }) as unknown as {
    permA: number[];
    permB: number[];
    prime: number;
    hash(s: string): number;
    update(s: string): void;
    hashvalues: number[];
  };
  const word = 'decontamination';
  m.update(word);
  const x = BigInt(m.hash(word));
  let wrong = 0;
  for (let i = 0; i < 64; i++) {
    const exact = (BigInt(m.permA[i]) * x + BigInt(m.permB[i])) % BigInt(m.prime);
    if (BigInt(m.hashvalues[i]) !== exact) wrong++;
  }
  assert.ok(wrong > 32, `expected most of the package's 64 values to differ from exact arithmetic; ${wrong} did`);
});

test('bands x rows from the threshold match datasketch optimal_param (9 x 13 at 0.8, 128 permutations)', () => {
  assert.deepEqual(optimalParams(0.8, 128), { bands: 9, rows: 13 });
  assert.deepEqual(optimalParams(0.5, 128), { bands: 25, rows: 5 });
  const p = optimalParams(0.7, 256);
  assert.ok(p.bands * p.rows <= 256);
  // The default with verification weights false negatives 0.9: 14 x 9 at 0.8.
  assert.deepEqual(optimalParams(0.8, 128, 0.1, 0.9), { bands: 14, rows: 9 });
  assert.ok(candidateProbability(0.85, 14, 9) > 0.97);
  assert.ok(candidateProbability(0.5, 9, 13) < 0.002);
});

test('word 5-gram shingles after the shared aggressive normalisation', () => {
  const a = shingle('The quick brown fox jumps over the lazy dog', opts).set;
  assert.equal(a.length, 5);
  const b = shingle('the QUICK, brown   fox jumps over the lazy dog!', opts).set;
  assert.deepEqual([...b], [...a]);
  assert.equal(shingle('too short', opts).set.length, 1);
  assert.equal(shingle(' ... ', opts).set.length, 0);
  const sorted = [...a].sort((x, y) => x - y);
  assert.deepEqual([...a], sorted);
});

test('CJK and Thai-dominant text gets character n-grams automatically; Korean and Latin do not', () => {
  assert.equal(isNoSpaceScript('人人生而自由，在尊严和权利上一律平等。'), true);
  assert.equal(isNoSpaceScript('มนุษย์ทั้งหลายเกิดมามีอิสระและเสมอภาคกัน'), true);
  assert.equal(isNoSpaceScript('すべての人間は、生まれながらにして自由であり'), true);
  assert.equal(isNoSpaceScript('모든 인간은 태어날 때부터 자유로우며'), false);
  assert.equal(isNoSpaceScript('All human beings are born free 自由'), false);
  const zh = shingle('人人生而自由，在尊严和权利上一律平等。', opts);
  assert.equal(zh.charMode, true);
  // 18 code points after punctuation folding (one space inside), 5-grams: 14.
  assert.ok(zh.set.length > 10);
  assert.equal(shingle('All human beings are born free and equal', opts).charMode, false);
});

test('jaccard of sorted sets', () => {
  const s = (t: string) => shingleNormalized(t, 1, false);
  assert.equal(jaccard(s('a b c d'), s('a b c d')), 1);
  assert.equal(jaccard(s('a b c d'), s('a b c e')), 3 / 5);
  assert.equal(jaccard(s('a b'), s('c d')), 0);
  assert.equal(jaccard(new Uint32Array(0), new Uint32Array(0)), 0);
});

test('jaccardAtLeast(a, b, t) is exactly jaccard(a, b) >= t (early exits, size bound)', () => {
  const rng = new Prng(17);
  const set = (n: number, range: number) => {
    const s = new Set<number>();
    while (s.size < n) s.add(rng.nextInt(range));
    return Uint32Array.from([...s].sort((x, y) => x - y));
  };
  const ts = [0.01, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 1, 1 / 3, 2 / 3];
  let yes = 0;
  let no = 0;
  for (let k = 0; k < 3000; k++) {
    const na = rng.nextInt(40);
    const range = 1 + rng.nextInt(80);
    const a = set(Math.min(na, range), range);
    // b: a with a few elements removed and added, or an unrelated set.
    let b: Uint32Array;
    if (rng.nextInt(2) === 0) b = set(Math.min(rng.nextInt(40), range), range);
    else {
      const s = new Set(a);
      for (let e = rng.nextInt(6); e > 0; e--) s.delete(a[rng.nextInt(Math.max(1, a.length))]);
      for (let e = rng.nextInt(6); e > 0; e--) s.add(rng.nextInt(range));
      b = Uint32Array.from([...s].sort((x, y) => x - y));
    }
    for (const t of ts) {
      const want = jaccard(a, b) >= t;
      assert.equal(jaccardAtLeast(a, b, t), want, `|a| ${a.length} |b| ${b.length} t ${t}: jaccard ${jaccard(a, b)}`);
      assert.equal(jaccardAtLeast(b, a, t), want);
      if (want) yes++;
      else no++;
    }
  }
  assert.ok(yes > 1000 && no > 1000, `${yes} pass, ${no} fail: both sides exercised`);
  // The least passing intersection, as the division rounds: 4/5 = 0.8 passes at 0.8, 3/5 not at 0.6000001.
  assert.equal(minOverlap(5, 4, 0.8), 4);
  assert.equal(minOverlap(10, 7, 0.8), -1);
  assert.equal(minOverlap(0, 0, 0.5), -1);
  assert.equal(jaccardAtLeast(new Uint32Array(0), new Uint32Array(0), 0.01), false);
});

test('MinHash estimate tracks the true Jaccard (128 permutations)', () => {
  const h = new MinHasher(128, 0);
  const rng = new Prng(5);
  const base = Array.from({ length: 400 }, () => `w${rng.nextInt(5000)}`);
  for (const edits of [10, 40, 100]) {
    const other = [...base];
    for (let i = 0; i < edits; i++) other[rng.nextInt(other.length)] = `x${rng.nextInt(5000)}`;
    const a = shingleNormalized(base.join(' '), 5, false);
    const b = shingleNormalized(other.join(' '), 5, false);
    const sa = new Uint32Array(128);
    const sb = new Uint32Array(128);
    h.sign(a, sa);
    h.sign(b, sb);
    let eq = 0;
    for (let i = 0; i < 128; i++) if (sa[i] === sb[i]) eq++;
    const est = eq / 128;
    const truth = jaccard(a, b);
    assert.ok(Math.abs(est - truth) < 0.15, `edits ${edits}: estimate ${est}, true ${truth}`);
  }
});
