import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { xxh64 } from '@ldt/hash';
import { main, registryCheckSpec, registryEnableSpec, registryListSpec, registryPlanSpec, spec } from '@ldt/hf-fetch';
import { assertCounts, docTests, goldenCases, parseNdjson, repoRoot, runBin, runInProcess, runShell, sharedData, tmpDir } from '@ldt/testkit';

// Worker threads even for these small files (hf-fetch reads files under 64 MiB on one thread):
// spawned bins inherit process.env, in-process runs are given `workersAlways`.
process.env.LDT_HF_PARALLEL_MIN_BYTES = '0';
const workersAlways = { env: { LDT_HF_PARALLEL_MIN_BYTES: '0' } };

const pkgDir = fileURLToPath(new URL('../../', import.meta.url));

for (const c of goldenCases(join(pkgDir, 'test', 'cases'))) test(`golden: ${c.name}`, () => c.run(main));

docTests(pkgDir, [spec, registryCheckSpec, registryListSpec, registryPlanSpec, registryEnableSpec]);

test('every --help example reads examples/ and writes rows', () => {
  assert.ok(spec.examples.length >= 4);
  for (const [cmd] of spec.examples) {
    assert.ok(cmd.includes('examples/'), cmd);
    const r = runShell(cmd);
    assert.equal(r.code, 0, `${cmd}\n${r.stderr}`);
    assert.ok(r.stdout.length > 0, cmd);
  }
});

