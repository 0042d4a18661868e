#!/usr/bin/env node
// Fixed per-stage cost (issue 17): what every tool pays before its first row, which a pipe of
// seven stages pays seven times. Per tool, CPU seconds (user+sys) and wall time of
//   --version            argument parsing and the tool's module graph up to the version check;
//   empty                an empty stdin (everything a run loads, no rows);
//   tiny (stdin)         20 chat rows (examples/chat.ndjson) on stdin;
//   tiny (FILE)          the same rows as a FILE argument (tools may choose another plan for files);
// against `node -e 0` in the same run, median of N runs after one warm-up, the commands
// interleaved so background load hits them alike. Timed with bash's `time` (ms resolution; the
// CPU of the tool's whole process, worker threads included).
//
// Two forms: the workspace build (`node tools/T/bin/T.js`, what the repository's bins run) and,
// with --dist, the bundled package (scripts/dist.mjs: one esbuild bundle per tool) installed with
// `npm install -g --prefix` into a temporary folder (needs the npm registry for the dependencies).
//
//   node bench/startup.mjs [--runs 7] [--dist] [--tools a,b] [--json FILE]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    dist: { type: 'boolean' },
    tools: { type: 'string' },
    json: { type: 'string' },
  },
});
const RUNS = Number(values.runs);
const log = (s) => process.stderr.write(`bench/startup: ${s}\n`);

