#!/usr/bin/env node
// The whole-pipeline figure: the final-dataset pipeline (examples/final-dataset, over the bench
// corpus' chat rows) run four ways on the same input in the same run, one after the other:
//   0. one shell pipe, one process tree (`to-chatml | normalize-encoding | … | manifest build`),
//      with each stage's CPU seconds and peak RSS (GNU time, where /usr/bin/time exists) — the
//      form issue 17's goal is stated in; with --base DIR also the same pipe with the tools of
//      another checkout (e.g. the previous commit in a worktree, built), in the same run;
//   1. single process: one command per stage, each reading the previous stage's file;
//   2. GNU parallel -j2 over named shards (--shards, default 2), in the sharded forms of
//      examples/parallel (dedup-exact keys -> partitions -> drops; dedup-near sign -> cluster ->
//      apply; curriculum-route counts -> plan -> select; manifest over the shard files), each job
//      running a shard's consecutive per-shard stages as one pipe (see parSteps);
//   3. the Python glue a team writes today (../shared/reference/pipeline_glue.py: ftfy,
//      sha256 exact dedup, datasketch MinHash-LSH, hash split by cluster), skipped, saying so,
//      when /usr/bin/python3 cannot import numpy.
// Fixed anchors on the same corpus in the same run: `cat`, `jq -c .`, the `ndjson` npm package
// pass-through and the project's floor (bench/passthrough.mjs). Wall time and CPU seconds of every
// single-process stage and every parallel step (the CPU of all the processes a step ran, GNU
// parallel's included); the pipe's and the parallel output are checked to be byte-identical to the
// single-process one. --no-glue skips the Python glue (~40 s). Not part of the tests.
//
//   node bench/pipeline.mjs [--size 32MB] [--shards 2] [--seed 1] [--data DIR] [--base DIR]
//   node bench/pipeline.mjs --pipe-only --size 10GB --out /big/disk   # the scale run of issue 17
//   node bench/pipeline.mjs --pairs 6 --base DIR   # paired runs of the one pipe, this checkout and DIR
//
// --pipe-only runs the one pipe alone (no anchors, stages, parallel or glue: at 10 GB those take
// hours), with TMPDIR inside the work folder and its size sampled every 2 s, and reports wall time,
// MB/s, each stage's CPU seconds and peak RSS, and the peak temporary disk. --out DIR puts the corpus
// and the work folder there instead of bench/out (a 10 GB run needs ~3x the corpus in free disk).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureCorpus, parseSize, sizeLabel } from './corpus.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '32MB' },
    quick: { type: 'boolean' },
    runs: { type: 'string', default: '1' },
    shards: { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    data: { type: 'string' },
    base: { type: 'string' },
    'pipe-only': { type: 'boolean' },
    pairs: { type: 'string' },
    'no-glue': { type: 'boolean' },
    out: { type: 'string' },
  },
  strict: false,
});
// One run per configuration (--runs is accepted from bench/all.mjs and ignored: a run is minutes).
const OUT = values.out ? resolve(values.out) : join(ROOT, 'bench', 'out');
const sizeBytes = parseSize(values.quick ? '20MB' : values.size);
const shards = Number(values.shards);
const dataDir = resolve(values.data ?? join(ROOT, '..', 'shared', 'data'));
mkdirSync(OUT, { recursive: true });
const corpus = ensureCorpus({ dataDir, outDir: OUT, sizeBytes, seed: Number(values.seed), log: (s) => process.stderr.write(`bench: ${s}\n`) });
const W = join(OUT, 'pipeline');
const loadBefore = (await import('node:os')).loadavg()[0].toFixed(1);
rmSync(W, { recursive: true, force: true });
mkdirSync(W, { recursive: true });
const config = join(W, 'curriculum.yaml');
// One SFT phase taking 80% of the chat rows (downsampled by hash), as the example's sft-foundation.
writeFileSync(config, `seed: 1\nmax_epochs: 1\nphases:\n  - name: sft\n    match: { kind: chat }\n    target: { rows: ${Math.round(corpus.meta.rows * 0.8 * 0.85)} }\n`);
// PARALLEL_SHELL: GNU parallel runs the jobs with bash, for their `set -o pipefail`.
const env = { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}`, LC_ALL: 'C', PARALLEL_SHELL: 'bash' };
const SPLIT = '--group-by meta.cluster --ratios train=0.8,val=0.1,test=0.1 --seed 11';
const CR = `--config ${config} --seed 11`;

function sh(cmd) {
  return shTimed(cmd).wall;
}

/** Run `cmd` in bash: { wall, cpu } in seconds, cpu = user+sys of every process it ran (bash's `times`). */
function shTimed(cmd) {
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', `set -euo pipefail; { ${cmd} ; } > /dev/null; times`], {
    cwd: W,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`${cmd}: exit ${r.status}\n${r.stderr}`);
  const wall = (performance.now() - t0) / 1000;
  // `times`: the shell's own user/sys, then its children's (e.g. "0m1.234s 0m0.056s").
  const children = r.stdout.trim().split('\n').pop() ?? '';
  const cpu = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((a, m) => a + Number(m[1]) * 60 + Number(m[2]), 0);
  return { wall, cpu };
}

const stages = [
  {
    name: 'to-chatml',
    one: `to-chatml -q ${corpus.file} > a/chatml.jsonl`,
  },
  {
    name: 'normalize-encoding',
    one: 'normalize-encoding -q a/chatml.jsonl > a/norm.jsonl',
  },
  {
    name: 'dedup-exact',
    one: 'dedup-exact -q a/norm.jsonl > a/unique.jsonl',
  },
  {
    name: 'dedup-near --mark',
    one: 'dedup-near -q --mark a/unique.jsonl > a/near.jsonl',
  },
  {
    name: 'split-holdout',
    one: `split-holdout -q ${SPLIT} a/near.jsonl > a/split.jsonl`,
  },
  {
    name: 'split-holdout check',
    one: 'split-holdout check -q --group-by meta.cluster --near a/split.jsonl',
  },
  {
    name: 'curriculum-route',
    one: `curriculum-route -q ${CR} a/split.jsonl > a/routed.jsonl`,
  },
  {
    name: 'manifest build + verify',
    one: 'manifest build -q -o a/dataset --single a/export.jsonl a/routed.jsonl && manifest verify -q a/dataset',
  },
];
// 2. GNU parallel -j2 over named shards, as few invocations as the data flow allows: a job runs a
// shard's consecutive per-shard stages as one pipe (or one after the other, where a stage must name
// its input file: dedup-near sign records the shard path that apply looks up), so each stage
// starts once per shard and no intermediate file is written that nothing reads again. As many
// shards as jobs (--shards, default 2 = -j2): on 2 cores more shards only add start-ups (every
// tool invocation costs 0.15-0.3 CPU-s before its first row: bench/startup.mjs). A job that reads
// a file passes --threads 1 (GNU parallel already fills the cores with jobs; a tool's default
// reading a file is a worker pool: dedup-exact --drops on a 32 MB shard took 1.03-1.45 CPU-s with
// it, 0.70-0.95 with --threads 1). Jobs reading a pipe get 1 by default (shared/ndjson pool.ts).
const S = Array.from({ length: shards }, (_, k) => `s${k}`);
const each = (f) => S.map(f).join(' ');
const PAR = `parallel --halt now,fail=1 -j2`;
const PARTS = 2;
const P = Array.from({ length: PARTS }, (_, k) => k);
const parSteps = [
  {
    name: 'split into shards',
    cmd: `split -n l/${shards} -d -a ${String(shards - 1).length} --additional-suffix=.jsonl ${corpus.file} b/in/s`,
  },
  {
    name: 'to-chatml | normalize-encoding | dedup-exact --keys-out (per shard)',
    cmd: `${PAR} 'set -o pipefail; to-chatml -q b/in/{}.jsonl | normalize-encoding -q | tee b/norm/{}.jsonl | dedup-exact -q --keys-out b/keys/{}.keys' ::: ${each((s) => s)}`,
  },
  {
    name: `dedup-exact --partition (${PARTS} partitions)`,
    cmd: `${PAR} 'dedup-exact -q --partition {}/${PARTS} --drops-dir b/drops ${each((s) => `b/keys/${s}.keys`)}' ::: ${P.join(' ')}`,
  },
  {
    name: 'dedup-exact --drops; dedup-near sign (per shard)',
    cmd: `${PAR} 'dedup-exact -q --threads 1 ${P.map((k) => `--drops b/drops/{}.p${k}.drops`).join(' ')} b/norm/{}.jsonl > b/unique/{}.jsonl && dedup-near sign -q --threads 1 b/unique/{}.jsonl > b/sign/{}.sign' ::: ${each((s) => s)}`,
  },
  { name: 'dedup-near cluster', cmd: `dedup-near cluster -q ${each((s) => `b/sign/${s}.sign`)} > b/assignment.ndjson` },
  {
    name: 'dedup-near apply --mark | split-holdout | curriculum-route --counts-out (per shard)',
    cmd: `${PAR} 'set -o pipefail; dedup-near apply -q --mark --assignment b/assignment.ndjson b/unique/{}.jsonl | split-holdout -q --threads 1 ${SPLIT} | tee b/split/{}.jsonl | curriculum-route -q ${CR} --counts-out b/counts/{}.counts' ::: ${each((s) => s)}`,
  },
  { name: 'split-holdout check', cmd: `split-holdout check -q --group-by meta.cluster --near ${each((s) => `b/split/${s}.jsonl`)}` },
  { name: 'curriculum-route --plan-out', cmd: `curriculum-route -q ${CR} --plan-out b/plan.bin ${each((s) => `b/counts/${s}.counts`)}` },
  { name: 'curriculum-route --plan (per shard)', cmd: `${PAR} 'curriculum-route -q ${CR} --plan b/plan.bin b/split/{}.jsonl > b/routed/{}.jsonl' ::: ${each((s) => s)}` },
  {
    name: 'manifest build + verify',
    cmd: `manifest build -q -o b/dataset --single b/export.jsonl ${each((s) => `b/routed/${s}.jsonl`)} && manifest verify -q b/dataset`,
  },
];
// 0. The one-process-tree pipe, the same stages and flags as the single-process form below.
const TIME = spawnSync('/usr/bin/time', ['-f', '%e', 'true'], { stdio: 'ignore' }).status === 0;
const PIPE_STAGES = [
  ['to-chatml', `to-chatml -q ${corpus.file}`],
  ['normalize-encoding', 'normalize-encoding -q'],
  ['dedup-exact', 'dedup-exact -q'],
  ['dedup-near --mark', 'dedup-near -q --mark'],
  ['split-holdout', `split-holdout -q ${SPLIT}`],
  ['curriculum-route', `curriculum-route -q ${CR}`],
  ['manifest build', 'manifest build -q -o DIR/dataset --single DIR/export.jsonl'],
];
function runPipe(binDir, dir, prefix = '') {
  sh(`rm -rf ${dir} && mkdir -p ${dir}`);
  const cmd = PIPE_STAGES.map(([, c], k) => {
    const full = `${binDir}/${c.replaceAll('DIR', dir)}`;
    return TIME ? `/usr/bin/time -o ${dir}/t${k} -f '%e %U %S %M' ${full}` : full;
  }).join(' | ');
  const wall = sh(prefix + cmd);
  const stages = PIPE_STAGES.map(([name], k) => {
    if (!TIME) return { name };
    const [stageWall, user, sys, rss] = readFileSync(join(W, dir, `t${k}`), 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    return { name, wall: stageWall, cpu: user + sys, rssMb: rss / 1024 };
  });
  return { wall, stages };
}
const BIN = join(ROOT, 'node_modules', '.bin');
process.stderr.write('bench: one pipe\n');
sh(`cat ${corpus.file} > /dev/null`);
if (values['pipe-only']) {
  // Temporary files of the tools (dedup-near's and curriculum-route's spools, manifest's staging)
  // go to p-tmp, sampled every 2 s by a background loop of the same shell.
  const tmp = join(W, 'p-tmp');
  mkdirSync(tmp, { recursive: true });
  env.TMPDIR = tmp;
  const du = join(W, 'du.log');
  const t0 = performance.now();
  const p = runPipe(BIN, 'p', `( while sleep 2; do du -sb ${tmp} ${join(W, 'p')} | awk '{s+=$1} END {print s}' >> ${du}; done ) & S=$!; trap 'kill $S' EXIT; `);
  const wall = (performance.now() - t0) / 1000;
  const peak = Math.max(0, ...readFileSync(du, 'utf8').split('\n').filter(Boolean).map(Number));
  const out = spawnSync('wc', ['-l', join(W, 'p', 'export.jsonl')], { encoding: 'utf8' }).stdout.split(' ')[0];
  const f = (x) => x.toFixed(1);
  const text = [
    `final-dataset pipeline, one shell pipe, on the ${sizeLabel(sizeBytes)} bench corpus (${corpus.meta.rows} chat rows, ${(corpus.meta.bytes / 1e9).toFixed(2)} GB), Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z, load average before ${loadBefore}, after ${(await import('node:os')).loadavg()[0].toFixed(1)}`,
    '',
    `**${f(wall)} s (${(wall / 60).toFixed(1)} min), ${(corpus.meta.bytes / 1e6 / wall).toFixed(1)} MB/s**; ${out} rows exported; peak disk of the work folder and temporary files ${(peak / 1e9).toFixed(1)} GB.`,
    '',
    '| stage | wall s | CPU s (user+sys) | peak RSS MB |',
    '| --- | ---: | ---: | ---: |',
    ...p.stages.map((st) => `| ${st.name} | ${f(st.wall)} | ${f(st.cpu)} | ${st.rssMb.toFixed(0)} |`),
    `| **all stages** | | **${f(p.stages.reduce((a, st) => a + st.cpu, 0))}** | |`,
  ];
  process.stdout.write(`${text.join('\n')}\n`);
  process.exit(0);
}
if (values.pairs) {
  // Paired runs: the one pipe of this checkout and of --base, N times each, alternating (ABBA...),
  // so that drift of the machine over the series falls on both; medians and ranges of wall and
  // CPU seconds, and the export checked byte-identical across all runs.
  if (!values.base) throw new Error('--pairs N needs --base DIR (the other checkout, built)');
  const n = Number(values.pairs);
  const builds = [
    ['this checkout', BIN],
    [values.base, join(resolve(values.base), 'node_modules', '.bin')],
  ];
  const res = builds.map(() => []);
  const digests = new Set();
  for (let i = 0; i < n; i++) {
    for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
      process.stderr.write(`bench: pair ${i + 1}/${n}: ${builds[k][0]}\n`);
      const dir = `pair${k}`;
      const p = runPipe(builds[k][1], dir);
      res[k].push({ wall: p.wall, cpu: p.stages.reduce((a, st) => a + (st.cpu ?? Number.NaN), 0) });
      digests.add(
        createHash('sha256')
          .update(readFileSync(join(W, dir, 'export.jsonl')))
          .digest('hex'),
      );
    }
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const f = (x) => x.toFixed(2);
  const row = (k) => {
    const w = res[k].map((r) => r.wall);
    const c = res[k].map((r) => r.cpu);
    return `| ${builds[k][0]} | ${f(med(w))} | ${f(Math.min(...w))}–${f(Math.max(...w))} | ${f(med(c))} |`;
  };
  const text = [
    `final-dataset pipeline, one shell pipe, ${n} paired runs on the ${sizeLabel(sizeBytes)} bench corpus (${corpus.meta.rows} chat rows), Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z, load average before ${loadBefore}`,
    '',
    '| build | wall s, median (lower median) | wall s, range | CPU s of the stages, median |',
    '| --- | ---: | ---: | ---: |',
    row(0),
    row(1),
    '',
    `This checkout ÷ base, by median wall time: ${(med(res[1].map((r) => r.wall)) / med(res[0].map((r) => r.wall))).toFixed(2)}x; exports ${digests.size === 1 ? 'byte-identical in every run' : `DIFFER (${digests.size} distinct)`}.`,
  ];
  process.stdout.write(`${text.join('\n')}\n`);
  process.exit(digests.size === 1 ? 0 : 1);
}
const pipe = runPipe(BIN, 'p');
let basePipe;
if (values.base) {
  process.stderr.write(`bench: one pipe with ${values.base}\n`);
  basePipe = runPipe(join(resolve(values.base), 'node_modules', '.bin'), 'pbase');
}
// Anchors: fixed tools over the same corpus, each writing to /dev/null.
const anchors = [
  ['cat', `cat ${corpus.file} > /dev/null`],
  ['ldt floor (bench/passthrough.mjs)', `node ${join(ROOT, 'bench', 'passthrough.mjs')} ${corpus.file} > /dev/null`],
  ['ndjson package pass-through', `node ${join(ROOT, 'bench', 'ndjson-baseline.mjs')} ${corpus.file} > /dev/null`],
];
if (spawnSync('jq', ['--version'], { stdio: 'ignore' }).status === 0) anchors.push(['jq -c .', `jq -c . ${corpus.file} > /dev/null`]);
const anchorTimes = anchors.map(([name, cmd]) => {
  process.stderr.write(`bench: anchor ${name}\n`);
  return { name, t: sh(cmd) };
});

sh(`mkdir -p a b/in ${['norm', 'keys', 'drops', 'unique', 'sign', 'split', 'counts', 'routed'].map((d) => `b/${d}`).join(' ')}`);
sh(`cat ${corpus.file} > /dev/null`);
const times = stages.map((s) => {
  process.stderr.write(`bench: ${s.name}\n`);
  return { name: s.name, ...shTimed(s.one) };
});
const parTimes = parSteps.map((s) => {
  process.stderr.write(`bench: parallel: ${s.name}\n`);
  return { name: s.name, ...shTimed(s.cmd) };
});
const identical = spawnSync('cmp', ['-s', 'a/export.jsonl', 'b/export.jsonl'], { cwd: W }).status === 0;
const pipeIdentical = spawnSync('cmp', ['-s', 'a/export.jsonl', 'p/export.jsonl'], { cwd: W }).status === 0;
const rows = readFileSync(join(W, 'a', 'export.jsonl'), 'utf8').split('\n').length - 1;

// The Python glue on the same input: its input is chat rows, so it reads to-chatml's output
// (the corpus rows are OpenAI-style already; to-chatml only adds meta.format).
const py = values['no-glue'] ? { status: 1 } : spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' });
const refDir = join(ROOT, '..', 'shared', 'reference');
let glue;
if (py.status === 0) {
  process.stderr.write('bench: python glue\n');
  const timed = TIME ? `/usr/bin/time -o glue.time -f '%U %S' ` : '';
  const t = sh(`PYTHONPATH=${refDir}/datasketch:${refDir}/ftfy ${timed}/usr/bin/python3 ${refDir}/pipeline_glue.py ${corpus.file} glue.jsonl`);
  const cpu = TIME
    ? readFileSync(join(W, 'glue.time'), 'utf8')
        .trim()
        .split(/\s+/)
        .map(Number)
        .reduce((a, b) => a + b, 0)
    : undefined;
  glue = { t, cpu, rows: readFileSync(join(W, 'glue.jsonl'), 'utf8').split('\n').length - 1 };
}

const sum = (ts, k) => ts.reduce((a, t) => a + t[k], 0);
const one = sum(times, 'wall');
const par = sum(parTimes, 'wall');
const f = (x) => x.toFixed(2);
const mbs = (t) => (corpus.meta.bytes / 2 ** 20 / t).toFixed(1);
const lines = [
  `final-dataset pipeline on the ${sizeLabel(sizeBytes)} bench corpus (${corpus.meta.rows} chat rows, ${(corpus.meta.bytes / 2 ** 20).toFixed(1)} MiB), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, load average before the run ${loadBefore}`,
  '',
  '### One shell pipe (one process tree)',
  '',
  `\`to-chatml | normalize-encoding | dedup-exact | dedup-near --mark | split-holdout | curriculum-route | manifest build\`: **${f(pipe.wall)} s, ${mbs(pipe.wall)} MB/s**${glue ? `, **${(glue.t / pipe.wall).toFixed(2)}x the Python glue**` : ''}; export ${pipeIdentical ? 'byte-identical to' : 'DIFFERENT from'} the stage-by-stage run.`,
  '',
  ...(TIME
    ? [
        `| stage | CPU s (user+sys) | peak RSS MB |${basePipe ? ' base CPU s | base peak RSS MB |' : ''}`,
        `| --- | ---: | ---: |${basePipe ? ' ---: | ---: |' : ''}`,
        ...pipe.stages.map(
          (st, k) => `| ${st.name} | ${f(st.cpu)} | ${st.rssMb.toFixed(0)} |${basePipe ? ` ${f(basePipe.stages[k].cpu)} | ${basePipe.stages[k].rssMb.toFixed(0)} |` : ''}`,
        ),
        `| **all stages** | **${f(pipe.stages.reduce((a, st) => a + st.cpu, 0))}** | |${basePipe ? ` **${f(basePipe.stages.reduce((a, st) => a + st.cpu, 0))}** | |` : ''}`,
        '',
      ]
    : []),
  ...(basePipe
    ? [`The same pipe with the tools of ${values.base}: ${f(basePipe.wall)} s, ${mbs(basePipe.wall)} MB/s; this checkout is ${(basePipe.wall / pipe.wall).toFixed(2)}x faster.`, '']
    : []),
  'Anchors on the same corpus in the same run (to /dev/null):',
  '',
  '| command | s | MB/s | pipe MB/s ÷ anchor MB/s |',
  '| --- | ---: | ---: | ---: |',
  ...anchorTimes.map((a) => `| ${a.name} | ${f(a.t)} | ${mbs(a.t)} | ${(a.t / pipe.wall).toFixed(3)} |`),
  '',
  '### Stage by stage over files, and GNU parallel',
  '',
  '| single process: stage | s | CPU s (user+sys) |',
  '| --- | ---: | ---: |',
  ...times.map((t) => `| ${t.name} | ${f(t.wall)} | ${f(t.cpu)} |`),
  `| **whole pipeline** | **${f(one)}** | **${f(sum(times, 'cpu'))}** |`,
  '',
  `| GNU parallel -j2, ${shards} shards: step | s | CPU s (user+sys) |`,
  '| --- | ---: | ---: |',
  ...parTimes.map((t) => `| ${t.name.replaceAll('|', '\\|')} | ${f(t.wall)} | ${f(t.cpu)} |`),
  `| **whole pipeline** | **${f(par)}** | **${f(sum(parTimes, 'cpu'))}** |`,
  '',
  `GNU parallel -j2 is ${(one / par).toFixed(2)}x the single process by wall time.`,
  '',
  `Output: ${rows} rows; the parallel export is ${identical ? 'byte-identical to' : 'DIFFERENT from'} the single-process one.`,
  glue
    ? `Python glue (pipeline_glue.py: ftfy, sha256 dedup, datasketch LSH, split; no curriculum, no manifest) on the same input: ${f(glue.t)} s, ${glue.rows} rows out. ldt one pipe ${(glue.t / pipe.wall).toFixed(2)}x faster, stage by stage ${(glue.t / one).toFixed(2)}x, parallel -j2 ${(glue.t / par).toFixed(2)}x.`
    : values['no-glue']
      ? 'Python glue: skipped (--no-glue).'
      : 'Python glue: skipped (/usr/bin/python3 cannot import numpy; apt-get install python3-numpy python3-scipy python3-wcwidth).',
];
process.stdout.write(`${lines.join('\n')}\n`);
writeFileSync(join(OUT, 'pipeline.md'), `${lines.join('\n')}\n`);
