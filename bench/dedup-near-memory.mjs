// dedup-near memory benchmark: peak RSS of `dedup-near cluster` (and the one-shot run) with the band
// keys in memory (default --memory 1GiB) and through the external sort (a small --memory), at N and
// N/2 rows, so the per-row cost is the difference divided by N/2 (Node's own ~50 MB cancels out).
// Checks that every setting writes the same assignment. Plain ESM, no build; needs /usr/bin/time.
// Then the RAM a NearDedup retains per row, measured in-process (after a forced GC, so JavaScript
// garbage does not count) for 2^20 and 2^21 synthetic rows, with and without the external sort.
//
//   node bench/dedup-near-memory.mjs [--docs 200000] [--small 4M] [--one-shot] [--retained-rows 1048576] [--retained-only]
//
// Documents: 40–120 words from a 30,000-word synthetic vocabulary (seeded), a quarter of them
// near-duplicates of an earlier document (1–5 words replaced, sometimes 3 appended), written as 4
// shards; `dedup-near sign` signs each (stateless, as a map step would).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { mulberry32, nearDupDocs } from './corpus.mjs';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const flag = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
if (args[0] === '--child') await retainedChild(Number(args[1]), Number(args[2]));

/**
 * In a child started with --expose-gc: add `n` synthetic rows (14 random band keys, 8 shingles) to
 * a NearDedup with `memory` bytes of band-key budget, cluster, and print the retained bytes
 * (V8 heap + ArrayBuffers, after gc()) before adding, after adding and after clustering, and the
 * peak RSS, as JSON. Then exit.
 */
async function retainedChild(n, memory) {
  const { NearDedup } = await import(new URL('../tools/dedup-near/dist/src/index.js', import.meta.url).href);
  // Backing stores of ArrayBuffers are freed after the GC that finds them dead: collect, let it settle.
  const used = async () => {
    for (let i = 0; i < 3; i++) {
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 100));
    }
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const opts = {
    numPerm: 128,
    bands: 14,
    rows: 9,
    threshold: 0.8,
    verify: true,
    keep: 'first',
    seed: 0,
    overlapNgram: 0,
    ngram: 5,
    charNgram: 0,
    autoCharNgram: 5,
  };
  const nd = new NearDedup(opts, memory);
  const rand = mulberry32(7);
  const hash = new Uint8Array(16);
  const set = new Uint32Array(8);
  const keys = new Uint32Array(14);
  const m0 = await used();
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 8; k++) set[k] = (k << 28) | Math.floor(rand() * (1 << 28));
    for (let j = 0; j < 14; j++) keys[j] = Math.floor(rand() * 2 ** 32);
    nd.addSigned({ len: 100, hash, set, keys, charMode: false });
  }
  const m1 = await used();
  nd.cluster();
  const m2 = await used();
  const runs = nd.sortStats.band_key_runs;
  nd.close();
  process.stdout.write(JSON.stringify({ n, memory, read: m1 - m0, clustered: m2 - m0, runs, maxRss: process.resourceUsage().maxRSS * 1024 }));
  process.exit(0);
}
const DOCS = Number(flag('docs', 200000));
const SMALL = flag('small', '4M');
const ONE_SHOT = args.includes('--one-shot');
const SHARDS = 4;
const bin = join(root, 'tools', 'dedup-near', 'bin', 'dedup-near.js');
const dir = join(root, 'bench', 'out', `dedup-near-mem-${DOCS}`);
mkdirSync(dir, { recursive: true });
const log = (m) => process.stderr.write(`${m}\n`);

const p = (s) => process.stdout.write(`${s}\n`);
if (!args.includes('--retained-only')) rssBench();

