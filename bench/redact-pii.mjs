// redact-pii throughput against the NDJSON pass-through floor (bench/passthrough.mjs).
//
//   node bench/redact-pii.mjs [--size 64MB] [--runs 3] [--seed 1] [--data DIR]
//
// Corpus: the shared chat bench corpus (bench/corpus.mjs: real chat turns, mostly English), with
// the default types (all but PERSON). Goal (issue 18): ≥ 0.5× the floor. Ratio = floor time /
// tool time, by wall time and by CPU time (user + sys). Prints a markdown table to stdout; exits
// 0 even when the goal is missed (printed as FAIL).
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCorpus, parseSize } from './corpus.mjs';
import { timeCommand } from './timing.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const OUT = join(ROOT, 'bench', 'out');
const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const sizeBytes = parseSize(flag('size', '64MB'));
const runs = Number(flag('runs', '3'));
const seed = Number(flag('seed', '1'));
const dataDir = resolve(flag('data', join(ROOT, '..', 'shared', 'data')));
const log = (s) => process.stderr.write(`bench: ${s}\n`);
const GOAL = 0.5;

mkdirSync(OUT, { recursive: true });
const file = ensureCorpus({ dataDir, outDir: OUT, sizeBytes, seed, log }).file;

async function best(cmd) {
  let wall = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = await timeCommand(cmd, { cwd: ROOT, outDir: OUT, tag: 'redact-pii' });
    wall = Math.min(wall, t.wall);
    cpu = Math.min(cpu, t.cpu);
  }
  return { wall, cpu };
}

const mb = statSync(file).size / 2 ** 20;
const rows = [];
for (const [name, cmd] of [
  ['redact (default types)', `node tools/redact-pii/bin/redact-pii.js --quiet ${file}`],
  ['mark (default types)', `node tools/redact-pii/bin/redact-pii.js --quiet --mode mark ${file}`],
]) {
  const floor = await best(`node bench/passthrough.mjs ${file}`);
  const t = await best(cmd);
  const ratio = floor.wall / t.wall;
  const cpuRatio = floor.cpu / t.cpu;
  const verdict = (x) => (x >= GOAL ? 'ok' : 'FAIL');
  rows.push(
    `| ${name} | ${mb.toFixed(0)} | ${(mb / floor.wall).toFixed(0)} | ${(mb / t.wall).toFixed(0)} | ${ratio.toFixed(2)}× ${verdict(ratio)} | ${Number.isFinite(cpuRatio) ? `${cpuRatio.toFixed(2)}× ${verdict(cpuRatio)}` : 'n/a'} | ≥ ${GOAL}× |`,
  );
  log(`${name}: floor ${floor.wall.toFixed(2)} s (cpu ${floor.cpu.toFixed(2)}), redact-pii ${t.wall.toFixed(2)} s (cpu ${t.cpu.toFixed(2)})`);
}
process.stdout.write(
  `redact-pii vs the NDJSON floor on the chat bench corpus (best of ${runs}, Node ${process.version}, seed ${seed}; shared, noisy machine)\n\n| run | MB | floor MB/s | redact-pii MB/s | ratio (wall) | ratio (CPU) | goal |\n|---|---|---|---|---|---|---|\n${rows.join('\n')}\n`,
);
