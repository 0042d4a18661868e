#!/usr/bin/env node
// The test command of README.md and .ci/run: every package's compiled tests in one `node --test`
// run (Node 20 takes directories, not globs), so there is one summary at the end. Packages are
// built first by `pnpm test` (turbo run build).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dirs = [];
for (const group of ['shared', 'tools']) {
  for (const name of readdirSync(join(root, group)).sort()) {
    const d = join(root, group, name, 'dist', 'test');
    if (existsSync(d)) dirs.push(d);
  }
}
if (existsSync(join(root, 'test', 'dist', 'test'))) dirs.push(join(root, 'test', 'dist', 'test'));
if (dirs.length === 0) {
  console.error('run-tests: no compiled tests found; run the build first (npx -y pnpm@10 build)');
  process.exit(1);
}
const args = ['--test', '--test-reporter=spec', ...dirs];
const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 28 });
process.stdout.write(r.stdout ?? '');
// A plain closing line that any reader understands.
const pass = Number(/ℹ pass (\d+)/.exec(r.stdout ?? '')?.[1] ?? 0);
const fail = Number(/ℹ fail (\d+)/.exec(r.stdout ?? '')?.[1] ?? 0);
const skipped = Number(/ℹ skipped (\d+)/.exec(r.stdout ?? '')?.[1] ?? 0);
console.log(`${pass} passed, ${fail} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = r.status === 0 && fail === 0 && pass > 0 ? 0 : 1;
