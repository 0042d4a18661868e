// dedup-near at scale (issue 17): N documents of ~1 KB (default 10 million, ~10 GB) through one
// one-shot `dedup-near` run in its bounded-memory mode (`--memory`, band keys beyond it sorted on
// disk), with wall and CPU time, peak RSS (GNU time), peak temporary disk (the --tmp-dir sampled
// every second) and the README's memory model checked against the measured peak:
//   predicted peak RSS = 25 bytes/row × N + --memory + Node's own (measured: the same run over
//   the first 1% of the documents, whose band keys fit --memory, minus its model figure).
// Not part of the tests or of `pnpm bench` (it needs ~2.5× the corpus in free disk and tens of
// minutes); run it by hand and check free disk first (`df -h`).
//
//   node bench/dedup-near-scale.mjs [--docs 10000000] [--memory 256M] [--dir bench/out/dedup-near-scale]
//
// Documents: 100–200 words from a 30,000-word synthetic vocabulary (seeded mulberry32, as
// bench/dedup-near-memory.mjs), a quarter of them near-duplicates of an earlier document (1–5 words
// replaced, sometimes 3 appended). Generated once into --dir and reused.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { nearDupDocs } from './corpus.mjs';

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: { docs: { type: 'string', default: '10000000' }, memory: { type: 'string', default: '256M' }, dir: { type: 'string' } },
});
const DOCS = Number(values.docs);
const DIR = values.dir ?? join(root, 'bench', 'out', 'dedup-near-scale');
const bin = join(root, 'tools', 'dedup-near', 'bin', 'dedup-near.js');
const log = (m) => process.stderr.write(`dedup-near-scale: ${m}\n`);
mkdirSync(DIR, { recursive: true });

/** Writes the first `n` documents of the seeded corpus to `file` (atomically); returns its size. */
function generate(n, file) {
  const nextDoc = nearDupDocs(42, 100, 100);
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  let buf = [];
  let pending = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = nextDoc();
    const line = `{"id":${i},"text":"${w.join(' ')}"}\n`;
    buf.push(line);
    pending += line.length;
    if (pending > 8 << 20) {
      total += writeSync(fd, buf.join(''));
      buf = [];
      pending = 0;
    }
  }
  total += writeSync(fd, buf.join(''));
  closeSync(fd);
  renameSync(tmp, file);
  return total;
}

/** One `dedup-near` run under GNU time with the temp dir sampled; stdout counted, not kept. */
async function run(file, memory, label) {
  const tmpDir = join(DIR, `tmp-${label}`);
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir);
  const stats = join(DIR, `stats-${label}.json`);
  let tmpPeak = 0;
  const sampler = setInterval(() => {
    const r = spawnSync('du', ['-sb', tmpDir], { encoding: 'utf8' });
    const b = Number(r.stdout.split('\t')[0]);
    if (b > tmpPeak) tmpPeak = b;
  }, 1000);
  const t0 = performance.now();
  const child = spawn(
    '/usr/bin/time',
    ['-f', '%e %U %S %M', process.execPath, bin, '--quiet', '--fields', 'text', '--memory', memory, '--tmp-dir', tmpDir, '--stats', stats, file],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let rows = 0;
  let bytes = 0;
  child.stdout.on('data', (b) => {
    bytes += b.length;
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) rows++;
  });
  let err = '';
  child.stderr.on('data', (b) => {
    err += b;
  });
  const code = await new Promise((resolve) => child.on('close', resolve));
  clearInterval(sampler);
  const secs = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`dedup-near ${label}: exit ${code}\n${err}`);
  const [, user, sys, rssKb] = err.trim().split('\n').pop().split(' ').map(Number);
  rmSync(tmpDir, { recursive: true, force: true });
  return { secs, cpu: user + sys, rss: rssKb * 1024, tmpPeak, rows, bytes, notes: JSON.parse(readFileSync(stats, 'utf8')).notes };
}

