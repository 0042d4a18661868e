// Deterministic benchmark corpus: OpenAI-style chat rows built from the real public data under
// ../shared/data (relative to the repo root), with ~10% injected exact duplicates.
//
// Every distinct row n pairs two real user/assistant turns (a, b) from the shuffled pool of turns
// (a = n mod T, b = a + 1 + floor(n / T) mod T, so each (a, b) pair is used once for n < T*(T-1)),
// sometimes followed by a third turn. Its id is `bench-<n>`, so raw lines are distinct too. Before
// each row, with probability DUP_RATE, a verbatim copy of an earlier line (uniform over a
// reservoir of earlier lines) is written instead. No Math.random: a seeded mulberry32 PRNG.

import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Bump when the generator changes, so cached corpora are rebuilt. */
export const CORPUS_VERSION = 1;
export const DUP_RATE = 0.1;
const THIRD_TURN_RATE = 0.25;
const RESERVOIR = 8192;

/** The sources, relative to the shared data folder, with their licences. */
export const SOURCES = [
  { path: 'chat_messages/xtuner_sft_text_messages.jsonl', repo: 'InternLM/xtuner', license: 'Apache-2.0', shape: 'JSONL {messages}' },
  { path: 'gsm8k/train.jsonl', repo: 'openai/grade-school-math (GSM8K train)', license: 'MIT', shape: 'JSONL {question, answer}' },
  { path: 'alpaca/llamafactory_alpaca_en_demo.json', repo: 'hiyouga/LLaMA-Factory', license: 'Apache-2.0 (repository)', shape: 'JSON array {instruction, input, output}' },
  { path: 'chat_sharegpt/fastchat_dummy_conversation.json', repo: 'lm-sys/FastChat', license: 'Apache-2.0', shape: 'JSON array {conversations: [{from, value}]}' },
];

/** mulberry32: a small, fast, seeded 32-bit PRNG. Returns floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Parse `256MB`, `1GB`, `20m`, `500KB`, `1048576` (binary units: 1 MB = 2^20 bytes). */
export function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(String(text).trim());
  if (!m) throw new Error(`bad --size ${JSON.stringify(text)}: expected e.g. 256MB, 1GB, 20MB`);
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  const mult = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[unit];
  const bytes = Math.round(Number(m[1]) * mult);
  if (bytes < 1024) throw new Error(`--size ${text} is too small`);
  return bytes;
}

/** A short label for a byte count, used in the cache file name: 256MB, 1GB, 20MB, or bytes. */
export function sizeLabel(bytes) {
  if (bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3}GB`;
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}MB`;
  if (bytes % 1024 === 0) return `${bytes / 1024}KB`;
  return `${bytes}B`;
}

/** Load the pool of [user, assistant] turns from the sources, in a fixed order. */
export function loadTurns(dataDir) {
  const bySource = {};
  const turns = [];
  const add = (src, user, assistant) => {
    if (typeof user !== 'string' || typeof assistant !== 'string' || user === '' || assistant === '') return;
    turns.push([user, assistant]);
    bySource[src] = (bySource[src] ?? 0) + 1;
  };
  const read = (p) => readFileSync(join(dataDir, p), 'utf8');
  const jsonl = (p) =>
    read(p)
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l));
  const pairs = (src, msgs, roleOf, textOf, userRole, asstRole) => {
    for (let i = 0; i + 1 < msgs.length; i++) {
      if (roleOf(msgs[i]) === userRole && roleOf(msgs[i + 1]) === asstRole) {
        add(src, textOf(msgs[i]), textOf(msgs[i + 1]));
        i++;
      }
    }
  };

  const [xt, gsm, alp, fc] = SOURCES.map((s) => s.path);
  for (const r of jsonl(xt))
    pairs(
      xt,
      r.messages ?? [],
      (m) => m.role,
      (m) => m.content,
      'user',
      'assistant',
    );
  for (const r of jsonl(gsm)) add(gsm, r.question, r.answer);
  for (const r of JSON.parse(read(alp))) add(alp, r.input ? `${r.instruction}\n\n${r.input}` : r.instruction, r.output);
  for (const r of JSON.parse(read(fc)))
    pairs(
      fc,
      r.conversations ?? [],
      (m) => m.from,
      (m) => m.value,
      'human',
      'gpt',
    );
  return { turns, bySource };
}

/** The cache paths for the given parameters. */
export function corpusPaths(outDir, sizeBytes, seed) {
  const base = join(outDir, `chat-v${CORPUS_VERSION}-seed${seed}-dup${Math.round(DUP_RATE * 100)}-${sizeLabel(sizeBytes)}`);
  return { file: `${base}.ndjson`, meta: `${base}.meta.json` };
}

/**
 * Return the corpus for (sizeBytes, seed), generating it unless a cached copy with the same
 * parameters exists. Returns `{ file, meta, cached }`; meta has rows, bytes, duplicates injected,
 * distinct lines and distinct `messages` values.
 */
