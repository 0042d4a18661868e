#!/usr/bin/env node
// ldt benchmark harness (not part of the test suite). See bench/README.md.
//
//   pnpm bench                    # 256 MB corpus, best of 3
//   pnpm bench:core -- --quick         # ~20 MB smoke run
//   pnpm bench:core -- --size 1GB --runs 5
//
// Every command reads the corpus file (warm in the page cache) and writes to a pipe read by
// `cat > /dev/null`. Wall time is measured around the whole pipeline; peak RSS is GNU time's %M
// of the measured command (not of cat). Exit status is 0 even when a goal is missed.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureCorpus, parseSize, SOURCES, sizeLabel } from './corpus.mjs';
import { timeCommand } from './timing.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCH = join(ROOT, 'bench');
const OUT = join(BENCH, 'out');
const MB = 2 ** 20;
const DEDUP = 'node_modules/.bin/dedup-exact';
const TIME = '/usr/bin/time';

const HELP = `ldt benchmark harness

Usage: node bench/run.mjs [--size SIZE | --quick] [--runs N] [--seed N] [--data DIR] [--only NAMES]

  --size SIZE   corpus size, binary units (256MB, 1GB, 20MB). Default: 256MB
  --quick       smoke run: --size 20MB (and --runs 1 unless --runs is given)
  --runs N      timed runs per command; the best (lowest wall time) is reported. Default: 3
  --seed N      corpus PRNG seed. Default: 1
  --data DIR    the shared data folder. Default: ../shared/data relative to the repo root
  --only NAMES  comma-separated command ids to time (see results.json "id"); for debugging
  -h, --help    this help

Writes bench/out/results.json and bench/out/results.md; the corpus is cached in bench/out/.
`;

