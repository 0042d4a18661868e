#!/usr/bin/env node
// Runs every benchmark: the core harness (bench/run.mjs: floor, baselines, dedup-exact) and then
// each tool's own script (bench/<tool>.mjs), one after the other, and collects their reports in
// bench/out/all.md. Each script measures its tool against the floor in the same run.
//
//   node bench/all.mjs [--size SIZE] [--runs N]   (defaults: each script's own)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pass = process.argv.slice(2);
const scripts = [
  'run',
  'to-chatml',
  'normalize-encoding',
  'redact-pii',
  'dedup-near',
  'split-holdout',
  'shuffle',
  'manifest',
  'curriculum-route',
  'tokens',
  'hf-fetch',
  'install',
  'pipeline',
];
const parts = [`# ldt benchmarks (${new Date().toISOString()}; args: ${pass.join(' ') || 'defaults'})\n`];
for (const name of scripts) {
  const file = join(root, 'bench', `${name}.mjs`);
  if (!existsSync(file)) continue;
  process.stderr.write(`bench/all: ${name}\n`);
  const r = spawnSync(process.execPath, [file, ...pass], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  parts.push(`## ${name}.mjs (exit ${r.status})\n\n${r.stdout}\n`);
  process.stdout.write(`## ${name}.mjs (exit ${r.status})\n\n${r.stdout}\n`);
}
mkdirSync(join(root, 'bench', 'out'), { recursive: true });
writeFileSync(join(root, 'bench', 'out', 'all.md'), parts.join('\n'));