export function ensureCorpus({ dataDir, outDir, sizeBytes, seed, log = () => {} }) {
  const { file, meta: metaPath } = corpusPaths(outDir, sizeBytes, seed);
  if (existsSync(file) && existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
    if (meta.version === CORPUS_VERSION && statSync(file).size === meta.bytes) return { file, meta, cached: true };
  }
  const t0 = performance.now();
  const { turns, bySource } = loadTurns(dataDir);
  const rand = mulberry32(seed);
  // Fisher–Yates shuffle of the pool, seeded.
  for (let i = turns.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = turns[i];
    turns[i] = turns[j];
    turns[j] = t;
  }
  const T = turns.length;
  const turnMsgs = (t) => [
    { role: 'user', content: t[0] },
    { role: 'assistant', content: t[1] },
  ];

  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  let parts = [];
  let pending = 0;
  let bytes = 0;
  let rows = 0;
  let dups = 0;
  let n = 0;
  const reservoir = [];
  let seenForReservoir = 0;
  const lineKeys = new Set();
  const msgKeys = new Set();
  const md5 = (s) => createHash('md5').update(s).digest('latin1');
  const emit = (line) => {
    parts.push(line);
    const len = Buffer.byteLength(line) + 1;
    pending += len;
    bytes += len;
    rows++;
    if (pending >= 4 << 20) {
      writeSync(fd, `${parts.join('\n')}\n`);
      parts = [];
      pending = 0;
    }
  };
  try {
    while (bytes < sizeBytes) {
      if (reservoir.length > 0 && rand() < DUP_RATE) {
        emit(reservoir[Math.floor(rand() * reservoir.length)]);
        dups++;
        continue;
      }
      const a = n % T;
      const q = Math.floor(n / T);
      let b = (a + 1 + q) % T;
      if (b === a) b = (b + 1) % T;
      const messages = [...turnMsgs(turns[a]), ...turnMsgs(turns[b])];
      if (rand() < THIRD_TURN_RATE) messages.push(...turnMsgs(turns[Math.floor(rand() * T)]));
      const line = JSON.stringify({ id: `bench-${n}`, messages });
      n++;
      lineKeys.add(md5(line));
      msgKeys.add(md5(JSON.stringify(messages)));
      emit(line);
      // Reservoir sampling: every earlier distinct line is equally likely to be repeated.
      seenForReservoir++;
      if (reservoir.length < RESERVOIR) reservoir.push(line);
      else {
        const k = Math.floor(rand() * seenForReservoir);
        if (k < RESERVOIR) reservoir[k] = line;
      }
    }
    if (parts.length > 0) writeSync(fd, `${parts.join('\n')}\n`);
    closeSync(fd);
    renameSync(tmp, file);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {}
    try {
      unlinkSync(tmp);
    } catch {}
    throw e;
  }
  const meta = {
    version: CORPUS_VERSION,
    seed,
    size_requested: sizeBytes,
    bytes,
    rows,
    duplicates_injected: dups,
    distinct_lines: lineKeys.size,
    distinct_messages: msgKeys.size,
    turn_pool: T,
    turns_by_source: bySource,
    dup_rate: DUP_RATE,
    third_turn_rate: THIRD_TURN_RATE,
    generated_in_s: Number(((performance.now() - t0) / 1000).toFixed(2)),
  };
  writeFileSync(metaPath, `${JSON.stringify(meta, null, 2)}\n`);
  log(`generated ${file} (${(bytes / 2 ** 20).toFixed(1)} MB, ${rows} rows) in ${meta.generated_in_s}s`);
  return { file, meta, cached: false };
}

/**
 * Synthetic documents for the dedup-near benchmarks: each call of the returned function gives the
 * next document's words, `minWords` to `minWords + spanWords - 1` words from a 30,000-word vocabulary
 * (seeded mulberry32), a quarter of them near-duplicates of an earlier document (1–5 words replaced,
 * sometimes 3 appended).
 */
export function nearDupDocs(seed, minWords, spanWords) {
  const rand = mulberry32(seed);
  const VOCAB = Array.from({ length: 30000 }, (_, k) => `w${k}`);
  const word = () => VOCAB[Math.floor(rand() * 30000)];
  const bases = [];
  return () => {
    let w;
    if (bases.length > 0 && rand() < 0.25) {
      w = [...bases[Math.floor(rand() * bases.length)]];
      for (let k = 1 + Math.floor(rand() * 5); k > 0; k--) w[Math.floor(rand() * w.length)] = word();
      if (rand() < 0.25) w.push(word(), word(), word());
    } else {
      w = Array.from({ length: minWords + Math.floor(rand() * spanWords) }, word);
      if (bases.length < 50000) bases.push(w);
      else bases[Math.floor(rand() * bases.length)] = w;
    }
    return w;
  };
}
