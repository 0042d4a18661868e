#!/usr/bin/env node
// The installable package (issue 22): builds the tarball with scripts/dist.mjs, installs it with
// `npm install -g --prefix` into a temporary folder, and measures each tool's start-up
// (`TOOL --version`) installed, against `node -e 0` and the workspace bins in the same run.
// Median of N runs after 3 warm-ups, the commands interleaved so background load hits them alike.
//
//   node bench/install.mjs [--runs N]   (default 20; needs the npm registry for the dependencies)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 20;
const GOAL = 1.5;
const log = (s) => process.stderr.write(`${s}\n`);

const work = mkdtempSync(join(tmpdir(), 'ldt-bench-install-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
function must(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) {
    log(`bench/install: ${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
    process.exit(1);
  }
  return r.stdout;
}
log('bench/install: building the tarball');
must(process.execPath, [join(root, 'scripts', 'dist.mjs'), '--out', join(work, 'build')]);
const tgz = readdirSync(join(work, 'build')).find((f) => f.endsWith('.tgz'));
const size = statSync(join(work, 'build', tgz)).size;
log('bench/install: npm install -g --prefix');
const t0 = process.hrtime.bigint();
must('npm', ['install', '-g', '--prefix', join(work, 'prefix'), '--no-audit', '--no-fund', '--loglevel=error', join(work, 'build', tgz)]);
const installS = Number(process.hrtime.bigint() - t0) / 1e9;

function spawnMs(argv) {
  const t = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
function startup(argvs) {
  for (let i = 0; i < 3; i++) for (const a of argvs) spawnMs(a);
  const xs = argvs.map(() => []);
  for (let i = 0; i < RUNS; i++) for (let k = 0; k < argvs.length; k++) xs[k].push(spawnMs(argvs[k]));
  return xs.map(median);
}

const tools = readdirSync(join(root, 'tools')).sort();
const rows = [];
let worst = 0;
for (const tool of tools) {
  const [node, installed, workspace] = startup([
    [process.execPath, '-e', '0'],
    [join(work, 'prefix', 'bin', tool), '--version'],
    [process.execPath, join(root, 'tools', tool, 'bin', `${tool}.js`), '--version'],
  ]);
  worst = Math.max(worst, installed / node);
  rows.push(`| ${tool} | ${node.toFixed(1)} | ${installed.toFixed(1)} | ${(installed / node).toFixed(2)}× | ${workspace.toFixed(1)} | ${(workspace / node).toFixed(2)}× |`);
}
process.stdout.write(
  [
    `Tarball ${tgz}: ${(size / 1024).toFixed(0)} KiB; npm install -g --prefix (dependencies from the registry): ${installS.toFixed(1)} s.`,
    '',
    `Start-up, median of ${RUNS} runs each (ms):`,
    '',
    '| tool | node -e 0 | installed --version | ratio | workspace --version | ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `- **${worst <= GOAL ? 'PASS' : 'FAIL'}** every installed tool's start-up ≤ ${GOAL}× node -e 0: worst ${worst.toFixed(2)}×`,
    '',
  ].join('\n'),
);
