#!/usr/bin/env node
// Throughput of `manifest build` against the project's NDJSON pass-through floor
// (bench/passthrough.mjs), on the shared benchmark corpus (bench/corpus.mjs). Not part of the tests.
//
//   node bench/manifest.mjs [--size 20MB] [--runs 3] [--seed 1] [--data DIR]
//
// Every command reads the corpus (warm in the page cache); the floor writes to `| cat > /dev/null`,
// manifest build writes its shards and manifest.json (sha256 included) to bench/out/manifest-ds.
// Each command runs --runs times, interleaved; the best wall time counts. Ratio = floor time /
// tool time (1.0 = as fast as the floor). Goal (issue 6): build without tokens >= 0.7x.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
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
const ds = join(OUT, 'manifest-ds');
const bin = join(ROOT, 'node_modules', '.bin', 'manifest');

const commands = [
  { id: 'floor', label: 'pass-through floor (bench/passthrough.mjs)', cmd: `node bench/passthrough.mjs ${file} | cat > /dev/null` },
  { id: 'none', label: 'manifest build (default: --compress none, token estimate)', cmd: `${bin} build -q -o ${ds} ${file}`, goal: 0.7 },
  { id: 'gzip', label: 'manifest build --compress gzip', cmd: `${bin} build -q -o ${ds} --compress gzip ${file}` },
  { id: 'zstd', label: 'manifest build --compress zstd', cmd: `${bin} build -q -o ${ds} --compress zstd ${file}` },
  { id: 'o200k', label: 'manifest build --tokenizer o200k_base', cmd: `${bin} build -q -o ${ds} --tokenizer o200k_base ${file}` },
  { id: 'verify', label: 'manifest verify (of the last build)', cmd: `${bin} verify -q ${ds}` },
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
rmSync(ds, { recursive: true, force: true });

const mb = corpus.meta.bytes / 2 ** 20;
const floor = best.get('floor');
const lines = [
  `manifest on ${sizeLabel(sizeBytes)} corpus (${corpus.meta.rows} rows, ${mb.toFixed(1)} MiB), best of ${runs}, Node ${process.version}`,
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
