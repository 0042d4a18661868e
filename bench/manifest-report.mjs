#!/usr/bin/env node
// What `manifest report` and `manifest show` cost on a large dataset, beside the build that made
// it (issue 19: report generation for a 1M-row dataset under 2 s beyond the build). Not a test.
//
//   node bench/manifest-report.mjs [--rows 1000000] [--runs 3]
//
// The dataset: chat rows cycled from examples/chat.ndjson, each with a deterministic meta.source
// (3 datasets), meta.split (train/val/test), meta.phase (cpt/sft), meta.license, meta.cluster and
// meta.cluster_size, meta.pii_status, so every chart of the report has data; a 7-step tool chain
// from --stats-from. Each command runs --runs times, interleaved; the best wall time counts.
// `manifest --version` (start-up of the same bin) is the baseline in the same run.
import { createWriteStream, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { timeCommand } from './timing.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'bench', 'out');
const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' } } });
const N = Number(values.rows);
const runs = Number(values.runs);
mkdirSync(OUT, { recursive: true });
const file = join(OUT, `report-corpus-${N}.ndjson`);
const ds = join(OUT, 'report-ds');
const bin = join(ROOT, 'node_modules', '.bin', 'manifest');

const chats = readFileSync(join(ROOT, 'examples', 'chat.ndjson'), 'utf8')
  .trimEnd()
  .split('\n')
  .map((l) => JSON.parse(l));
const SOURCES = ['org/alpha@1111111:data/train.parquet', 'org/beta@2222222:data/a.jsonl', 'org/gamma@3333333:main.parquet'];
const LICENSES = ['mit', 'apache-2.0', 'cc-by-4.0', null];
const PII = ['clean', 'clean', 'clean', 'redacted'];
const out = createWriteStream(file);
let buf = '';
for (let i = 0; i < N; i++) {
  const c = chats[i % chats.length];
  const size = i % 10 === 0 ? 3 : 1;
  const meta = {
    source: `${SOURCES[i % 3]}#${i}`,
    split: i % 10 < 8 ? 'train' : i % 10 === 8 ? 'val' : 'test',
    phase: i % 7 < 2 ? 'cpt' : 'sft',
    cluster: (i - (i % (size === 3 ? 10 : 1))).toString(16).padStart(32, '0'),
    cluster_size: size,
    pii_status: PII[i % 4],
  };
  if (LICENSES[i % 4]) meta.license = LICENSES[i % 4];
  buf += `${JSON.stringify({ id: i, messages: c.messages, meta })}\n`;
  if (buf.length > 1 << 20) {
    if (!out.write(buf)) await new Promise((r) => out.once('drain', r));
    buf = '';
  }
}
out.end(buf);
await new Promise((r) => out.on('close', r));
const stats = [];
for (const [k, tool] of ['hf-fetch', 'to-chatml', 'normalize-encoding', 'dedup-exact', 'dedup-near', 'split-holdout', 'curriculum-route'].entries()) {
  const p = join(OUT, `report-stats-${k}.json`);
  const dropped = tool === 'dedup-exact' ? { duplicate: 1000 } : {};
  writeFileSync(
    p,
    JSON.stringify({ tool, version: '0.1.0', argv: [], read: N + 1000, written: tool === 'dedup-exact' ? N : N + 1000, dropped, dropped_total: tool === 'dedup-exact' ? 1000 : 0 }),
  );
  stats.push(`--stats-from ${p}`);
}

const commands = [
  { id: 'build', label: `manifest build (${N} rows, token estimate)`, cmd: `${bin} build -q -o ${ds} ${stats.join(' ')} ${file}` },
  { id: 'start', label: 'manifest --version (start-up baseline)', cmd: `${bin} --version > /dev/null` },
  { id: 'report', label: 'manifest report (of that build)', cmd: `${bin} report -q ${ds}` },
  { id: 'show', label: 'manifest show --json (includes verify: re-hashes every shard)', cmd: `${bin} show -q --json ${ds} > /dev/null` },
];
// Wall time (noisy on a shared machine) and CPU time (user + sys, from GNU time: what the command
// itself cost); the best of the runs of each.
const best = new Map(commands.map((c) => [c.id, Number.POSITIVE_INFINITY]));
const cpu = new Map(commands.map((c) => [c.id, Number.POSITIVE_INFINITY]));
for (let i = 0; i < runs; i++)
  for (const c of commands) {
    const t = await timeCommand(c.cmd, { cwd: ROOT, outDir: OUT, tag: 'report' });
    best.set(c.id, Math.min(best.get(c.id), t.wall * 1000));
    cpu.set(c.id, Math.min(cpu.get(c.id), t.cpu * 1000));
  }
const load = (await import('node:os')).loadavg()[0].toFixed(1);
const bytes = statSync(file).size;
const manifestBytes = statSync(join(ds, 'manifest.json')).size;
const reportBytes = statSync(join(ds, 'report.html')).size;
rmSync(ds, { recursive: true, force: true });
const s = (id) => (best.get(id) / 1000).toFixed(2);
const c = (id) => (cpu.get(id) / 1000).toFixed(2);
const lines = [
  `manifest report on ${N} rows (${(bytes / 2 ** 20).toFixed(1)} MiB), best of ${runs}, Node ${process.version}, load average ${load} at the end; manifest.json ${manifestBytes} bytes, report.html ${reportBytes} bytes`,
  '',
  '| command | wall (s) | CPU user+sys (s) | wall vs build |',
  '| --- | ---: | ---: | ---: |',
  ...commands.map((x) => `| ${x.label} | ${s(x.id)} | ${c(x.id)} | ${(best.get(x.id) / best.get('build')).toFixed(3)}x |`),
  '',
  `${best.get('report') < 2000 ? 'PASS' : 'FAIL'} report < 2 s beyond the build (wall): ${s('report')} s, of which start-up alone ${s('start')} s; CPU ${c('report')} s (start-up ${c('start')} s)`,
];
console.log(lines.join('\n'));
writeFileSync(join(OUT, 'manifest-report.md'), `${lines.join('\n')}\n`);