function rssBench() {
  // ---------- corpus ----------
  const nextDoc = nearDupDocs(42, 40, 80);
  const shardFiles = [];
  const per = Math.ceil(DOCS / SHARDS);
  for (let s = 0; s < SHARDS; s++) {
    const lines = [];
    for (let i = s * per; i < Math.min(DOCS, (s + 1) * per); i++) {
      const w = nextDoc();
      lines.push(JSON.stringify({ id: i, text: w.join(' ') }));
    }
    const f = join(dir, `shard-${s}.ndjson`);
    writeFileSync(f, `${lines.join('\n')}\n`);
    shardFiles.push(f);
  }
  log(`${DOCS} docs in ${SHARDS} shards under ${dir}`);

  const signFiles = [];
  let t0 = Date.now();
  for (const f of shardFiles) {
    const out = `${f}.sign`;
    const fd = openSync(out, 'w');
    execFileSync(process.execPath, [bin, 'sign', '--threads', '1', '--quiet', f], { stdio: ['ignore', fd, 'inherit'] });
    closeSync(fd);
    signFiles.push(out);
  }
  log(`signed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // ---------- measure ----------
  /** Run `node bin argv` under /usr/bin/time; returns peak RSS (bytes), wall seconds, stats notes, md5 of stdout. */
  function measure(argv) {
    const stats = join(dir, 'stats.json');
    t0 = Date.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, bin, ...argv, '--quiet', '--stats', stats], { maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status}\n${r.stderr}`);
    const secs = (Date.now() - t0) / 1000;
    const rssKb = Number(r.stderr.toString().trim().split('\n').pop());
    return { rss: rssKb * 1024, secs, notes: JSON.parse(readFileSync(stats, 'utf8')).notes, md5: createHash('md5').update(r.stdout).digest('hex') };
  }

  const MB = (b) => (b / 1e6).toFixed(1);
  const rows = [];
  const half = Math.ceil(SHARDS / 2);
  const halfRows = Math.min(DOCS, half * per);
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const configs = [
    ['cluster', 'default (1GiB)', []],
    ['cluster', SMALL, ['--memory', SMALL, '--tmp-dir', tmp]],
  ];
  if (ONE_SHOT) configs.push(['one-shot', 'default (1GiB)', ['--threads', '1']], ['one-shot', SMALL, ['--threads', '1', '--memory', SMALL, '--tmp-dir', tmp]]);
  const md5s = new Map();
  for (const [mode, label, extra] of configs) {
    const res = [];
    for (const [n, files] of [
      [halfRows, mode === 'cluster' ? signFiles.slice(0, half) : shardFiles.slice(0, half)],
      [DOCS, mode === 'cluster' ? signFiles : shardFiles],
    ]) {
      const argv = mode === 'cluster' ? ['cluster', ...extra, ...files] : [...extra, ...files];
      log(`${mode} --memory ${label}, ${n} rows…`);
      const m = measure(argv);
      const key = `${mode} ${n}`;
      if (md5s.has(key) && md5s.get(key) !== m.md5) throw new Error(`${key}: the output differs between --memory settings`);
      md5s.set(key, m.md5);
      res.push({ n, ...m });
    }
    const [a, b] = res;
    rows.push({ mode, label, a, b, perRow: (b.rss - a.rss) / (b.n - a.n) });
  }

  const signBytes = signFiles.reduce((s, f) => s + statSync(f).size, 0);
  p(`# dedup-near memory: ${DOCS} docs (${SHARDS} shards, ${MB(signBytes)} MB of sign files), load average ${loadavg()[0].toFixed(1)}\n`);
  p('| stage | --memory | peak RSS at N/2 rows | peak RSS at N rows | bytes/row (difference / (N/2)) | band-key runs | merge passes | temp band-key bytes | time at N |');
  p('| ----- | -------- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows)
    p(
      `| ${r.mode} | ${r.label} | ${MB(r.a.rss)} MB | ${MB(r.b.rss)} MB | ${r.perRow.toFixed(0)} | ${r.b.notes.band_key_runs} | ${r.b.notes.band_key_merge_passes} | ${MB(r.b.notes.band_key_temp_bytes)} MB | ${r.b.secs.toFixed(1)} s |`,
    );
  const n = rows[0].b.notes;
  p(`\nSame assignment/output for every --memory: yes. Pairs at N: ${n.candidate_pairs} candidates, ${n.verified_pairs} verified, ${n.rejected_pairs} rejected.`);
}

// ---------- retained RAM per row, in-process ----------
const R = Number(flag('retained-rows', 1 << 20));
p(`\nRAM a NearDedup retains per row (in-process: V8 heap + ArrayBuffers after gc(), at ${2 * R} minus at ${R} synthetic rows, divided by ${R}; 14 bands):\n`);
p('| --memory | while reading (bytes/row) | after cluster() (bytes/row) | band-key runs at 2N |');
p('| -------- | ---: | ---: | ---: |');
for (const memory of [1024 ** 3, 4 * 1024 ** 2]) {
  const res = [R, 2 * R].map((n) => {
    const r = spawnSync(process.execPath, ['--expose-gc', new URL(import.meta.url).pathname, '--child', String(n), String(memory)], { maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(r.stderr.toString());
    return JSON.parse(r.stdout.toString());
  });
  const [a, b] = res;
  p(`| ${memory === 1024 ** 3 ? '1GiB (in memory)' : '4MiB (external)'} | ${((b.read - a.read) / R).toFixed(1)} | ${((b.clustered - a.clustered) / R).toFixed(1)} | ${b.runs} |`);
}