test('the bin: --version, --help, usage error exit codes; | head -1 is quiet', () => {
  const v = runBin('hf-fetch', ['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^hf-fetch \d+\.\d+\.\d+\n$/);
  const h = runBin('hf-fetch', ['--help']);
  assert.equal(h.code, 0);
  assert.ok(h.stdout.startsWith('hf-fetch '));
  const u = runBin('hf-fetch', ['--bogus']);
  assert.equal(u.code, 2);
  assert.equal(u.stdout, '');
  assert.equal(u.stderr, "hf-fetch: unknown option '--bogus'\nTry 'hf-fetch --help' for more information.\n");
  const p = runShell('hf-fetch examples/hf-fetch-gsm8k --config jsonl | head -1');
  assert.equal(p.code, 0, p.stderr);
  assert.doesNotMatch(p.stderr, /error|EPIPE/i);
  assert.equal(parseNdjson(p.stdout).length, 1);
});

test('the bin: | head -1 on a large output ends quietly with exit 0', (t) => {
  const big = sharedData('gsm8k/verl_gsm8k_train.parquet');
  if (!big) return t.skip('../shared/data is absent');
  const r = runShell(`hf-fetch ${big} | head -1`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(parseNdjson(r.stdout).length, 1);
});

test('issue 15: hf-fetch FILE.json | head -1 is quiet (no false "read N, wrote N"), and so is JSON Lines', () => {
  const dir = tmpDir();
  const rows = Array.from({ length: 3000 }, (_, i) => ({ question: `q${i} ${'x'.repeat(300)}`, answer: String(i) }));
  writeFileSync(join(dir, 'rows.json'), JSON.stringify(rows));
  writeFileSync(join(dir, 'rows.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
  for (const f of ['rows.json', 'rows.jsonl']) {
    const r = runShell(`hf-fetch ${join(dir, f)} | head -1`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', f);
    assert.equal(parseNdjson(r.stdout).length, 1);
  }
  // Not vacuous: without head the same run prints its summary.
  const all = runShell(`hf-fetch ${join(dir, 'rows.json')} > /dev/null`);
  assert.match(all.stderr, /^hf-fetch: read 3000, wrote 3000, dropped 0/);
  assertCounts('hf-fetch', all);
});

test('a local folder: configs from the card, all splits in order, provenance and licence', async () => {
  const r = await runInProcess(main, [join(repoRoot(), 'examples', 'hf-fetch-gsm8k')]);
  assert.equal(r.code, 0, r.stderr);
  const rows = parseNdjson(r.stdout);
  assert.equal(rows.length, 42);
  const metas = rows.map((x) => (x.meta as { source: string; license: string }).source);
  // A folder's files are named <folder>/<path>, plus their content hash (issue 23 item 4).
  const train = xxh64(readFileSync(join(repoRoot(), 'examples', 'hf-fetch-gsm8k', 'data', 'train-00000-of-00001.parquet'))).toString('hex');
  assert.equal(metas[0], `hf-fetch-gsm8k/data/train-00000-of-00001.parquet@xxh3-${train}?config=main&split=train#0`);
  assert.match(metas[41], /^hf-fetch-gsm8k\/data\/test-00000-of-00001\.parquet@xxh3-[0-9a-f]{16}\?config=main&split=test#11$/);
  assert.equal((rows[0].meta as { license: string }).license, 'mit');
  // The jsonl config holds the same rows.
  const j = await runInProcess(main, [join(repoRoot(), 'examples', 'hf-fetch-gsm8k'), '--config', 'jsonl', '--no-meta']);
  assert.deepEqual(
    parseNdjson(j.stdout),
    rows.map((x) => ({ question: x.question, answer: x.answer })),
  );
});

test("issue 23: a local file's meta.source is its name and content hash, the same from any working directory, path spelling or symlink", async () => {
  const dir = tmpDir();
  mkdirSync(join(dir, 'data', 'sub'), { recursive: true });
  const file = join(dir, 'data', 'sub', 'a.jsonl');
  writeFileSync(file, '{"x":1}\n{"x":2}\n');
  symlinkSync(file, join(dir, 'link.jsonl'));
  const hash = xxh64(readFileSync(file)).toString('hex');
  const sources = async (args: string[], cwd: string) => {
    const r = runBin('hf-fetch', [...args, '-q'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    return parseNdjson(r.stdout).map((x) => (x.meta as { source: string }).source);
  };
  const want = [`a.jsonl@xxh3-${hash}?config=default&split=train#0`, `a.jsonl@xxh3-${hash}?config=default&split=train#1`];
  assert.deepEqual(await sources([file], tmpDir()), want, 'absolute path');
  assert.deepEqual(await sources(['a.jsonl'], join(dir, 'data', 'sub')), want, 'relative path');
  assert.deepEqual(await sources(['sub/../sub/a.jsonl'], join(dir, 'data')), want, 'another spelling');
  assert.deepEqual(await sources(['link.jsonl'], dir), want, 'through a symlink');
  // --source-root: the path below it, wherever the command runs.
  const rooted = [`sub/a.jsonl@xxh3-${hash}?config=default&split=train#0`, `sub/a.jsonl@xxh3-${hash}?config=default&split=train#1`];
  assert.deepEqual(await sources(['--source-root', join(dir, 'data'), file], tmpDir()), rooted);
  assert.deepEqual(await sources(['--source-root', '..', 'a.jsonl'], join(dir, 'data', 'sub')), rooted);
  // Different bytes under the same name never share a source.
  const other = join(tmpDir(), 'a.jsonl');
  writeFileSync(other, '{"x":1}\n{"x":3}\n');
  const o = await sources([other], dir);
  assert.notEqual(o[0], want[0]);
  assert.match(o[0], /^a\.jsonl@xxh3-[0-9a-f]{16}\?config=default&split=train#0$/);
  // A file outside --source-root is a usage error.
  const u = runBin('hf-fetch', ['--source-root', join(dir, 'data'), other]);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /^hf-fetch: .*a\.jsonl is not inside --source-root /);
  // A dataset folder: <folder>/<path>, or relative to --source-root.
  assert.deepEqual(await sources(['data'], dir), [`data/sub/a.jsonl@xxh3-${hash}?config=default&split=train#0`, `data/sub/a.jsonl@xxh3-${hash}?config=default&split=train#1`]);
  assert.deepEqual((await sources([join(dir, 'data'), '--source-root', dir], tmpDir()))[0], `data/sub/a.jsonl@xxh3-${hash}?config=default&split=train#0`);
});

test('issue 23: standard input (DATASET -) is named by --source-name, default stdin; its extension gives the format', async () => {
  const r = await runInProcess(main, ['-', '-q'], { stdin: Buffer.from('{"x":1}\n{"x":2}\n') });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    parseNdjson(r.stdout).map((x) => (x.meta as { source: string }).source),
    ['stdin?config=default&split=train#0', 'stdin?config=default&split=train#1'],
  );
  const c = await runInProcess(main, ['-', '--source-name', 'eval/test.csv', '-q'], { stdin: Buffer.from('q,a\n1,2\n') });
  assert.equal(c.code, 0, c.stderr);
  assert.deepEqual(parseNdjson(c.stdout), [{ q: '1', a: '2', meta: { source: 'eval/test.csv?config=default&split=test#0' } }]);
  const p = await runInProcess(main, ['-', '--source-name', 'x.parquet'], { stdin: Buffer.from('') });
  assert.equal(p.code, 2);
  assert.match(p.stderr, /parquet cannot be read from standard input/);
  const mixed = await runInProcess(main, ['-', 'x.jsonl'], { stdin: Buffer.from('') });
  assert.equal(mixed.code, 2);
});

test('a snapshot folder of the HF cache is read with hf:// provenance', async () => {
  const root = tmpDir();
  const sha = 'a'.repeat(40);
  const snap = join(root, 'datasets--acme--demo', 'snapshots', sha);
  mkdirSync(join(snap, 'data'), { recursive: true });
  writeFileSync(join(root, 'blob'), '{"x":1}\n');
  symlinkSync(join(root, 'blob'), join(snap, 'data', 'train.jsonl'));
  const r = await runInProcess(main, [snap]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `{"x":1,"meta":{"source":"hf://datasets/acme/demo@${sha}/data/train.jsonl?config=default&split=train#0"}}\n`);
});

test('same dataset and flags give byte-identical output and stats', async () => {
  const dir = tmpDir();
  const outs: string[] = [];
  for (let i = 0; i < 2; i++) {
    const r = await runInProcess(main, [join(repoRoot(), 'examples', 'hf-fetch-gsm8k'), '--stats', join(dir, 's.json')]);
    outs.push(r.stdout + r.stderr + readFileSync(join(dir, 's.json'), 'utf8'));
  }
  assert.equal(outs[0], outs[1]);
});

test('--list on local files: configs, splits, files, parquet row counts; no rows read', async () => {
  const r = await runInProcess(main, [join(repoRoot(), 'examples', 'hf-fetch-gsm8k'), '--list', '--config', 'main']);
  assert.equal(r.code, 0, r.stderr);
  const rows = parseNdjson(r.stdout);
  assert.deepEqual(
    rows.map((x) => [x.kind, x.split ?? x.config ?? x.dataset, x.rows ?? null]),
    [
      ['dataset', rows[0].dataset, null],
      ['config', 'main', null],
      ['split', 'train', 30],
      ['file', 'train', 30],
      ['split', 'test', 12],
      ['file', 'test', 12],
    ],
  );
  assert.match(r.stderr, /read 0, wrote 6/);
});

test('--threads: the same bytes for any thread count, with --limit, --columns and provenance', async () => {
  const file = fileURLToPath(new URL('../../test/fixtures/gsm8k-train.parquet', import.meta.url));
  for (const extra of [[], ['--limit', '13'], ['--columns', 'answer', '--no-meta']]) {
    const outs: string[] = [];
    for (const n of ['1', '2', '3']) {
      const r = await runInProcess(main, [file, '--threads', n, ...extra], workersAlways);
      assert.equal(r.code, 0, r.stderr);
      outs.push(r.stdout + r.stderr);
    }
    assert.equal(outs[1], outs[0], `--threads 2 ${extra.join(' ')}`);
    assert.equal(outs[2], outs[0], `--threads 3 ${extra.join(' ')}`);
  }
  const r = await runInProcess(main, [file, '--threads', '2', '--limit', '13'], workersAlways);
  assert.equal(parseNdjson(r.stdout).length, 13);
});

test('--threads: a row group that fails to decode in a worker is an error naming the file', async () => {
  const dir = tmpDir();
  const good = readFileSync(fileURLToPath(new URL('../../test/fixtures/gsm8k-train.parquet', import.meta.url)));
  const bad = Buffer.from(good);
  // Corrupt the middle of the data pages, keep the footer intact.
  for (let i = 6000; i < 6400; i++) bad[i] = 0xff;
  writeFileSync(join(dir, 'train.parquet'), bad);
  const r = await runInProcess(main, [join(dir, 'train.parquet'), '--threads', '2'], workersAlways);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /train\.parquet: cannot read row group at row \d+: /);
});
