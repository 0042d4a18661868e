// hf-fetch benchmark: parquet → NDJSON, against the project's NDJSON floor, a naive hyparquet
// reader and DuckDB, in the same run, on parquet files made from the chat corpus.
//
//   node bench/hf-fetch.mjs                     # 256 MB corpus, best of 3
//   node bench/hf-fetch.mjs --size 32MB --runs 1
//
// The corpus (bench/corpus.mjs) is converted once by DuckDB into two parquet files (snappy and
// zstd, 20,000 rows per row group: several row groups) cached in bench/out/. Every command writes
// NDJSON to /dev/null; MB/s is NDJSON megabytes (the corpus size, 2^20 bytes) per wall second.
// Peak RSS comes from GNU time. DuckDB (@duckdb/node-api, a dev dependency of tools/hf-fetch) runs
// `COPY … TO '/dev/null' (FORMAT json)` on one thread.
//
// Internal modes (spawned by the benchmark itself):
//   node bench/hf-fetch.mjs --naive FILE.parquet   hyparquet parquetReadObjects per row group + JSON.stringify per row
//   node bench/hf-fetch.mjs --duckdb FILE.parquet  DuckDB COPY to /dev/null, threads=1
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { ensureCorpus, parseSize, sizeLabel } from './corpus.mjs';

const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const OUT = join(ROOT, 'bench', 'out');
const requireTool = createRequire(join(ROOT, 'tools', 'hf-fetch', 'package.json'));
const importTool = (name) => import(requireTool.resolve(name));

const args = process.argv.slice(2);
const flag = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};

