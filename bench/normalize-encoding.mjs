// normalize-encoding throughput against the NDJSON pass-through floor (bench/passthrough.mjs).
//
//   node bench/normalize-encoding.mjs [--size 64MB] [--runs 3] [--seed 1] [--data DIR]
//
// Corpora (all under bench/out/, generated once and reused):
//   clean     the shared bench corpus (bench/corpus.mjs: real chat turns, mostly English)
//   broken5   the same rows, 5% of them (seeded) broken: ' → ’, " - " → " — ", " naïve café"
//             appended, then every string read as windows-1252 (UTF-8 bytes → â€™, Ã¯, Ã©)
//   udhr      the 7,088 UDHR rows (26 scripts, all correct) repeated to the size: clean text with
//             no ASCII fast path (for information; no goal)
// Goals (issue 7): clean ≥ 0.6× the floor, broken5 ≥ 0.4×. Ratio = floor time / tool time, by wall
// time and by CPU time (user + sys).
// Prints a markdown table to stdout; exits 0 even when a goal is missed (printed as FAIL).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCorpus, mulberry32, parseSize, sizeLabel } from './corpus.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const OUT = join(ROOT, 'bench', 'out');
const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const sizeBytes = parseSize(flag('size', '64MB'));
const runs = Number(flag('runs', '3'));
const seed = Number(flag('seed', '1'));
const dataDir = resolve(flag('data', join(ROOT, '..', 'shared', 'data')));
const log = (s) => process.stderr.write(`bench: ${s}\n`);

const clean = ensureCorpus({ dataDir, outDir: OUT, sizeBytes, seed, log }).file;

const WIN1252 =
  '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ\u00a0¡¢£¤¥¦§¨©ª«¬\u00ad®¯°±²³´µ¶·¸¹º»¼½¾¿ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ';
const misread = (s) => {
  let o = '';
  for (const b of Buffer.from(s, 'utf8')) o += b < 0x80 ? String.fromCharCode(b) : WIN1252[b - 0x80];
  return o;
};
const breakValue = (v) =>
  typeof v === 'string'
    ? misread(`${v.replaceAll("'", '’').replaceAll(' - ', ' — ')} naïve café`)
    : Array.isArray(v)
      ? v.map(breakValue)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'id' ? x : breakValue(x)]))
        : v;

function derive(name, makeLine) {
  const file = join(OUT, `normalize-encoding-${name}-seed${seed}-${sizeLabel(sizeBytes)}.ndjson`);
  if (existsSync(file)) return file;
  log(`writing ${file}`);
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  let bytes = 0;
  let buf = [];
  const flush = () => {
    writeSync(fd, buf.join(''));
    buf = [];
  };
  for (const line of makeLine()) {
    const l = `${line}\n`;
    bytes += Buffer.byteLength(l);
    buf.push(l);
    if (buf.length >= 4096) flush();
    if (bytes >= sizeBytes) break;
  }
  flush();
  closeSync(fd);
  renameSync(tmp, file);
  return file;
}

const broken5 = derive('broken5', function* () {
  const rand = mulberry32(seed + 7);
  for (const line of readFileSync(clean, 'utf8').split('\n')) {
    if (line === '') continue;
    yield rand() < 0.05 ? JSON.stringify(breakValue(JSON.parse(line))) : line;
  }
});
const udhr = derive('udhr', function* () {
  const lines = readFileSync(join(dataDir, 'multilingual', 'udhr_shared.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean);
  for (;;) for (const l of lines) yield l;
});

// Best of `runs`: wall time, and CPU time (user + sys, from GNU time when present): on a shared,
// loaded machine the CPU-time ratio is the steadier figure.
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
function best(cmd) {
  let wall = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const timed = TIME ? `${TIME} -f '%U %S' ${cmd}` : cmd;
    const r = spawnSync('bash', ['-c', `set -o pipefail; ${timed} > /dev/null`], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`failed (${r.status}): ${cmd}\n${r.stderr}`);
    wall = Math.min(wall, dt);
    const m = /(\d+\.\d+) (\d+\.\d+)\s*$/.exec(r.stderr);
    if (m) cpu = Math.min(cpu, Number(m[1]) + Number(m[2]));
  }
  return { wall, cpu };
}

const tool = 'node tools/normalize-encoding/bin/normalize-encoding.js --quiet';
const rows = [];
for (const [name, file, goal] of [
  ['clean', clean, 0.6],
  ['broken5', broken5, 0.4],
  ['udhr (26 scripts)', udhr, undefined],
]) {
  const mb = statSync(file).size / 2 ** 20;
  const floor = best(`node bench/passthrough.mjs ${file}`);
  const t = best(`${tool} ${file}`);
  const ratio = floor.wall / t.wall;
  const cpuRatio = floor.cpu / t.cpu;
  const verdict = (x) => (goal === undefined ? '—' : `${x >= goal ? 'ok' : 'FAIL'}`);
  rows.push(
    `| ${name} | ${mb.toFixed(0)} | ${(mb / floor.wall).toFixed(0)} | ${(mb / t.wall).toFixed(0)} | ${ratio.toFixed(2)}× ${verdict(ratio)} | ${Number.isFinite(cpuRatio) ? `${cpuRatio.toFixed(2)}× ${verdict(cpuRatio)}` : 'n/a'} | ${goal === undefined ? '—' : `≥ ${goal}×`} |`,
  );
  log(`${name}: floor ${floor.wall.toFixed(2)} s (cpu ${floor.cpu.toFixed(2)}), normalize-encoding ${t.wall.toFixed(2)} s (cpu ${t.cpu.toFixed(2)})`);
}
process.stdout.write(
  `normalize-encoding vs the NDJSON floor (best of ${runs}, Node ${process.version}, seed ${seed})\n\n| corpus | MB | floor MB/s | normalize-encoding MB/s | ratio (wall) | ratio (CPU) | goal |\n|---|---|---|---|---|---|---|\n${rows.join('\n')}\n`,
);
