#!/usr/bin/env node
// Throughput of curriculum-route against the project's NDJSON pass-through floor
// (bench/passthrough.mjs), on the shared benchmark corpus (bench/corpus.mjs). Not part of the tests.
//
//   node bench/curriculum-route.mjs [--size 20MB] [--runs 3] [--seed 1] [--data DIR]
//
// The config (written to bench/out/) has two phases over the corpus' chat rows: short
// conversations (<= 4 messages) downsampled to 50% of all rows, long ones (>= 5 messages, ~25% of
// the rows) upsampled to 40%; so both selection paths and meta.repeat copies are exercised.
// Output goes to `| cat > /dev/null`; best wall time of --runs interleaved runs; ratio = floor
// time / tool time. Goal (issue 6): >= 0.7x. The input is a file (read twice); the stdin row
// (spooled to a temporary file) is for information.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureCorpus, parseSize, sizeLabel } from './corpus.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'bench', 'out');
const { values } = parseArgs({
  options: { size: { type: 'string', default: '20MB' }, runs: { type: 'string', default: '3' }, seed: { type: 'string', default: '1' }, data: { type: 'string' } },
});
const sizeBytes = parseSize(values.size);
const runs = Number(values.runs);
const dataDir = resolve(values.data ?? join(ROOT, '..', 'shared', 'data'));
mkdirSync(OUT, { recursive: true });
const corpus = ensureCorpus({ dataDir, outDir: OUT, sizeBytes, seed: Number(values.seed), log: (s) => process.stderr.write(`bench: ${s}\n`) });
const file = corpus.file;
const rows = corpus.meta.rows;
const config = join(OUT, 'curriculum-bench.json');
writeFileSync(
  config,
  JSON.stringify({
    seed: 1,
    max_epochs: 4,
    phases: [
      { name: 'sft-short', match: { kind: 'chat', turns: { max: 4 } }, target: { rows: Math.round(rows * 0.5) } },
      { name: 'sft-long', match: { kind: 'chat', turns: { min: 5 } }, target: { rows: Math.round(rows * 0.4) } },
    ],
  }),
);
const bin = join(ROOT, 'node_modules', '.bin', 'curriculum-route');

const commands = [
  { id: 'floor', label: 'pass-through floor (bench/passthrough.mjs)', cmd: `node bench/passthrough.mjs ${file} | cat > /dev/null` },
  { id: 'file', label: 'curriculum-route FILE (two reads)', cmd: `${bin} -q --config ${config} ${file} | cat > /dev/null`, goal: 0.7 },
  { id: 'stdin', label: 'curriculum-route < FILE (spooled)', cmd: `${bin} -q --config ${config} < ${file} | cat > /dev/null` },
];

function timeMs(cmd) {
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', `set -o pipefail; ${cmd}`], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd}: exit ${r.status}\n${r.stderr}`);
  return performance.now() - t0;
}

spawnSync('cat', [file], { stdio: ['ignore', 'ignore', 'inherit'] });
const best = new Map(commands.map((c) => [c.id, Infinity]));
for (let i = 0; i < runs; i++) for (const c of commands) best.set(c.id, Math.min(best.get(c.id), timeMs(c.cmd)));

const mb = corpus.meta.bytes / 2 ** 20;
const floor = best.get('floor');
const lines = [
  `curriculum-route on ${sizeLabel(sizeBytes)} corpus (${rows} rows, ${mb.toFixed(1)} MiB), best of ${runs}, Node ${process.version}`,
  '',
  '| command | time (s) | MiB/s | vs floor | goal |',
  '| --- | ---: | ---: | ---: | --- |',
];
for (const c of commands) {
  const ms = best.get(c.id);
  const ratio = floor / ms;
  lines.push(
    `| ${c.label} | ${(ms / 1000).toFixed(2)} | ${(mb / (ms / 1000)).toFixed(1)} | ${ratio.toFixed(2)}x | ${c.goal ? `>= ${c.goal}x ${ratio >= c.goal ? 'ok' : 'FAIL'}` : ''} |`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