const file = join(DIR, `docs-${DOCS}.ndjson`);
const small = Math.max(1000, Math.round(DOCS / 100));
const smallFile = join(DIR, `docs-${small}.ndjson`);
for (const [n, f] of [
  [DOCS, file],
  [small, smallFile],
]) {
  if (existsSync(f)) continue;
  log(`generating ${n} documents into ${f}…`);
  const t0 = performance.now();
  generate(n, f);
  log(`generated in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
const df = spawnSync('df', ['-B1', '--output=avail', DIR], { encoding: 'utf8' }).stdout.trim().split('\n').pop();
const load0 = loadavg()[0].toFixed(1);
log(`baseline: ${small} documents…`);
const base = await run(smallFile, values.memory, 'small');
log(`${DOCS} documents (${(statSync(file).size / 1e9).toFixed(2)} GB), --memory ${values.memory}…`);
const big = await run(file, values.memory, 'big');
const load1 = loadavg()[0].toFixed(1);

const MB = (b) => `${(b / 1e6).toFixed(0)} MB`;
const memBytes = (() => {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B?)$/i.exec(values.memory);
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[2].toUpperCase()];
  return Number(m[1]) * unit;
})();
// Node's own: the small run's peak minus its model (97 bytes/row when its band keys fit --memory).
const smallModel = small * (base.notes.band_key_runs === 0 ? 97 : 25);
const nodeOwn = base.rss - smallModel;
const predicted = 25 * DOCS + memBytes + nodeOwn;
const n = big.notes;
console.log(`# dedup-near over ${DOCS.toLocaleString('en')} documents, one shot, --memory ${values.memory}\n`);
console.log(
  `Input ${(statSync(file).size / 1e9).toFixed(2)} GB (${(statSync(file).size / DOCS).toFixed(0)} bytes/doc); free disk before ${(Number(df) / 1e9).toFixed(0)} GB; load average ${load0} before, ${load1} after; Node ${process.version}, \`${bin.replace(root, '')} --fields text --memory ${values.memory}\`.\n`,
);
console.log('| run | docs | wall | CPU (user+sys) | MB/s (wall) | peak RSS | peak temp disk | band-key runs | merge passes | rows out | clusters |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [label, r, docs] of [
  ['1% (baseline)', base, small],
  ['full', big, DOCS],
]) {
  const size = statSync(label === 'full' ? file : smallFile).size;
  console.log(
    `| ${label} | ${docs.toLocaleString('en')} | ${r.secs.toFixed(0)} s | ${r.cpu.toFixed(0)} s | ${(size / 1e6 / r.secs).toFixed(1)} | ${MB(r.rss)} | ${MB(r.tmpPeak)} | ${r.notes.band_key_runs} | ${r.notes.band_key_merge_passes} | ${r.rows.toLocaleString('en')} | ${r.notes.clusters?.toLocaleString('en') ?? '—'} |`,
  );
}
console.log(
  `\nMemory model (README, "Memory and temporary files"): 25 bytes/row × ${DOCS.toLocaleString('en')} + --memory ${MB(memBytes)} + Node's own ${MB(nodeOwn)} (the 1% run's peak minus its model) = **${MB(predicted)} predicted, ${MB(big.rss)} measured** (${((big.rss / predicted) * 100).toFixed(0)}%). bytes_per_row reported by the run: ${n.bytes_per_row}.`,
);
const perRowAbove = (big.rss - nodeOwn - memBytes) / DOCS;
console.log(
  `Measured RAM per row outside --memory and Node's own: ${perRowAbove.toFixed(1)} bytes; at that rate 100 M documents need ${MB(perRowAbove * 1e8 + memBytes + nodeOwn)} with the same --memory.`,
);
console.log(`Temporary disk at the peak: ${MB(big.tmpPeak)} (${(big.tmpPeak / DOCS).toFixed(0)} bytes/doc: shingle sets and sorted band-key runs).`);
