#!/usr/bin/env node
// Benchmark of split-holdout (issue 5), not part of the tests. On the bench corpus (bench/corpus.mjs)
// it times the floor (bench/passthrough.mjs), split-holdout with the default group (content),
// with --group-by id, with a hard holdout (two passes), and split-holdout check over its own
// output, and checks the goal: split-holdout ≥ 0.8× the pass-through floor.
// Output goes to a pipe read by `cat > /dev/null`; wall time is the best of --runs; peak RSS is GNU time %M.
//
//   node bench/split-holdout.mjs                 # 256 MB corpus, best of 3
//   node bench/split-holdout.mjs --quick         # 20 MB, 1 run

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureCorpus, parseSize, sizeLabel } from './corpus.mjs';
import { timeCommand } from './timing.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'bench', 'out');
const MB = 2 ** 20;
const TIME = '/usr/bin/time';
const BIN = 'node_modules/.bin/split-holdout';

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
  process.stdout.write('Usage: node bench/split-holdout.mjs [--size SIZE | --quick] [--runs N] [--seed N] [--data DIR]\n');
  process.exit(0);
}
const sizeBytes = parseSize(opts.size ?? (opts.quick ? '20MB' : '256MB'));
const runs = Number(opts.runs ?? (opts.quick ? 1 : 3));
const seed = Number(opts.seed);
const dataDir = opts.data ? resolve(opts.data) : resolve(ROOT, '..', 'shared', 'data');
const log = (s) => process.stderr.write(`${s}\n`);
for (const need of ['tools/split-holdout/dist/src/cli.js', BIN, 'shared/ndjson/dist/src/index.js']) {
  if (!existsSync(join(ROOT, need))) {
    log(`bench/split-holdout: ${need} is missing; build first (pnpm install && pnpm build)`);
    process.exit(1);
  }
}
if (!existsSync(TIME)) {
  log(`bench/split-holdout: ${TIME} (GNU time) is needed for peak RSS`);
  process.exit(1);
}
mkdirSync(OUT, { recursive: true });
const corpus = ensureCorpus({ dataDir, outDir: OUT, sizeBytes, seed, log: (s) => log(`bench/split-holdout: ${s}`) });
const FILE = relative(ROOT, corpus.file);
const q = (s) => `'${s.replaceAll("'", "'\\''")}'`;
const SPLIT_FILE = join(OUT, `split-${sizeLabel(sizeBytes)}.ndjson`);
spawnSync('bash', ['-c', `${BIN} --quiet ${q(FILE)} > ${q(SPLIT_FILE)}`], { cwd: ROOT, stdio: 'inherit' });
// The usual pipeline: dedup-exact first, so rows carry meta.content_hash (the default group key then).
const HASHED_FILE = join(OUT, `dedup-${sizeLabel(sizeBytes)}.ndjson`);
const hasDedup = existsSync(join(ROOT, 'node_modules/.bin/dedup-exact'));
if (hasDedup) spawnSync('bash', ['-c', `node_modules/.bin/dedup-exact --quiet ${q(FILE)} > ${q(HASHED_FILE)}`], { cwd: ROOT, stdio: 'inherit' });

const COMMANDS = [
  { id: 'floor', label: 'floor: ldt readRows → LineWriter', cmd: `node bench/passthrough.mjs ${q(FILE)}` },
  { id: 'split', label: 'split-holdout FILE (group = content)', cmd: `${BIN} --quiet ${q(FILE)}` },
  ...(hasDedup
    ? [
        { id: 'floor-hashed', label: 'floor on dedup-exact output', cmd: `node bench/passthrough.mjs ${q(relative(ROOT, HASHED_FILE))}` },
        { id: 'split-hashed', label: 'split-holdout on dedup-exact output (group = meta.content_hash)', cmd: `${BIN} --quiet ${q(relative(ROOT, HASHED_FILE))}` },
      ]
    : []),
  { id: 'split-id', label: 'split-holdout --group-by id FILE', cmd: `${BIN} --quiet --group-by id ${q(FILE)}` },
  { id: 'holdout', label: 'split-holdout --holdout id=bench-7 (two passes)', cmd: `${BIN} --quiet --holdout id=bench-7 ${q(FILE)}` },
  { id: 'check', label: 'split-holdout check (its own output)', cmd: `${BIN} check --quiet ${q(relative(ROOT, SPLIT_FILE))}` },
];

