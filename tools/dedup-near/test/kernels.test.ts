import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { MinHasher, type NearOptions, type Signed, Signer, SignKernels } from '@ldt/dedup-near';
import { Prng } from '@ldt/hash';
import { sharedData, wasmFromWat } from '@ldt/testkit';
import { normalizeText } from '@ldt/text';

// The WebAssembly path (Signer.signText: src/kernels.wat + src/kernels.ts) must give exactly what
// the string path gives (normalizeText 'aggressive' → shingleNormalized → MinHasher.sign), which
// the rest of the suite checks against brute force and references.

const base: NearOptions = {
  numPerm: 128,
  seed: 0,
  ngram: 5,
  charNgram: 0,
  autoCharNgram: 5,
  bands: 14,
  rows: 9,
  threshold: 0.8,
  verify: true,
  keep: 'first',
  overlapNgram: 0,
};

function same(a: Signed, b: Signed, what: string): void {
  assert.equal(a.len, b.len, `${what}: len`);
  assert.equal(a.charMode, b.charMode, `${what}: charMode`);
  assert.deepEqual(Buffer.from(a.hash), Buffer.from(b.hash), `${what}: content hash`);
  assert.deepEqual([...a.set], [...b.set], `${what}: shingle set`);
  assert.deepEqual([...a.keys], [...b.keys], `${what}: band keys`);
}

// Pieces from many scripts and the cases that trip normalisers up.
const PIECES = [
  'The quick brown fox',
  "can't",
  'e-mail',
  '2+2=4',
  '$100',
  'a_b',
  'C++',
  '¿Qué?',
  '¡Hola!',
  'naïve café',
  'ΟΔΥΣΣΕΥΣ',
  'Σ',
  'ΣΑΣ.',
  'Привет, мир',
  '中文文本，没有空格。',
  '日本語のテキスト「です」',
  'ภาษาไทยไม่มีช่องว่าง',
  '한국어 문장',
  'हिन्दी में',
  'ﬁnance',
  'ＦＵＬＬＷＩＤＴＨ',
  '①②',
  '㍻',
  'ﷺ',
  '\u00a0',
  '\u3000',
  '\u2028',
  '\t',
  '\r\n',
  '  ',
  '...',
  '—',
  '“quoted”',
  '😀',
  '👩‍💻',
  '\u{10100}',
  '\u{1e95e}',
  '\u{20000}\u{2a6d6}',
  '\u{1f600}!',
  '\ufffd',
  '\u0000',
  '\u0007',
  'İstanbul',
  'ß',
  'ǅ',
  'e\u0301',
  'x',
];

function randomText(rng: Prng): string {
  const n = 1 + (rng.nextU32() % 40);
  let s = '';
  for (let i = 0; i < n; i++) {
    s += PIECES[rng.nextU32() % PIECES.length];
    const r = rng.nextU32() % 5;
    s += r === 0 ? '' : r === 1 ? '.' : ' ';
  }
  return s;
}

test('signText equals sign(normalizeText(…)) on random multi-script text, word and char n-grams', () => {
  const rng = new Prng(42);
  const signers = [new Signer(base), new Signer({ ...base, ngram: 2 }), new Signer({ ...base, charNgram: 3 }), new Signer({ ...base, numPerm: 40, bands: 8, rows: 5 })];
  for (let k = 0; k < 1500; k++) {
    const t = randomText(rng);
    for (const [i, s] of signers.entries()) same(s.signText(t), s.sign(normalizeText(t, 'aggressive')), `signer ${i}, text ${JSON.stringify(t)}`);
  }
});

const ENGLISH = [
  'Don’t',
  '“quoted”',
  'well—said',
  '1–2',
  'wait…',
  'non\u00a0breaking',
  'A',
  'Word',
  'x.y',
  '(a)',
  'semi;colon',
  '。',
  '，',
  '\u3000',
  '‘single’',
  '«guillemets»',
  '¶',
  '§',
];

test('signText equals the string path on English-like text with typographic punctuation (the safe-separator fast path)', () => {
  const rng = new Prng(8);
  const s = new Signer(base);
  for (let k = 0; k < 1500; k++) {
    const n = 1 + (rng.nextU32() % 60);
    let t = '';
    for (let i = 0; i < n; i++) t += `${ENGLISH[rng.nextU32() % ENGLISH.length]}${rng.nextU32() % 3 === 0 ? '' : ' '}`;
    same(s.signText(t), s.sign(normalizeText(t, 'aggressive')), JSON.stringify(t));
  }
});

test('signText handles the edge cases: empty, only punctuation, lone surrogates, long texts', () => {
  const s = new Signer(base);
  const cases = [
    '',
    ' ',
    '!!! ... ???',
    'one',
    'a b c d',
    'a b c d e',
    'a b c d e f',
    'lone \ud800 high',
    'lone \udc00 low',
    '\ud840x',
    'end \ud83d',
    '\ud83d\ude00\ud83d',
    'word '.repeat(20000),
    '中'.repeat(50000),
    `${'ascii '.repeat(3000)}é`,
  ];
  for (const t of cases) same(s.signText(t), s.sign(normalizeText(t, 'aggressive')), JSON.stringify(t.slice(0, 40)));
  // An empty normalised text has no shingles and no band keys.
  const e = s.signText('?!');
  assert.equal(e.set.length, 0);
  assert.equal(e.keys.length, 0);
});

test('the WebAssembly MinHash equals MinHasher.sign for any number of permutations', () => {
  const rng = new Prng(5);
  for (const P of [1, 7, 16, 17, 128, 200]) {
    const h = new MinHasher(P, 9);
    const k = new SignKernels(h.a, h.b, 5, 0, 5);
    for (const n of [1, 2, 3, 50, 1000]) {
      const set = new Uint32Array(Array.from({ length: n }, () => rng.nextU32()));
      set[0] = 0;
      if (n > 1) set[1] = 0xffffffff;
      const want = new Uint32Array(P);
      const got = new Uint32Array(P);
      h.sign(set, want);
      k.signSet(set, got);
      assert.deepEqual([...got], [...want], `P=${P}, n=${n}`);
    }
  }
});

const udhr = sharedData('multilingual/udhr_shared.jsonl');
test('signText equals the string path on every UDHR translation (char n-grams chosen for CJK/Thai)', {
  skip: udhr ? false : 'shared data ../shared/data/multilingual is absent',
}, () => {
  const s = new Signer(base);
  const rows = readFileSync(udhr as string, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  let charMode = 0;
  for (const [i, r] of rows.entries()) {
    const t = Object.values(r)
      .filter((v) => typeof v === 'string')
      .join('\n');
    const a = s.signText(t);
    same(a, s.sign(normalizeText(t, 'aggressive')), `udhr row ${i + 1}`);
    if (a.charMode) charMode++;
  }
  assert.ok(rows.length > 1000, `${rows.length} rows`);
  assert.ok(charMode > 0, 'some rows are CJK/Thai-dominant');
});

test('the built kernels.wasm is its source kernels.wat, compiled (one WebAssembly build path: scripts/build-wasm.mjs)', async () => {
  const built = readFileSync(new URL('../src/kernels.wasm', import.meta.url));
  const fresh = await wasmFromWat(new URL('../../src/kernels.wat', import.meta.url).pathname);
  assert.ok(built.equals(fresh), 'dist/src/kernels.wasm is stale: rebuild (npx -y pnpm@10 build)');
});
