// to-chatml throughput against the project's NDJSON floor (bench/passthrough.mjs) on the chat
// corpus of bench/corpus.mjs, plus informational baselines: the floor re-serialising every row
// (--stringify) and jq doing the same reshaping to-chatml does on these rows. Prints a markdown
// table of best-of-N wall times and ratios to the floor. Issue 3 goal: to-chatml >= 0.8x floor.
//
//   node bench/to-chatml.mjs [--size 64MB] [--runs 3] [--seed 1] [--data DIR]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureCorpus, parseSize } from './corpus.mjs';
import { timeCommand } from './timing.mjs';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const args = process.argv.slice(2);
const flag = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const sizeBytes = parseSize(flag('size', '64MB'));
const runs = Number(flag('runs', '3'));
const seed = Number(flag('seed', '1'));
const dataDir = resolve(flag('data', join(ROOT, '..', 'shared', 'data')));
const outDir = join(ROOT, 'bench', 'out');
mkdirSync(outDir, { recursive: true });
if (!existsSync(join(ROOT, 'tools', 'to-chatml', 'dist', 'src', 'cli.js'))) {
  console.error('bench/to-chatml.mjs: to-chatml is not built (npx tsc -p tools/to-chatml/tsconfig.json)');
  process.exit(1);
}
const { file, meta } = ensureCorpus({ dataDir, outDir, sizeBytes, seed, log: (m) => console.error(m) });
const q = (s) => `'${s.replaceAll("'", "'\\''")}'`;
const node = process.execPath;

const commands = [
  { id: 'floor', label: 'floor: passthrough.mjs (parse + write raw)', cmd: `${q(node)} bench/passthrough.mjs ${q(file)}` },
  { id: 'to-chatml', label: 'to-chatml', cmd: `${q(node)} tools/to-chatml/bin/to-chatml.js --quiet ${q(file)}` },
  { id: 'floor-stringify', label: 'passthrough.mjs --stringify (parse + JSON.stringify)', cmd: `${q(node)} bench/passthrough.mjs --stringify ${q(file)}` },
];
if (spawnSync('sh', ['-c', 'command -v jq'], { stdio: 'ignore' }).status === 0) {
  commands.push({
    id: 'jq',
    label: 'jq -c \'{messages, meta: {format: "openai", extra: {id}}}\' (same reshaping, no validation)',
    cmd: `jq -c '{messages, meta: {format: "openai", extra: {id}}}' ${q(file)}`,
  });
}

// Runs are interleaved (floor, to-chatml, …, floor, to-chatml, …) so that load from other
// processes hits every command alike; the best wall and the best CPU time of each are kept.
const results = commands.map((c) => ({ ...c, wall_s: Number.POSITIVE_INFINITY, cpu_s: Number.POSITIVE_INFINITY }));
for (let i = 0; i < runs; i++) {
  for (const r of results) {
    const t = await timeCommand(r.cmd, { cwd: ROOT, outDir, tag: 'to-chatml' });
    r.wall_s = Math.min(r.wall_s, t.wall);
    r.cpu_s = Math.min(r.cpu_s, t.cpu);
  }
}
for (const r of results) console.error(`${r.id}: ${r.wall_s.toFixed(2)} s wall, ${r.cpu_s.toFixed(2)} s cpu`);
const floor = results.find((r) => r.id === 'floor').wall_s;
const floorCpu = results.find((r) => r.id === 'floor').cpu_s;
const mb = statSync(file).size / 2 ** 20;
const lines = [
  `Corpus: ${file.slice(ROOT.length + 1)} (${mb.toFixed(1)} MB, ${meta.rows} rows), best of ${runs}, Node ${process.version}.`,
  '',
  '| command | wall s | MB/s | vs floor (wall) | cpu s | vs floor (cpu) |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...results.map(
    (r) =>
      `| ${r.label} | ${r.wall_s.toFixed(2)} | ${(mb / r.wall_s).toFixed(0)} | ${(floor / r.wall_s).toFixed(2)}x | ${r.cpu_s.toFixed(2)} | ${(floorCpu / r.cpu_s).toFixed(2)}x |`,
  ),
  '',
];
const tc = results.find((r) => r.id === 'to-chatml');
const ratio = floor / tc.wall_s;
const cpuRatio = floorCpu / tc.cpu_s;
lines.push(
  `Goal (issue 3): to-chatml >= 0.8x the floor: ${ratio.toFixed(2)}x wall (${ratio >= 0.8 ? 'PASS' : 'FAIL'}), ${cpuRatio.toFixed(2)}x cpu (${cpuRatio >= 0.8 ? 'PASS' : 'FAIL'})`,
);
lines.push(
  `Load average at the end: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} on ${cpus().length} CPUs (wall times are noisy under load; cpu = user + sys).`,
);
console.log(lines.join('\n'));