spawnSync('cat', [corpus.file], { stdio: ['ignore', 'ignore', 'inherit'] });
const res = new Map(COMMANDS.map((c) => [c.id, { ...c, times: [], rss: [], cpu: [] }]));
for (let r = 0; r < runs; r++) {
  for (const c of COMMANDS) {
    const m = await timeCommand(c.cmd, { cwd: ROOT, outDir: OUT, tag: 'split-holdout' });
    res.get(c.id).times.push(m.wall);
    res.get(c.id).rss.push(m.rss_kb);
    res.get(c.id).cpu.push(m.cpu);
    log(`bench/split-holdout: run ${r + 1}/${runs} ${c.id.padEnd(9)} ${m.wall.toFixed(2)} s ${(m.rss_kb / 1024).toFixed(0)} MB RSS`);
  }
}
rmSync(SPLIT_FILE, { force: true });
rmSync(HASHED_FILE, { force: true });

const rows = COMMANDS.map((c) => {
  const x = res.get(c.id);
  const best = Math.min(...x.times);
  return { ...c, best, mbps: corpus.meta.bytes / MB / best, rss: Math.max(...x.rss) / 1024, cpu: Math.min(...x.cpu) };
});
const by = Object.fromEntries(rows.map((r) => [r.id, r]));
const f = (x, d = 1) => (x === undefined ? 'n/a' : x.toFixed(d));
const table = [
  '| command | MB/s | seconds | CPU s (user+sys) | peak RSS MB | ratio to floor (wall) | ratio to floor (CPU) |',
  '|---|--:|--:|--:|--:|--:|--:|',
  ...rows.map((r) => `| \`${r.label}\` | ${f(r.mbps)} | ${f(r.best, 2)} | ${f(r.cpu, 2)} | ${f(r.rss)} | ${f(r.mbps / by.floor.mbps, 2)}× | ${f(by.floor.cpu / r.cpu, 2)}× |`),
].join('\n');
const x = by.split.mbps / by.floor.mbps;
const xh = by['split-hashed'] && by['floor-hashed'] ? by['split-hashed'].mbps / by['floor-hashed'].mbps : undefined;
const xc = by.floor.cpu / by.split.cpu;
const xhc = by['split-hashed'] && by['floor-hashed'] ? by['floor-hashed'].cpu / by['split-hashed'].cpu : undefined;
process.stdout.write(
  `# split-holdout benchmark\n\nCorpus: ${FILE}, ${f(corpus.meta.bytes / MB)} MB, ${corpus.meta.rows.toLocaleString('en-US')} chat rows (${sizeLabel(sizeBytes)}, seed ${seed}); best of ${runs}; output | cat > /dev/null; Node ${process.version}; ${new Date().toISOString()}\n\n${table}\n\n- **${x >= 0.8 ? 'PASS' : 'FAIL'}** split-holdout ≥ 0.8× the pass-through floor in throughput (wall time; split-holdout parses and hashes in worker threads, so its CPU time is higher than its wall time and the CPU ratio is for information): ${f(by.split.mbps)} MB/s vs ${f(by.floor.mbps)} MB/s = ${f(x, 2)}× (wall); in CPU time ${f(xc, 2)}×\n${xh === undefined ? '' : `- on dedup-exact output (rows carry meta.content_hash): ${f(xh, 2)}× its floor (wall), ${f(xhc, 2)}× in CPU time\n`}`,
);
