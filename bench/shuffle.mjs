#!/usr/bin/env node
// Benchmark of shuffle (issue 5), not part of the tests. Measures on the bench corpus (bench/corpus.mjs):
//   - the floor (bench/passthrough.mjs) for reference,
//   - GNU shuf FILE (holds everything in memory),
//   - shuffle in memory (--memory large enough for the file),
//   - shuffle external with --memory 128M (sorted runs in bench/out/tmp, k-way merge),
// and checks the goals: in memory within 2x of shuf; external peak RSS < 256 MB and within 3x of in memory.
// Output goes to a pipe read by `cat > /dev/null`; wall time is the best of --runs; peak RSS is GNU time %M.
//
//   node bench/shuffle.mjs                 # 1 GB corpus (generated on first use), best of 3
//   node bench/shuffle.mjs --quick         # 20 MB, 1 run
//   node bench/shuffle.mjs --size 256MB --runs 2

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureCorpus, parseSize, sizeLabel } from './corpus.mjs';
import { timeCommand } from './timing.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'bench', 'out');
const MB = 2 ** 20;
const TIME = '/usr/bin/time';

const { values: opts } = parseArgs({
  options: {
    size: { type: 'string' },
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    seed: { type: 'string', default: '1' },
    data: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write('Usage: node bench/shuffle.mjs [--size SIZE | --quick] [--runs N] [--seed N] [--data DIR]\n');
  process.exit(0);
}
const sizeBytes = parseSize(opts.size ?? (opts.quick ? '20MB' : '1GB'));
const runs = Number(opts.runs ?? (opts.quick ? 1 : 3));
const seed = Number(opts.seed);
const dataDir = opts.data ? resolve(opts.data) : resolve(ROOT, '..', 'shared', 'data');
const log = (s) => process.stderr.write(`${s}\n`);
for (const need of ['tools/shuffle/dist/src/cli.js', 'node_modules/.bin/shuffle', 'shared/ndjson/dist/src/index.js']) {
  if (!existsSync(join(ROOT, need))) {
    log(`bench/shuffle: ${need} is missing; build first (pnpm install && pnpm build)`);
    process.exit(1);
  }
}
if (!existsSync(TIME)) {
  log(`bench/shuffle: ${TIME} (GNU time) is needed for peak RSS`);
  process.exit(1);
}
mkdirSync(OUT, { recursive: true });
const corpus = ensureCorpus({ dataDir, outDir: OUT, sizeBytes, seed, log: (s) => log(`bench/shuffle: ${s}`) });
const FILE = relative(ROOT, corpus.file);
const TMP = join(OUT, 'tmp');
mkdirSync(TMP, { recursive: true });
const q = (s) => `'${s.replaceAll("'", "'\\''")}'`;
const inMemory = `${Math.ceil((corpus.meta.bytes * 1.5) / MB) + 64}MiB`;
const hasShuf = spawnSync('sh', ['-c', 'command -v shuf'], { stdio: 'ignore' }).status === 0;

const COMMANDS = [
  { id: 'floor', label: 'floor: ldt readRows → LineWriter', cmd: `node bench/passthrough.mjs ${q(FILE)}` },
  ...(hasShuf ? [{ id: 'shuf', label: 'GNU shuf FILE', cmd: `shuf ${q(FILE)}` }] : []),
  { id: 'memory', label: `shuffle --memory ${inMemory} (in memory)`, cmd: `node_modules/.bin/shuffle --quiet --seed 1 --memory ${inMemory} ${q(FILE)}` },
  { id: 'external', label: 'shuffle --memory 128M (external)', cmd: `node_modules/.bin/shuffle --quiet --seed 1 --memory 128M --tmp-dir ${q(relative(ROOT, TMP))} ${q(FILE)}` },
];

spawnSync('cat', [corpus.file], { stdio: ['ignore', 'ignore', 'inherit'] });
const res = new Map(COMMANDS.map((c) => [c.id, { ...c, times: [], rss: [], cpu: [] }]));
for (let r = 0; r < runs; r++) {
  for (const c of COMMANDS) {
    const m = await timeCommand(c.cmd, { cwd: ROOT, outDir: OUT, tag: 'shuffle' });
    res.get(c.id).times.push(m.wall);
    res.get(c.id).rss.push(m.rss_kb);
    res.get(c.id).cpu.push(m.cpu);
    log(`bench/shuffle: run ${r + 1}/${runs} ${c.id.padEnd(9)} ${m.wall.toFixed(2)} s ${(m.rss_kb / 1024).toFixed(0)} MB RSS`);
  }
}
// Reproducibility across --memory (a correctness check beside the timing).
const sum = (args) =>
  spawnSync('bash', ['-c', `set -o pipefail; node_modules/.bin/shuffle --quiet --seed 1 ${args} ${q(FILE)} | md5sum`], { cwd: ROOT, encoding: 'utf8' }).stdout.split(' ')[0];
const same = sum(`--memory ${inMemory}`) === sum(`--memory 128M --tmp-dir ${q(relative(ROOT, TMP))}`);
const leftovers = spawnSync('sh', ['-c', `ls -A ${q(TMP)} | wc -l`], { encoding: 'utf8' }).stdout.trim();

const rows = COMMANDS.map((c) => {
  const x = res.get(c.id);
  const best = Math.min(...x.times);
  return { ...c, best, mbps: corpus.meta.bytes / MB / best, rss: Math.max(...x.rss) / 1024, cpu: Math.min(...x.cpu) };
});
const by = Object.fromEntries(rows.map((r) => [r.id, r]));
const f = (x, d = 1) => (x === undefined ? 'n/a' : x.toFixed(d));
const table = [
  '| command | MB/s | seconds | CPU s (user+sys) | peak RSS MB | vs floor | vs shuf |',
  '|---|--:|--:|--:|--:|--:|--:|',
  ...rows.map(
    (r) =>
      `| \`${r.label}\` | ${f(r.mbps)} | ${f(r.best, 2)} | ${f(r.cpu, 2)} | ${f(r.rss)} | ${f(r.mbps / by.floor.mbps, 2)}× | ${by.shuf ? `${f(r.mbps / by.shuf.mbps, 2)}×` : 'n/a'} |`,
  ),
].join('\n');
const goal = (ok, text) => `- **${ok === undefined ? 'N/A' : ok ? 'PASS' : 'FAIL'}** ${text}`;
const memVsShuf = by.shuf ? by.memory.best / by.shuf.best : undefined;
const extVsMem = by.external.best / by.memory.best;
const goals = [
  goal(
    memVsShuf === undefined ? undefined : memVsShuf <= 2,
    `shuffle in memory within 2× of GNU shuf: ${f(by.memory.best, 2)} s vs ${f(by.shuf?.best, 2)} s = ${f(memVsShuf, 2)}× the time`,
  ),
  goal(by.external.rss < 256, `external shuffle --memory 128M peak RSS < 256 MB: ${f(by.external.rss)} MB`),
  goal(extVsMem <= 3, `external within 3× of in memory: ${f(by.external.best, 2)} s vs ${f(by.memory.best, 2)} s = ${f(extVsMem, 2)}×`),
  goal(same, `same output in memory and external (md5 of stdout): ${same ? 'identical' : 'DIFFERENT'}`),
  goal(leftovers === '0', `no temporary files left in ${relative(ROOT, TMP)}: ${leftovers} entries`),
];
process.stdout.write(
  `# shuffle benchmark\n\nCorpus: ${FILE}, ${f(corpus.meta.bytes / MB)} MB, ${corpus.meta.rows.toLocaleString('en-US')} rows (${sizeLabel(sizeBytes)}, seed ${seed}); best of ${runs}; output | cat > /dev/null; Node ${process.version}; ${new Date().toISOString()}\n\n${table}\n\n${goals.join('\n')}\n`,
);
