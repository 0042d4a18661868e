// dedup-near benchmark: accuracy (injected near-duplicates, brute-force Jaccard oracle), agreement
// with the GPTeacher Toolformer author's thinned files, GSM8K decontamination, and speed against the
// project's floor (bench/passthrough.mjs) and the npm `minhash` package, in one run. Plain ESM, no build.
//
//   node bench/dedup-near.mjs [--docs N] [--sample N] [--runs N] [--data DIR] [--corpus-only]
//   node bench/dedup-near.mjs --docs 1000000 --sample 800   # the issue's ≥ 1M-document run (6.5 GB; ~15 min)
//
// Documents are ~6 KB texts built from the real turns that bench/corpus.mjs loads (loadTurns), with
// near-duplicates injected at known edit levels: word substitutions, insertions and truncations.
// Prints a markdown report to stdout, progress to stderr. datasketch (the unmodified reference copy
// in ../shared/reference, run by Debian's /usr/bin/python3 with numpy/scipy through
// bench/datasketch-near.py) runs on the same documents in the same run, with the same threshold,
// num_perm and bands × rows; skipped, saying so, when python3 cannot import it.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { loadTurns, mulberry32 } from './corpus.mjs';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const flag = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const DOCS = Number(flag('docs', 4000));
const SAMPLE = Number(flag('sample', 800));
const RUNS = Number(flag('runs', 1));
const dataDir = flag('data', join(root, '..', 'shared', 'data'));
const outDir = join(root, 'bench', 'out');
mkdirSync(outDir, { recursive: true });
const log = (m) => process.stderr.write(`${m}\n`);
const nd = await import(new URL('../tools/dedup-near/dist/src/index.js', import.meta.url).href);
const bin = join(root, 'tools', 'dedup-near', 'bin', 'dedup-near.js');
const THRESHOLD = 0.8;

