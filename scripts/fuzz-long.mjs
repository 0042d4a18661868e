#!/usr/bin/env node
// Long runs of the property tests of issue 13 (fast-check): each property runs for --minutes
// (default 10) with a random seed and no run limit, instead of CI's fixed seed and few runs.
// The test files run side by side (--jobs, default all); each property's runs, time and outcome
// are printed at the end (and a failure's seed and path, to replay it with FC_SEED/FC_PATH).
//
//   nice -n 15 node scripts/fuzz-long.mjs [--minutes 10] [--jobs 5] [--only ndjson,parquet] [--match REGEX]
//
// --match runs only the tests whose names match (node --test-name-pattern), e.g. to rerun one
// property after a fix.
//
// Run the build first (the tests run on compiled output).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const FILES = {
  ndjson: 'shared/ndjson/dist/test/prop.test.js',
  'dedup-exact': 'tools/dedup-exact/dist/test/prop.test.js',
  'dedup-near': 'tools/dedup-near/dist/test/prop.test.js',
  parquet: 'tools/hf-fetch/dist/test/parquet-prop.test.js',
  manifest: 'tools/manifest/dist/test/prop.test.js',
};
const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, jobs: { type: 'string' }, only: { type: 'string' }, match: { type: 'string' } } });
const minutes = Number(values.minutes);
const names = values.only ? values.only.split(',') : Object.keys(FILES);
for (const n of names) {
  if (!FILES[n]) throw new Error(`fuzz-long: unknown property file ${n} (known: ${Object.keys(FILES).join(', ')})`);
  if (!existsSync(join(root, FILES[n]))) throw new Error(`fuzz-long: ${FILES[n]} is missing; run the build first`);
}
const log = join(mkdtempSync(join(tmpdir(), 'ldt-fuzz-')), 'runs.ndjson');
const env = { ...process.env, FC_SEED: 'random', FC_RUNS: String(1e9), FC_TIME_MS: String(Math.round(minutes * 60_000)), FC_LOG: log };
const jobs = Number(values.jobs ?? names.length);
console.error(`fuzz-long: ${names.length} files, ${minutes} min per property, ${jobs} at a time; log ${log}`);

const codes = {};
const queue = [...names];
async function worker() {
  for (let n = queue.shift(); n; n = queue.shift()) {
    const t0 = Date.now();
    codes[n] = await new Promise((resolve) => {
      const child = spawn(process.execPath, ['--test', '--test-reporter=dot', ...(values.match ? [`--test-name-pattern=${values.match}`] : []), join(root, FILES[n])], {
        cwd: root,
        env,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      child.on('close', (code) => resolve(code));
    });
    console.error(`fuzz-long: ${n} done in ${((Date.now() - t0) / 60_000).toFixed(1)} min (exit ${codes[n]})`);
  }
}
await Promise.all(Array.from({ length: jobs }, worker));

const lines = existsSync(log)
  ? readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : [];
console.log('| property | runs | minutes | seed | outcome |');
console.log('|---|---|---|---|---|');
for (const r of lines)
  console.log(
    `| ${r.name} | ${r.runs} | ${(r.ms / 60_000).toFixed(1)} | ${r.seed} | ${r.failed ? `FAILED (replay: FC_SEED=${r.seed} FC_PATH=${r.path}): ${String(r.error).split('\n')[0]}` : 'passed'} |`,
  );
const failed = lines.filter((r) => r.failed).length + Object.values(codes).filter((c) => c !== 0).length;
process.exitCode = failed > 0 ? 1 : 0;