if (args[0] === '--naive') {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await importTool('hyparquet');
  const { compressors } = await importTool('hyparquet-compressors');
  const file = await asyncBufferFromFile(args[1]);
  const metadata = await parquetMetadataAsync(file);
  const replacer = (_k, v) => (typeof v === 'bigint' ? Number(v) : v);
  let start = 0;
  for (const rg of metadata.row_groups) {
    const end = start + Number(rg.num_rows);
    const rows = await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: end, compressors });
    let out = '';
    for (const r of rows) out += `${JSON.stringify(r, replacer)}\n`;
    if (!process.stdout.write(out)) await new Promise((r) => process.stdout.once('drain', r));
    start = end;
  }
} else if (args[0] === '--duckdb') {
  const { DuckDBInstance } = await importTool('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const c = await db.connect();
  await c.run(`COPY (SELECT * FROM read_parquet('${args[1]}')) TO '/dev/null' (FORMAT json)`);
} else {
  const sizeBytes = parseSize(flag('--size', '256MB'));
  const runs = Number(flag('--runs', '3'));
  const dataDir = flag('--data', join(ROOT, '..', 'shared', 'data'));
  const log = (s) => process.stderr.write(`${s}\n`);
  if (!existsSync(join(ROOT, 'tools', 'hf-fetch', 'dist', 'src', 'cli.js'))) {
    log('bench/hf-fetch: build tools/hf-fetch first (npx tsc -p tools/hf-fetch/tsconfig.json)');
    process.exit(1);
  }
  const corpus = ensureCorpus({ dataDir, outDir: OUT, sizeBytes, seed: 1, log });
  const ndjson = corpus.file;
  const mb = statSync(ndjson).size / 2 ** 20;
  const { DuckDBInstance } = await importTool('@duckdb/node-api');
  const parquet = {};
  for (const codec of ['snappy', 'zstd']) {
    const p = ndjson.replace(/\.ndjson$/, `.${codec}.parquet`);
    if (!existsSync(p)) {
      log(`bench/hf-fetch: writing ${relative(ROOT, p)}`);
      const db = await DuckDBInstance.create(':memory:');
      const c = await db.connect();
      await c.run(
        `COPY (SELECT * FROM read_json('${ndjson}', format = 'newline_delimited', columns = {id: 'VARCHAR', messages: 'STRUCT(role VARCHAR, content VARCHAR)[]'})) TO '${p}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 20000)`,
      );
    }
    parquet[codec] = p;
  }
  const hasTime = existsSync('/usr/bin/time');
  const time = (cmd) => {
    let best;
    for (let i = 0; i < runs; i++) {
      const full = hasTime ? `/usr/bin/time -f '%e %M %U %S' -o /tmp/hf-fetch-bench-time bash -c ${JSON.stringify(`${cmd} > /dev/null`)}` : `${cmd} > /dev/null`;
      const t0 = performance.now();
      const r = spawnSync('bash', ['-o', 'pipefail', '-c', full], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
      const secs = (performance.now() - t0) / 1000;
      if (r.status !== 0) throw new Error(`failed: ${cmd}`);
      let rss;
      let cpu;
      if (hasTime) {
        const f = spawnSync('cat', ['/tmp/hf-fetch-bench-time']).stdout.toString().trim().split(/\s+/).map(Number);
        rss = f[1] / 1024;
        cpu = f[2] + f[3];
      }
      if (!best || secs < best.secs) best = { secs, rss, cpu };
    }
    return best;
  };
  const rows = [];
  const floor = time(`node bench/passthrough.mjs ${relative(ROOT, ndjson)}`);
  rows.push({ label: 'floor: NDJSON pass-through (bench/passthrough.mjs)', codec: 'ndjson', ...floor });
  for (const codec of ['snappy', 'zstd']) {
    const p = relative(ROOT, parquet[codec]);
    rows.push({ label: 'naive: parquetReadObjects per row group + JSON.stringify', codec, ...time(`node bench/hf-fetch.mjs --naive ${p}`) });
    rows.push({ label: 'hf-fetch --no-meta --threads 1', codec, ...time(`node tools/hf-fetch/bin/hf-fetch.js ${p} --no-meta -q --threads 1`) });
    rows.push({ label: 'hf-fetch --no-meta', codec, ...time(`node tools/hf-fetch/bin/hf-fetch.js ${p} --no-meta -q`) });
    rows.push({ label: 'hf-fetch (with meta.source)', codec, ...time(`node tools/hf-fetch/bin/hf-fetch.js ${p} -q`) });
    rows.push({ label: 'DuckDB COPY … (FORMAT json), 1 thread', codec, ...time(`node bench/hf-fetch.mjs --duckdb ${p}`) });
  }
  // Correctness in the same run: the parquet files hold the corpus rows, so hf-fetch --no-meta must
  // give back the corpus byte for byte.
  const digest = (cmd) =>
    spawnSync('bash', ['-o', 'pipefail', '-c', `${cmd} | sha256sum`], { cwd: ROOT })
      .stdout.toString()
      .split(' ')[0];
  const corpusHash = digest(`cat ${relative(ROOT, ndjson)}`);
  const roundTrip = ['snappy', 'zstd'].map(
    (c) => `${c} ${digest(`node tools/hf-fetch/bin/hf-fetch.js ${relative(ROOT, parquet[c])} --no-meta -q`) === corpusHash ? 'identical' : 'DIFFERENT'}`,
  );
  const naive = Object.fromEntries(rows.filter((r) => r.label.startsWith('naive')).map((r) => [r.codec, r.secs]));
  const out = [
    `hf-fetch bench: corpus ${sizeLabel(sizeBytes)} (${corpus.meta.rows} rows), parquet ${['snappy', 'zstd'].map((c) => `${c} ${(statSync(parquet[c]).size / 2 ** 20).toFixed(1)} MB`).join(', ')}, 20,000 rows per row group, best of ${runs}, Node ${process.version}`,
    '',
    '| command | input | seconds | MB/s | × naive | × floor | CPU s (user+sys) | peak RSS MB |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const mbs = mb / r.secs;
    const xn = naive[r.codec] ? (naive[r.codec] / r.secs).toFixed(2) : '';
    out.push(
      `| ${r.label} | ${r.codec} | ${r.secs.toFixed(2)} | ${mbs.toFixed(1)} | ${xn} | ${(floor.secs / r.secs).toFixed(2)} | ${r.cpu === undefined ? '' : r.cpu.toFixed(2)} | ${r.rss === undefined ? '' : r.rss.toFixed(0)} |`,
    );
  }
  const hf = rows.filter((r) => r.label === 'hf-fetch --no-meta');
  out.push('', `Goals (hf-fetch --no-meta, default --threads = ${Math.min(4, (await import('node:os')).availableParallelism())}): ≥ 1.5× naive and ≥ 0.6× floor:`);
  for (const r of hf)
    out.push(
      `- ${r.codec}: ${(naive[r.codec] / r.secs).toFixed(2)}× naive (${naive[r.codec] / r.secs >= 1.5 ? 'ok' : 'FAIL'}), ${(floor.secs / r.secs).toFixed(2)}× floor (${floor.secs / r.secs >= 0.6 ? 'ok' : 'FAIL'})`,
    );
  out.push('', `hf-fetch --no-meta output vs the corpus NDJSON: ${roundTrip.join(', ')}`);
  process.stdout.write(`${out.join('\n')}\n`);
}