const work = mkdtempSync(join(tmpdir(), 'ldt-bench-startup-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const tiny = join(work, 'tiny.ndjson');
writeFileSync(
  tiny,
  `${readFileSync(join(ROOT, 'examples', 'chat.ndjson'), 'utf8')
    .split('\n')
    .slice(0, 20)
    .join('\n')}\n`,
);
const config = join(work, 'curriculum.yaml');
writeFileSync(config, 'seed: 1\nmax_epochs: 1\nphases:\n  - name: sft\n    match: { kind: chat }\n    target: { rows: 10 }\n');

// Each tool's arguments for a run over rows (those of bench/pipeline.mjs where it has them);
// null: the tool has no NDJSON-input form to time (hf-fetch reads a dataset folder).
let outSeq = 0;
const ARGS = {
  'to-chatml': () => ['-q'],
  'normalize-encoding': () => ['-q'],
  'redact-pii': () => ['-q'],
  'dedup-exact': () => ['-q'],
  'dedup-near': () => ['-q', '--mark'],
  'split-holdout': () => ['-q', '--ratios', 'train=0.8,val=0.1,test=0.1', '--seed', '11'],
  'curriculum-route': () => ['-q', '--config', config, '--seed', '11'],
  shuffle: () => ['-q', '--seed', '1'],
  manifest: () => ['build', '-q', '-o', join(work, `m${outSeq++}`)],
  'hf-fetch': null,
};
const allTools = readdirSync(join(ROOT, 'tools')).filter((t) => t in ARGS);
const tools = values.tools ? values.tools.split(',') : allTools;

function q(s) {
  return `'${String(s).replaceAll("'", "'\\''")}'`;
}

/** One timed run: { wall, cpu } in seconds, from bash's `time` of the command alone. */
function timed(argv, stdin) {
  const cmd = `${argv.map(q).join(' ')} < ${q(stdin)} > /dev/null 2> ${q(join(work, 'stderr'))}`;
  const r = spawnSync('bash', ['-c', `TIMEFORMAT='%R %U %S'; { time ${cmd} ; } 2>&1`], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`${argv.join(' ')} < ${stdin}: exit ${r.status}\n${r.stdout}${readFileSync(join(work, 'stderr'), 'utf8')}`);
  }
  const [wall, user, sys] = r.stdout.trim().split(/\s+/).slice(-3).map(Number);
  return { wall, cpu: user + sys };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
};

// The forms: name → (tool) => argv prefix.
const forms = [['workspace', (t) => [process.execPath, join(ROOT, 'tools', t, 'bin', `${t}.js`)]]];
if (values.dist) {
  log('building the tarball (scripts/dist.mjs) and installing it with npm install -g --prefix');
  const must = (cmd, args) => {
    const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) {
      log(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
      process.exit(1);
    }
  };
  must(process.execPath, [join(ROOT, 'scripts', 'dist.mjs'), '--out', join(work, 'build')]);
  const tgz = readdirSync(join(work, 'build')).find((f) => f.endsWith('.tgz'));
  must('npm', ['install', '-g', '--prefix', join(work, 'prefix'), '--no-audit', '--no-fund', '--loglevel=error', join(work, 'build', tgz)]);
  const pkg = join(work, 'prefix', 'lib', 'node_modules', 'ldt-tools');
  forms.push(['bundled', (t) => [process.execPath, join(pkg, 'bin', `${t}.js`)]]);
}

const empty = join(work, 'empty.ndjson');
writeFileSync(empty, '');
// Cases per tool: name → argv builder (the input is given separately).
const cases = [
  ['--version', (pre) => [...pre, '--version'], empty],
  ['empty', (pre, t) => [...pre, ...ARGS[t]()], empty],
  ['tiny (stdin)', (pre, t) => [...pre, ...ARGS[t]()], tiny],
  ['tiny (FILE)', (pre, t) => [...pre, ...ARGS[t](), tiny], empty],
];

// The jobs, interleaved: each round runs every (form, tool, case) once, and `node -e 0`.
const jobs = [{ key: 'node -e 0', argv: () => [process.execPath, '-e', '0'], stdin: empty }];
for (const [form, pre] of forms) {
  for (const t of tools) {
    for (const [c, argv, stdin] of cases) {
      if (c !== '--version' && !ARGS[t]) continue;
      jobs.push({ key: `${form}\t${t}\t${c}`, argv: () => argv(pre(t), t), stdin });
    }
  }
}
const samples = new Map(jobs.map((j) => [j.key, []]));
for (let round = 0; round <= RUNS; round++) {
  log(`round ${round}/${RUNS}${round === 0 ? ' (warm-up)' : ''}`);
  for (const j of jobs) {
    const s = timed(j.argv(), j.stdin);
    if (round > 0) samples.get(j.key).push(s);
  }
}
const stat = (key) => {
  const xs = samples.get(key);
  return xs ? { cpu: median(xs.map((x) => x.cpu)), wall: median(xs.map((x) => x.wall)) } : undefined;
};
const base = stat('node -e 0');
const f = (x) => (x === undefined ? '' : x.toFixed(3));
const lines = [
  `Start-up per tool, Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z, median of ${RUNS} runs (CPU s = user+sys of the tool's process; wall s)`,
  '',
  `\`node -e 0\`: ${f(base.cpu)} CPU s, ${f(base.wall)} s wall.`,
  '',
];
const result = { node: base, forms: {} };
for (const [form] of forms) {
  lines.push(`${form}:`, '', `| tool | ${cases.map(([c]) => `${c} CPU s | wall s`).join(' | ')} |`, `| --- |${' ---: | ---: |'.repeat(cases.length)}`);
  result.forms[form] = {};
  for (const t of tools) {
    const row = cases.map(([c]) => stat(`${form}\t${t}\t${c}`));
    result.forms[form][t] = Object.fromEntries(cases.map(([c], k) => [c, row[k]]));
    lines.push(`| ${t} | ${row.map((s) => `${f(s?.cpu)} | ${f(s?.wall)}`).join(' | ')} |`);
  }
  const sumOver = (c) => tools.reduce((a, t) => a + (stat(`${form}\t${t}\t${c}`)?.cpu ?? 0), 0);
  lines.push(`| **sum** | ${cases.map(([c]) => `**${f(sumOver(c))}** |`).join(' | ')} |`, '');
}
process.stdout.write(`${lines.join('\n')}\n`);
if (values.json) {
  mkdirSync(join(values.json, '..'), { recursive: true });
  writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
}