// ---------- corpus ----------
// Documents are ~6.4 KB of randomly chosen real turns (so a million documents are a million
// different texts), written as they are made: memory does not grow with --docs. The first `keep`
// documents and the injected pairs are returned for the accuracy check.
function buildCorpus(keep) {
  const file = join(outDir, `dedup-near-docs-v2-${DOCS}.ndjson`);
  const metaFile = `${file}.meta.json`;
  const headFile = `${file}.head.ndjson`;
  if (existsSync(file) && existsSync(metaFile) && existsSync(headFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    if (meta.keep >= keep) return { file, ...meta, head: readNdjson(headFile).slice(0, keep) };
  }
  const { turns } = loadTurns(dataDir);
  const rand = mulberry32(4);
  const words = turns.flatMap((t) => `${t[0]} ${t[1]}`.split(/\s+/)).filter((w) => w !== '');
  const randWord = () => words[Math.floor(rand() * words.length)];
  const base = () => {
    let s = '';
    while (s.length < 6000) {
      const [u, a] = turns[Math.floor(rand() * turns.length)];
      s += `${u}\n${a}\n`;
    }
    return s.slice(0, 6500);
  };
  const edits = [
    ['sub1%', (w) => w.map((x) => (rand() < 0.01 ? randWord() : x))],
    ['sub3%', (w) => w.map((x) => (rand() < 0.03 ? randWord() : x))],
    ['sub5%', (w) => w.map((x) => (rand() < 0.05 ? randWord() : x))],
    ['sub10%', (w) => w.map((x) => (rand() < 0.1 ? randWord() : x))],
    ['sub20%', (w) => w.map((x) => (rand() < 0.2 ? randWord() : x))],
    ['ins3%', (w) => w.flatMap((x) => (rand() < 0.03 ? [x, randWord()] : [x]))],
    ['trunc90%', (w) => w.slice(0, Math.floor(w.length * 0.9))],
    ['trunc75%', (w) => w.slice(0, Math.floor(w.length * 0.75))],
  ];
  const fd = openSync(`${file}.tmp`, 'w');
  let buf = [];
  let bufLen = 0;
  const head = [];
  const injected = [];
  const pending = [];
  let n = 0;
  let bytes = 0;
  let textBytes = 0;
  const push = (text) => {
    const line = `${JSON.stringify({ id: `d${n}`, text })}\n`;
    if (n < keep) head.push({ id: `d${n}`, text });
    n++;
    bytes += Buffer.byteLength(line);
    textBytes += Buffer.byteLength(text);
    buf.push(line);
    bufLen += line.length;
    if (bufLen > 8 << 20) {
      writeSync(fd, buf.join(''));
      buf = [];
      bufLen = 0;
    }
  };
  while (n < DOCS) {
    if (n % 100000 === 0 && n > 0) log(`  ${n} documents`);
    // A variant of a recent document, placed a few rows after it, so a prefix sample holds both.
    if (pending.length > 0 && (pending[0].at <= n || rand() < 0.1)) {
      const p = pending.shift();
      injected.push({ a: p.of, b: n, edit: p.edit });
      push(p.text);
      continue;
    }
    const text = base();
    push(text);
    if (rand() < 0.35) {
      const [edit, fn] = edits[Math.floor(rand() * edits.length)];
      pending.push({ of: n - 1, at: n + 1 + Math.floor(rand() * 20), text: fn(text.split(' ')).join(' '), edit });
    }
  }
  writeSync(fd, buf.join(''));
  closeSync(fd);
  renameSync(`${file}.tmp`, file);
  writeFileSync(headFile, `${head.map((d) => JSON.stringify(d)).join('\n')}\n`);
  const meta = { keep, docs: n, bytes, textBytes, truth: injected.filter((t) => t.b < keep), injectedTotal: injected.length };
  writeFileSync(metaFile, JSON.stringify(meta));
  return { file, ...meta, head };
}

function readNdjson(p) {
  return readFileSync(p, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

function timed(cmd, argv, opts = {}) {
  let best;
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...argv], { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
    if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.stderr}`);
    const m = /([\d.]+) (\d+)\s*$/.exec(r.stderr);
    const secs = Number(m[1]);
    const rssMB = Number(m[2]) / 1024;
    if (!best || secs < best.secs) best = { secs, rssMB, stderr: r.stderr };
  }
  return best;
}

log('building corpus…');
const corpus = buildCorpus(Math.max(SAMPLE, 100));
if (args.includes('--corpus-only')) process.exit(0);
const { file, truth, bytes, textBytes } = corpus;
const docs = corpus.head;
const docCount = corpus.docs;
const out = [];
const p = (s) => out.push(s);
p(`# dedup-near benchmark\n`);
p(
  `Corpus: ${docCount} documents, ${(bytes / 1e6).toFixed(1)} MB (${(textBytes / docCount / 1000).toFixed(1)} KB of text per document), ${corpus.injectedTotal} injected near-duplicates; Node ${process.version}; ${execFileSync('nproc').toString().trim()} cores.\n`,
);

// ---------- speed ----------
log('floor…');
const floor = timed(process.execPath, [join(root, 'bench', 'passthrough.mjs'), file], { stdio: ['ignore', 'ignore', 'pipe'] });
log('dedup-near whole run…');
const statsFile = join(outDir, 'dedup-near-stats.json');
const full = timed(process.execPath, [bin, '--quiet', '--stats', statsFile, file], { stdio: ['ignore', 'ignore', 'pipe'] });
const stats = JSON.parse(readFileSync(statsFile, 'utf8'));

// datasketch on the same file (bench/datasketch-near.py): whole process timed like dedup-near's.
const refDir = join(root, '..', 'shared', 'reference');
const py = '/usr/bin/python3';
const pyEnv = { ...process.env, PYTHONPATH: join(refDir, 'datasketch') };
let ds;
let dsSkip;
const probe = spawnSync(py, ['-c', 'import numpy, scipy, datasketch'], { env: pyEnv, encoding: 'utf8' });
if (probe.error || probe.status !== 0)
  dsSkip = `datasketch not run: ${py} cannot import numpy, scipy and datasketch from ${refDir}/datasketch (${(probe.error?.message ?? probe.stderr).trim().split('\n').pop()}); see ../shared/reference/README.md`;
else {
  log('datasketch (same documents)…');
  const dsOut = join(outDir, 'dedup-near-datasketch.json');
  const r = timed(
    'sh',
    ['-c', `exec "$0" "$@" > "${dsOut}"`, py, join(root, 'bench', 'datasketch-near.py'), file, String(stats.notes.bands), String(stats.notes.rows), String(THRESHOLD)],
    {
      env: pyEnv,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  ds = { ...r, ...JSON.parse(readFileSync(dsOut, 'utf8')) };
  // Agreement of the duplicate sets (rows not first of their cluster), from a --mark run.
  const ours = new Set();
  let i = 0;
  const marked = execFileSync(process.execPath, [bin, '--quiet', '--mark', file], { encoding: 'utf8', maxBuffer: 1 << 30 });
  for (let at = 0; at < marked.length; ) {
    let e = marked.indexOf('\n', at);
    if (e < 0) e = marked.length;
    if (marked.slice(at, e).includes('"dup_reason":')) ours.add(i);
    i++;
    at = e + 1;
  }
  const theirs = new Set(ds.duplicates);
  let both = 0;
  for (const d of theirs) if (ours.has(d)) both++;
  ds.agree = { ours: ours.size, theirs: theirs.size, both };
}
log('signatures vs npm minhash (same documents, alternately, best of 3)…');
// The machine may be shared: both are timed on the same documents, alternately, best of 3.
const opts = { ngram: 5, charNgram: 0, autoCharNgram: 5 };
const hasher = new nd.MinHasher(128, 0);
const sig = new Uint32Array(128);
// The production path: Signer.signText (normalise, shingle, sort, 128 permutations, band keys and
// the content hash, in WebAssembly) — what each --threads worker runs per row.
const signer = new nd.Signer({ ...opts, numPerm: 128, seed: 0, bands: 14, rows: 9, threshold: THRESHOLD, verify: true, keep: 'first', overlapNgram: 0 });
const { Minhash } = createRequire(join(root, 'tools', 'dedup-near', 'package.json'))('minhash');
const K = Math.min(100, docs.length);
const subset = docs.slice(0, K);
const subsetBytes = subset.reduce((s, d) => s + Buffer.byteLength(d.text), 0);
let signSecs = Number.POSITIVE_INFINITY;
let jsSecs = Number.POSITIVE_INFINITY;
let shingleSecs = Number.POSITIVE_INFINITY;
let pkgSecs = Number.POSITIVE_INFINITY;
for (let round = 0; round < 3; round++) {
  let t0 = performance.now();
  // Ours is timed over 10 passes of the subset (one pass is ~15 ms: too short to time alone).
  for (let rep = 0; rep < 10; rep++) for (const d of subset) signer.signText(d.text);
  signSecs = Math.min(signSecs, (performance.now() - t0) / 10000);
  t0 = performance.now();
  for (const d of subset) hasher.sign(nd.shingle(d.text, opts).set, sig);
  jsSecs = Math.min(jsSecs, (performance.now() - t0) / 1000);
  t0 = performance.now();
  for (const d of subset) nd.shingle(d.text, opts);
  shingleSecs = Math.min(shingleSecs, (performance.now() - t0) / 1000);
  t0 = performance.now();
  for (const d of subset) {
    const m = new Minhash({ numPerm: 128 });
    const w = d.text.toLowerCase().split(/\s+/);
    for (let j = 0; j + 5 <= w.length; j++) m.update(w.slice(j, j + 5).join(' '));
  }
  pkgSecs = Math.min(pkgSecs, (performance.now() - t0) / 1000);
}
const pkgDocsPerSec = K / pkgSecs;
const signDocsPerSec = K / signSecs;
const fullMBs = textBytes / 1e6 / full.secs;
p('## Speed\n');
p('| what | time | docs/s | MB/s of text | peak RSS | ratio |');
p('|---|---:|---:|---:|---:|---|');
p(
  `| floor: bench/passthrough.mjs | ${floor.secs.toFixed(2)} s | ${(docCount / floor.secs).toFixed(0)} | ${(textBytes / 1e6 / floor.secs).toFixed(1)} | ${floor.rssMB.toFixed(0)} MB | 1 |`,
);
p(
  `| dedup-near, whole run (2 passes, sign + LSH + verify + cluster + write) | ${full.secs.toFixed(2)} s | ${(docCount / full.secs).toFixed(0)} | ${fullMBs.toFixed(1)} | ${full.rssMB.toFixed(0)} MB | ${(full.secs / floor.secs).toFixed(1)}× the floor's time${ds ? `; ${(ds.secs / full.secs).toFixed(1)}× datasketch's speed` : ''} |`,
);
if (ds)
  p(
    `| datasketch (MinHash + MinHashLSH, ${ds.num_perm} permutations, params=(${stats.notes.bands}, ${stats.notes.rows}), threshold ${THRESHOLD}, lower-cased \\w+ word 5-grams, connected components of candidate pairs, unverified; bench/datasketch-near.py, whole process) | ${ds.secs.toFixed(2)} s | ${(docCount / ds.secs).toFixed(0)} | ${(textBytes / 1e6 / ds.secs).toFixed(2)} | ${ds.rssMB.toFixed(0)} MB | ${(ds.secs / floor.secs).toFixed(1)}× the floor's time (after its imports: ${ds.seconds.toFixed(2)} s) |`,
  );
p(
  `| dedup-near signatures (Signer.signText: normalise + shingle + 128 permutations + band keys + content hash, WebAssembly, one thread), ${K} docs | ${signSecs.toFixed(3)} s | ${signDocsPerSec.toFixed(0)} | ${(subsetBytes / 1e6 / signSecs).toFixed(1)} | | ${(signDocsPerSec / pkgDocsPerSec).toFixed(0)}× npm minhash (goal ≥ 50×) |`,
);
p(
  `| the plain-JS reference path (normalizeText + shingleNormalized + MinHasher.sign, one thread), the same ${K} docs | ${jsSecs.toFixed(3)} s | ${(K / jsSecs).toFixed(0)} | ${(subsetBytes / 1e6 / jsSecs).toFixed(1)} | | ${(K / jsSecs / pkgDocsPerSec).toFixed(0)}× npm minhash; normalise + shingle: ${((shingleSecs / jsSecs) * 100).toFixed(0)}% of it |`,
);
p(
  `| npm minhash 0.0.9 signatures (word 5-grams, 128 permutations), the same ${K} docs | ${pkgSecs.toFixed(2)} s | ${pkgDocsPerSec.toFixed(0)} | ${(subsetBytes / 1e6 / pkgSecs).toFixed(2)} | | 1 |`,
);
p(
  `\nLoad average at this point: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(
      ', ',
    )} on ${execFileSync('nproc').toString().trim()} cores (a shared machine makes timings noisy; the two signature rows are timed alternately on the same documents, best of 3).`,
);
if (ds)
  p(
    `\nDuplicate rows (not the first of their cluster), same ${docCount} documents: dedup-near ${ds.agree.ours}, datasketch ${ds.agree.theirs}, both ${ds.agree.both} (${ds.agree.ours + ds.agree.theirs - ds.agree.both > 0 ? ((ds.agree.both / (ds.agree.ours + ds.agree.theirs - ds.agree.both)) * 100).toFixed(1) : '100.0'}% of the union). They differ by design: dedup-near verifies candidates by exact Jaccard and normalises more (NFKC, punctuation folded), datasketch joins every LSH candidate pair.`,
  );
else p(`\n${dsSkip}`);
p(
  `\nIndex memory: ${stats.notes.bytes_per_row} bytes/row outside --memory at the clustering peak, plus ${4 * stats.notes.bands} (band keys) and 16 (one band's sort) while the keys fit in --memory (${stats.notes.band_key_runs} runs spilled here): ${stats.notes.bytes_per_row + 4 * stats.notes.bands + 16} bytes/row in all (${stats.notes.bands} bands × ${stats.notes.rows} rows). Whole run: ${stats.notes.candidate_pairs} candidate pairs, ${stats.notes.verified_pairs} verified, ${stats.notes.rejected_pairs} rejected by verification; dropped ${stats.dropped_total}.\n`,
);

// ---------- accuracy on a sample, brute force ----------
log('accuracy (brute force on a sample)…');
const S = Math.min(SAMPLE, docs.length);
const sampleFile = join(outDir, `dedup-near-sample-${DOCS}-${S}.ndjson`);
writeFileSync(
  sampleFile,
  `${docs
    .slice(0, S)
    .map((d) => JSON.stringify(d))
    .join('\n')}\n`,
);
const sets = docs.slice(0, S).map((d) => nd.shingle(d.text, opts).set);
const parent = Array.from({ length: S }, (_, i) => i);
const find = (x) => (parent[x] === x ? x : (parent[x] = find(parent[x])));
const truePairs = [];
for (let i = 0; i < S; i++)
  for (let j = i + 1; j < S; j++) {
    const jac = nd.jaccard(sets[i], sets[j]);
    if (jac >= THRESHOLD) {
      truePairs.push([i, j, jac]);
      const a = find(i);
      const b = find(j);
      if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
    }
  }
const oracleDropped = new Set();
for (let i = 0; i < S; i++) if (find(i) !== i) oracleDropped.add(i);
const marked = execFileSync(process.execPath, [bin, '--quiet', '--mark', sampleFile], { encoding: 'utf8', maxBuffer: 1 << 30 })
  .split('\n')
  .filter((l) => l !== '')
  .map((l) => JSON.parse(l).meta);
const cl = marked.map((m) => m.cluster);
const dropped = new Set();
for (const [i, m] of marked.entries()) if (m.dup_reason) dropped.add(i);
let tpDrop = 0;
for (const i of dropped) if (oracleDropped.has(i)) tpDrop++;
// Pairs: predicted = same cluster; true = J ≥ threshold (and, for precision, same oracle component).
let predPairs = 0;
let predInOracle = 0;
const byCluster = new Map();
for (const [i, c] of cl.entries()) byCluster.set(c, [...(byCluster.get(c) ?? []), i]);
for (const members of byCluster.values())
  for (let a = 0; a < members.length; a++)
    for (let b = a + 1; b < members.length; b++) {
      predPairs++;
      if (find(members[a]) === find(members[b])) predInOracle++;
    }
const strong = truePairs.filter(([, , j]) => j >= THRESHOLD + 0.05);
const strongFound = strong.filter(([i, j]) => cl[i] === cl[j]).length;
const allFound = truePairs.filter(([i, j]) => cl[i] === cl[j]).length;
p(`## Accuracy (threshold ${THRESHOLD}, first ${S} documents, all ${(S * (S - 1)) / 2} pairs by brute force)\n`);
p('| measure | value | goal |');
p('|---|---:|---|');
p(
  `| pair precision (pairs in one predicted cluster that are in one true component) | ${predPairs ? (predInOracle / predPairs).toFixed(4) : 'n/a'} (${predInOracle}/${predPairs}) | ≥ 0.99 |`,
);
p(`| pair recall, true Jaccard ≥ ${THRESHOLD + 0.05} | ${strong.length ? (strongFound / strong.length).toFixed(4) : 'n/a'} (${strongFound}/${strong.length}) | ≥ 0.95 |`);
p(`| pair recall, true Jaccard ≥ ${THRESHOLD} | ${truePairs.length ? (allFound / truePairs.length).toFixed(4) : 'n/a'} (${allFound}/${truePairs.length}) | |`);
p(`| dropped-row precision | ${dropped.size ? (tpDrop / dropped.size).toFixed(4) : 'n/a'} (${tpDrop}/${dropped.size}) | ≥ 0.99 |`);
p(`| dropped-row recall | ${oracleDropped.size ? (tpDrop / oracleDropped.size).toFixed(4) : 'n/a'} (${tpDrop}/${oracleDropped.size}) | |`);
const byEdit = new Map();
for (const t of truth) {
  if (t.b >= S) continue;
  const jac = nd.jaccard(sets[t.a], sets[t.b]);
  const e = byEdit.get(t.edit) ?? { n: 0, jac: 0, joined: 0, above: 0 };
  e.n++;
  e.jac += jac;
  if (jac >= THRESHOLD) e.above++;
  if (cl[t.a] === cl[t.b]) e.joined++;
  byEdit.set(t.edit, e);
}
p('\n| injected edit | pairs | mean true Jaccard | ≥ threshold | joined by dedup-near |');
p('|---|---:|---:|---:|---:|');
for (const [edit, e] of [...byEdit].sort()) p(`| ${edit} | ${e.n} | ${(e.jac / e.n).toFixed(3)} | ${e.above} | ${e.joined} |`);

// ---------- GPTeacher Toolformer ----------
const tfDir = join(dataDir, 'alpaca', 'gpteacher_toolformer');
if (existsSync(tfDir)) {
  log('toolformer…');
  const all = JSON.parse(readFileSync(join(tfDir, 'toolformer-dedupe-only-dataset.json'), 'utf8'));
  const tfFile = join(outDir, 'dedup-near-toolformer.ndjson');
  writeFileSync(tfFile, `${all.map((r) => JSON.stringify(r)).join('\n')}\n`);
  const key = (r) => `${r.instruction}\u0000${r.input}\u0000${r.output}`;
  p("\n## GPTeacher Toolformer: what dedup-near keeps vs the author's thinned files (7,673 rows)\n");
  p('| threshold | author kept | dedup-near kept (--fields instruction,input) | kept by both | same decision on | dedup-near kept (all three fields) | same decision on |');
  p('|---|---:|---:|---:|---:|---:|---:|');
  for (const t of ['0.6', '0.7', '0.8', '0.9']) {
    const author = new Set(JSON.parse(readFileSync(join(tfDir, `toolformer-similarity-${t}-dataset.json`), 'utf8')).map(key));
    const run = (fields) =>
      new Set(readNdjson_(execFileSync(process.execPath, [bin, '--quiet', '--threshold', t, '--fields', fields, tfFile], { encoding: 'utf8', maxBuffer: 1 << 30 })).map(key));
    const a = run('instruction,input');
    const b = run('instruction,input,output');
    const agree = (k) => all.filter((r) => author.has(key(r)) === k.has(key(r))).length;
    const both = all.filter((r) => author.has(key(r)) && a.has(key(r))).length;
    p(`| ${t} | ${author.size} | ${a.size} | ${both} | ${((agree(a) / all.length) * 100).toFixed(1)}% | ${b.size} | ${((agree(b) / all.length) * 100).toFixed(1)}% |`);
  }
}
function readNdjson_(text) {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

// ---------- GSM8K decontamination ----------
const gsm = join(dataDir, 'gsm8k');
if (existsSync(gsm)) {
  log('gsm8k…');
  const run = (input) => {
    const st = join(outDir, 'dedup-near-gsm.json');
    execFileSync(process.execPath, [bin, '--quiet', '--stats', st, '--fields', 'question', '--against', join(gsm, 'test.jsonl'), input], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return JSON.parse(readFileSync(st, 'utf8'));
  };
  const soc = run(join(gsm, 'test_socratic.jsonl'));
  const train = run(join(gsm, 'train.jsonl'));
  p('\n## GSM8K decontamination (--fields question --against gsm8k/test.jsonl)\n');
  p('| input | rows | flagged in_reference | goal |');
  p('|---|---:|---:|---|');
  p(`| test_socratic.jsonl | ${soc.read} | ${soc.dropped.in_reference ?? 0} | all |`);
  p(`| train.jsonl | ${train.read} | ${train.dropped.in_reference ?? 0} | none |`);
}
process.stdout.write(`${out.join('\n')}\n`);