function fail(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// Options

let opts;
try {
  opts = parseArgs({
    options: {
      size: { type: 'string' },
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      seed: { type: 'string', default: '1' },
      data: { type: 'string' },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  }).values;
} catch (e) {
  process.stderr.write(`bench: ${e.message}\n\n${HELP}`);
  process.exit(2);
}
if (opts.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
let sizeBytes;
try {
  sizeBytes = parseSize(opts.size ?? (opts.quick ? '20MB' : '256MB'));
} catch (e) {
  process.stderr.write(`bench: ${e.message}\n`);
  process.exit(2);
}
const runs = Number(opts.runs ?? (opts.quick ? 1 : 3));
const seed = Number(opts.seed);
if (!Number.isInteger(runs) || runs < 1) fail(`--runs must be a positive integer, got ${opts.runs}`);
if (!Number.isInteger(seed) || seed < 0) fail(`--seed must be a non-negative integer, got ${opts.seed}`);
const only = opts.only ? new Set(opts.only.split(',').map((s) => s.trim())) : undefined;

// ---------------------------------------------------------------------------------------------
// Prerequisites

const dataDir = opts.data ? resolve(opts.data) : resolve(ROOT, '..', 'shared', 'data');
const missingData = SOURCES.filter((s) => !existsSync(join(dataDir, s.path)));
if (missingData.length > 0) {
  fail(
    `the shared data folder is missing or incomplete: ${dataDir}\n` +
      `  expected (relative to it): ${missingData.map((s) => s.path).join(', ')}\n` +
      '  The corpus is built from the public data in ../shared/data relative to the repo root; check it out there or pass --data DIR.',
  );
}
if (!existsSync(join(ROOT, 'shared/ndjson/dist/src/index.js'))) fail('shared/ndjson is not built (shared/ndjson/dist/src/index.js missing); run `pnpm build` first.');
if (!existsSync(join(ROOT, 'tools/dedup-exact/dist/src/cli.js')) || !existsSync(join(ROOT, DEDUP)))
  fail(`dedup-exact is not built or not linked (${DEDUP}); run \`pnpm install && pnpm build\` first.`);
if (!existsSync(join(ROOT, 'node_modules/ndjson'))) fail('the `ndjson` devDependency is not installed; run `pnpm install`.');
if (!existsSync(TIME)) fail(`${TIME} (GNU time) is needed for peak RSS; install it (apt-get install time).`);
const hasCmd = (c) => spawnSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' }).status === 0;

mkdirSync(OUT, { recursive: true });
const log = (s) => process.stderr.write(`${s}\n`);

// ---------------------------------------------------------------------------------------------
// Corpus

log(`bench: corpus ${sizeLabel(sizeBytes)} (seed ${seed}) from ${dataDir}`);
const corpus = ensureCorpus({ dataDir, outDir: OUT, sizeBytes, seed, log: (s) => log(`bench: ${s}`) });
if (corpus.cached) log(`bench: reusing cached ${relative(ROOT, corpus.file)}`);
const meta = corpus.meta;
const FILE = relative(ROOT, corpus.file);
// The --fields line comparison uses the same file: its raw lines are distinct except the injected
// verbatim duplicates (every distinct row has its own id), i.e. ~90% distinct.
const LINES_FILE = FILE;
const inputBytes = meta.bytes;
const inputRows = meta.rows;

// ---------------------------------------------------------------------------------------------
// Commands

const q = (s) => `'${s.replaceAll("'", "'\\''")}'`;
const awkPath = hasCmd('awk') ? realpathSync(spawnSync('sh', ['-c', 'command -v awk'], { encoding: 'utf8' }).stdout.trim()) : undefined;

/** id, label (the table's command column), shell command (run in the repo root, LC_ALL=C). */
const COMMANDS = [
  { id: 'cat', label: 'cat FILE', cmd: `cat ${q(FILE)}`, needs: 'cat' },
  { id: 'floor', label: 'floor: ldt readRows → LineWriter (row.raw)', cmd: `node bench/passthrough.mjs ${q(FILE)}` },
  { id: 'floor-stringify', label: 'floor-stringify: readRows → JSON.stringify(row.value)', cmd: `node bench/passthrough.mjs --stringify ${q(FILE)}` },
  { id: 'ndjson', label: 'ndjson npm package (parse → stringify)', cmd: `node bench/ndjson-baseline.mjs ${q(FILE)}` },
  { id: 'json-chunked', label: 'chunked JSON.parse/JSON.stringify (1 MiB)', cmd: `node bench/json-chunked.mjs ${q(FILE)}` },
  { id: 'jq', label: 'jq -c . FILE', cmd: `jq -c . ${q(FILE)}`, needs: 'jq' },
  { id: 'sort-u', label: 'sort -u FILE', cmd: `sort -u ${q(LINES_FILE)}`, needs: 'sort', lines: true },
  { id: 'awk', label: "awk '!seen[$0]++' FILE", cmd: `awk '!seen[$0]++' ${q(LINES_FILE)}`, needs: 'awk', lines: true },
  { id: 'dedup-exact', label: 'dedup-exact --quiet FILE', cmd: `${DEDUP} --quiet ${q(FILE)}` },
  { id: 'dedup-exact-t1', label: 'dedup-exact --quiet --threads 1 FILE', cmd: `${DEDUP} --quiet --threads 1 ${q(FILE)}` },
  { id: 'dedup-line', label: 'dedup-exact --quiet --fields line FILE', cmd: `${DEDUP} --quiet --fields line ${q(LINES_FILE)}`, lines: true },
];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** One spawn of argv, wall time in ms. */
function spawnMs(argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

/**
 * Start-up cost: median wall time in ms of `n` runs of each argv, after 3 warm-ups each. The
 * commands are interleaved (A B C A B C ...) so background load affects them alike.
 */
function startupMs(argvs, n = 20) {
  for (let i = 0; i < 3; i++) for (const a of argvs) spawnMs(a);
  const xs = argvs.map(() => []);
  for (let i = 0; i < n; i++) for (let k = 0; k < argvs.length; k++) xs[k].push(spawnMs(argvs[k]));
  return xs.map((x) => ({ median_ms: median(x), min_ms: Math.min(...x), runs: n }));
}

// ---------------------------------------------------------------------------------------------
// Measure

const ENV = { ...process.env, LC_ALL: 'C' };
const selected = COMMANDS.filter((c) => (!only || only.has(c.id)) && (!c.needs || hasCmd(c.needs)));
const skipped = COMMANDS.filter((c) => !selected.includes(c)).map((c) => c.id);
for (const c of COMMANDS) if (c.needs && !hasCmd(c.needs)) log(`bench: ${c.needs} not found; skipping ${c.id}`);

// Warm the page cache (and check that the file is readable) before any timing.
spawnSync('cat', [corpus.file], { stdio: ['ignore', 'ignore', 'inherit'] });

const results = new Map(selected.map((c) => [c.id, { ...c, times: [], rss: [], errors: [] }]));
const t0All = performance.now();
const loadBefore = os.loadavg();
log(`bench: ${selected.length} commands × ${runs} run(s) on ${FILE} (${(inputBytes / MB).toFixed(1)} MB, ${inputRows} rows), output | cat > /dev/null`);
// Round-robin over the commands, so slow drift (other load, thermal) hits all of them alike.
for (let r = 0; r < runs; r++) {
  for (const c of selected) {
    const res = results.get(c.id);
    try {
      const m = await timeCommand(c.cmd, { cwd: ROOT, outDir: OUT, tag: 'core' });
      res.times.push(m.wall);
      res.rss.push(m.rss_kb);
      log(`bench: run ${r + 1}/${runs} ${c.id.padEnd(16)} ${m.wall.toFixed(3)} s  ${(m.rss_kb / 1024).toFixed(0)} MB RSS`);
    } catch (e) {
      res.errors.push(e.message);
      log(`bench: run ${r + 1}/${runs} ${c.id} FAILED: ${e.message}`);
    }
  }
}

const rows = [];
for (const c of selected) {
  const res = results.get(c.id);
  if (res.times.length === 0) {
    rows.push({ id: c.id, label: c.label, cmd: c.cmd, error: res.errors[0] });
    continue;
  }
  const best = Math.min(...res.times);
  rows.push({
    id: c.id,
    label: c.label,
    cmd: c.cmd,
    best_s: best,
    times_s: res.times,
    mb_per_s: inputBytes / MB / best,
    rows_per_s: inputRows / best,
    // The highest peak RSS over the runs (conservative; it varies little between runs).
    peak_rss_mb: Math.max(...res.rss) / 1024,
  });
}
const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
const floor = byId.floor?.mb_per_s;
for (const r of rows) r.ratio_to_floor = floor && r.mb_per_s ? r.mb_per_s / floor : undefined;

// Start-up cost.
log('bench: start-up (median of 20 runs each)');
const [suNode, suDedup, suDirect] = startupMs([
  ['node', '-e', '0'],
  [DEDUP, '--version'],
  ['node', 'tools/dedup-exact/bin/dedup-exact.js', '--version'],
]);
const startup = { node: suNode, dedup: suDedup, dedup_direct: suDirect };
startup.ratio = startup.dedup.median_ms / startup.node.median_ms;
startup.extra_ms = startup.dedup.median_ms - startup.node.median_ms;

// Memory per distinct key.
log('bench: dedup-exact --stats runs (memory per distinct key)');
const statsFile = join(OUT, 'stats.json');
const statsLineFile = join(OUT, 'stats-line.json');
const runStats = (extra, file, input) => {
  rmSync(file, { force: true });
  const r = spawnSync('bash', ['-c', `set -o pipefail; ${DEDUP} --quiet ${extra} --stats ${q(relative(ROOT, file))} ${q(input)} | cat > /dev/null`], {
    cwd: ROOT,
    env: ENV,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (r.status !== 0 || !existsSync(file)) {
    log(`bench: dedup-exact --stats failed (exit ${r.status}): ${r.stderr}`);
    return undefined;
  }
  return JSON.parse(readFileSync(file, 'utf8'));
};
const stats = runStats('', statsFile, FILE);
const statsLine = runStats('--fields line', statsLineFile, LINES_FILE);
const distinctKeys = stats?.notes?.distinct_keys;
const tableBytes = stats?.notes?.table_bytes;
const memory = {
  distinct_keys: distinctKeys,
  table_bytes: tableBytes,
  table_bytes_per_key: distinctKeys ? tableBytes / distinctKeys : undefined,
  rows_written: stats?.written,
  line_distinct_keys: statsLine?.notes?.distinct_keys,
  line_table_bytes: statsLine?.notes?.table_bytes,
  line_table_bytes_per_key: statsLine?.notes?.distinct_keys ? statsLine.notes.table_bytes / statsLine.notes.distinct_keys : undefined,
  rss_over_floor_bytes_per_key:
    byId['dedup-exact']?.peak_rss_mb && byId.floor?.peak_rss_mb && distinctKeys ? ((byId['dedup-exact'].peak_rss_mb - byId.floor.peak_rss_mb) * MB) / distinctKeys : undefined,
  // --fields line parses no JSON, so compare its whole peak RSS per distinct line with awk's.
  line_rss_bytes_per_key: byId['dedup-line']?.peak_rss_mb && statsLine?.notes?.distinct_keys ? (byId['dedup-line'].peak_rss_mb * MB) / statsLine.notes.distinct_keys : undefined,
  awk_rss_bytes_per_line: byId.awk?.peak_rss_mb ? (byId.awk.peak_rss_mb * MB) / meta.distinct_lines : undefined,
  distinct_lines: meta.distinct_lines,
};

// ---------------------------------------------------------------------------------------------
// Goals

const f1 = (x) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(1));
const f2 = (x) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(2));
const fint = (x) => (x === undefined ? 'n/a' : Math.round(x).toLocaleString('en-US'));
const goal = (name, pass, detail) => ({ name, pass: pass === undefined ? null : pass, detail });
const ratio = (a, b) => (byId[a]?.mb_per_s && byId[b]?.mb_per_s ? byId[a].mb_per_s / byId[b].mb_per_s : undefined);

const STARTUP_MAX_RATIO = 1.5;
const goals = [];
{
  const x = ratio('floor', 'ndjson');
  goals.push(
    goal(
      'floor ≥ 1.3× the ndjson package',
      x === undefined ? undefined : x >= 1.3,
      `floor ${f1(byId.floor?.mb_per_s)} MB/s vs ndjson ${f1(byId.ndjson?.mb_per_s)} MB/s = ${f2(x)}× (need ≥ 1.30×)`,
    ),
  );
}
{
  const x = ratio('dedup-exact', 'floor');
  goals.push(
    goal(
      'dedup-exact ≥ 0.8× floor',
      x === undefined ? undefined : x >= 0.8,
      `dedup-exact ${f1(byId['dedup-exact']?.mb_per_s)} MB/s vs floor ${f1(floor)} MB/s = ${f2(x)}× (need ≥ 0.80×)`,
    ),
  );
}
{
  const x = ratio('dedup-line', 'awk');
  const dl = byId['dedup-line'];
  const aw = byId.awk;
  goals.push(
    goal(
      "dedup-exact --fields line ≥ 0.7× awk '!seen[$0]++'",
      x === undefined ? undefined : x >= 0.7,
      `dedup-exact --fields line ${f1(dl?.mb_per_s)} MB/s vs awk ${f1(aw?.mb_per_s)} MB/s = ${f2(x)}× (need ≥ 0.70×); peak RSS ${f1(dl?.peak_rss_mb)} MB vs awk ${f1(aw?.peak_rss_mb)} MB (${f2(dl && aw ? dl.peak_rss_mb / aw.peak_rss_mb : undefined)}×)`,
    ),
  );
}
goals.push(
  goal(
    'dedup-exact table bytes per distinct key ≤ 24',
    memory.table_bytes_per_key === undefined ? undefined : memory.table_bytes_per_key <= 24,
    `${fint(tableBytes)} table bytes / ${fint(distinctKeys)} distinct keys = ${f1(memory.table_bytes_per_key)} B/key (need ≤ 24); (RSS − floor RSS) / keys = ${f1(memory.rss_over_floor_bytes_per_key)} B/key; awk RSS / distinct lines = ${f1(memory.awk_rss_bytes_per_line)} B/line`,
  ),
);
goals.push(
  goal(
    `dedup-exact --version start-up ≤ ${STARTUP_MAX_RATIO}× node -e 0`,
    startup.ratio <= STARTUP_MAX_RATIO,
    `${f1(startup.dedup.median_ms)} ms vs node -e 0 ${f1(startup.node.median_ms)} ms = ${f2(startup.ratio)}× (+${f1(startup.extra_ms)} ms; without the pnpm sh shim: ${f1(startup.dedup_direct.median_ms)} ms)`,
  ),
);

// ---------------------------------------------------------------------------------------------
// Report

const cpus = os.cpus();
const machine = {
  cpu: cpus[0]?.model ?? 'unknown',
  cores: cpus.length,
  total_mem_gb: Number((os.totalmem() / 2 ** 30).toFixed(1)),
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  loadavg_1m_before: Number(loadBefore[0].toFixed(2)),
  loadavg_1m_after: Number(os.loadavg()[0].toFixed(2)),
};
const toolVersion = (argv) => {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: ENV });
  return r.status === 0 ? (r.stdout || r.stderr).split('\n')[0].trim() : undefined;
};
const versions = {
  node: process.version,
  jq: hasCmd('jq') ? toolVersion(['jq', '--version']) : undefined,
  sort: toolVersion(['sort', '--version']),
  awk: awkPath,
  ndjson: JSON.parse(readFileSync(join(ROOT, 'node_modules/ndjson/package.json'), 'utf8')).version,
  'dedup-exact': toolVersion([join(ROOT, DEDUP), '--version']),
};
const date = new Date().toISOString();
const git = (() => {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  if (head.status !== 0) return undefined;
  const st = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' });
  const dirty = st.status === 0 ? st.stdout.split('\n').filter(Boolean).length : undefined;
  return { commit: head.stdout.trim(), modified_files: dirty };
})();

const pad = (s, w, right) => (right ? String(s).padStart(w) : String(s).padEnd(w));
const header = ['command', 'MB/s', 'rows/s', 'peak RSS MB', 'ratio to floor'];
const tableRows = rows.map((r) =>
  r.error
    ? [`\`${r.label}\``, 'error', '', '', '']
    : [`\`${r.label}\``, f1(r.mb_per_s), fint(r.rows_per_s), f1(r.peak_rss_mb), r.ratio_to_floor === undefined ? 'n/a' : `${f2(r.ratio_to_floor)}×`],
);
const widths = header.map((h, i) => Math.max(h.length, ...tableRows.map((t) => t[i].length)));
const mdRow = (cells) => `| ${cells.map((c, i) => pad(c, widths[i], i > 0)).join(' | ')} |`;
const table = [mdRow(header), `|${widths.map((w, i) => (i > 0 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`, ...tableRows.map(mdRow)].join('\n');
const goalLines = goals.map((g) => `- **${g.pass === null ? 'N/A' : g.pass ? 'PASS' : 'FAIL'}** ${g.name}: ${g.detail}`).join('\n');

const corpusDesc =
  `${FILE}: ${(inputBytes / MB).toFixed(1)} MB, ${inputRows.toLocaleString('en-US')} chat rows (OpenAI messages), ` +
  `${meta.duplicates_injected.toLocaleString('en-US')} injected exact duplicates (${((100 * meta.duplicates_injected) / inputRows).toFixed(1)}%), ` +
  `${meta.distinct_lines.toLocaleString('en-US')} distinct lines, ${meta.distinct_messages.toLocaleString('en-US')} distinct \`messages\`; ` +
  `seed ${seed}; built from ${meta.turn_pool.toLocaleString('en-US')} real user/assistant turns (${Object.entries(meta.turns_by_source)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')}). The --fields line, sort -u and awk rows use the same file.`;

const md = `# ldt benchmark results

- Date: ${date}
- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.total_mem_gb} GB RAM, ${machine.platform}; load average (1 min) ${machine.loadavg_1m_before} before, ${machine.loadavg_1m_after} after
- Code: ${git ? `commit ${git.commit}${git.modified_files ? ` + ${git.modified_files} modified tracked file(s)` : ''}` : 'not a git checkout'} (the tools as built in dist/ at the time of the run)
- Node ${versions.node}; ${versions.jq ?? 'jq n/a'}; ${versions.sort}; awk = ${versions.awk}; ndjson ${versions.ndjson}; ${versions['dedup-exact']}
- Corpus: ${corpusDesc}
- Method: best wall time of ${runs} run(s), round-robin over the commands, file warm in the page cache; every command writes to a pipe read by \`cat > /dev/null\`; LC_ALL=C; peak RSS = GNU time %M of the command (highest over the runs). MB = 2^20 bytes of input; rows/s = input rows / time.

${table}

Goals (ratios within this run):

${goalLines}

Memory: dedup-exact kept ${fint(distinctKeys)} distinct keys in a ${fint(tableBytes)}-byte table (${f1(memory.table_bytes_per_key)} B/key); (peak RSS − floor peak RSS) / distinct keys = ${f1(memory.rss_over_floor_bytes_per_key)} B/key. --fields line: ${fint(memory.line_distinct_keys)} distinct lines, table ${f1(memory.line_table_bytes_per_key)} B/line, peak RSS / distinct lines = ${f1(memory.line_rss_bytes_per_key)} B/line, vs awk '!seen[$0]++' peak RSS / distinct lines = ${f1(memory.awk_rss_bytes_per_line)} B/line.

Sanity: dedup-exact kept ${fint(distinctKeys)} rows, the generator counted ${fint(meta.distinct_messages)} distinct \`messages\` ${distinctKeys === meta.distinct_messages ? '(match)' : '(MISMATCH)'}; --fields line kept ${fint(memory.line_distinct_keys)}, the generator counted ${fint(meta.distinct_lines)} distinct lines ${memory.line_distinct_keys === meta.distinct_lines ? '(match)' : '(MISMATCH)'}.

Start-up (median of 20): node -e 0 ${f1(startup.node.median_ms)} ms; dedup-exact --version ${f1(startup.dedup.median_ms)} ms via node_modules/.bin (${f2(startup.ratio)}×), ${f1(startup.dedup_direct.median_ms)} ms as node tools/dedup-exact/bin/dedup-exact.js.
`;

const json = {
  date,
  machine,
  git,
  versions,
  args: { size: sizeLabel(sizeBytes), size_bytes: sizeBytes, runs, seed, quick: opts.quick },
  method: { output: 'pipe | cat > /dev/null', time: 'best wall time (hrtime around the pipeline)', rss: 'GNU time %M, max over runs', env: 'LC_ALL=C', mb: 2 ** 20 },
  corpus: { file: FILE, lines_file: LINES_FILE, ...meta, sources: SOURCES },
  results: rows,
  startup,
  memory,
  stats,
  goals,
  skipped,
  total_s: (performance.now() - t0All) / 1000,
};
writeFileSync(join(OUT, 'results.json'), `${JSON.stringify(json, null, 2)}\n`);
writeFileSync(join(OUT, 'results.md'), md);

process.stdout.write(`\n${md}\n`);
const failed = goals.filter((g) => g.pass === false).length;
process.stdout.write(
  `${failed === 0 ? 'all goals met' : `${failed} goal(s) FAILED (not an error: the bench always exits 0)`}; wrote bench/out/results.json and bench/out/results.md\n`,
);
