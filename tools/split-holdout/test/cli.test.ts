import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseArgs, renderHelp } from '@ldt/cli';
import { checkSpec, main, spec } from '@ldt/split-holdout';
import { assertCounts, docTests, goldenCases, parseNdjson, repoRoot, runBin, runInProcess, runShell, sharedData, tmpDir, waitFor } from '@ldt/testkit';

const pkgDir = fileURLToPath(new URL('../../', import.meta.url));

for (const c of goldenCases(join(pkgDir, 'test', 'cases'))) test(`golden: ${c.name}`, () => c.run(main));

docTests(pkgDir, [spec, checkSpec]);

test('README embeds the current --help text of split-holdout check', () => {
  assert.ok(readFileSync(join(pkgDir, 'README.md'), 'utf8').includes(renderHelp(checkSpec).trim()), 'README.md: paste `split-holdout check --help` into the check help block');
});

test('argv → options: defaults and conversions', async () => {
  const d = await parseArgs(spec, []);
  assert.equal(d.options.ratios, 'train=0.98,val=0.01,test=0.01');
  assert.equal(d.options.seed, 0);
  assert.equal(d.options['missing-group'], 'error');
  assert.equal(d.options['holdout-split'], 'test');
  assert.equal(d.options['holdout-key'], 'meta.content_hash');
  const o = await parseArgs(spec, ['--group-by', 'a.b,c', '--holdout', 'x=1', '--holdout', 'y=2', '--seed', '9']);
  assert.deepEqual(o.options['group-by'], ['a.b', 'c']);
  assert.deepEqual(o.options.holdout, ['x=1', 'y=2']);
  for (const bad of [
    ['--ratios', 'train=0.5'],
    ['--seed', 'x'],
    ['--holdout', 'novalue'],
    ['--missing-group', 'skip'],
    ['--holdout-split', 'a/b'],
  ]) {
    const r = await runInProcess(main, bad, { stdin: '{"a":1}\n' });
    assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /\nTry 'split-holdout --help' for more information\.\n$/);
  }
  const c = await runInProcess(main, ['check', '--ratios', 'a=1']);
  assert.equal(c.code, 2);
  assert.equal(c.stderr, "split-holdout check: unknown option '--ratios'\nTry 'split-holdout check --help' for more information.\n");
});

test('the bin: --version, --help, check --help, a bad line names file and line', () => {
  assert.match(runBin('split-holdout', ['--version']).stdout, /^split-holdout \d+\.\d+\.\d+\n$/);
  assert.ok(runBin('split-holdout', ['--help']).stdout.startsWith('split-holdout '));
  assert.ok(runBin('split-holdout', ['check', '--help']).stdout.startsWith('split-holdout check '));
  const dir = tmpDir();
  const p = join(dir, 'bad.ndjson');
  writeFileSync(p, '{"text":"a"}\n[1]\n');
  const r = runBin('split-holdout', [p]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^split-holdout: ${p.replaceAll('/', '\\/')}:2: expected a JSON object, got an array`));
  const h = runShell(`split-holdout ${' examples/gsm8k-sample.ndjson'.repeat(6)} | head -1`);
  assert.equal(h.code, 0, h.stderr);
  assert.equal(h.stdout.split('\n').length, 2);
});

test('--out-dir: one file per split with meta.split; the same rows as stdout; nothing left on error', async () => {
  const file = join(repoRoot(), 'examples', 'split-holdout-sources.ndjson');
  const dir = tmpDir();
  const out = join(dir, 'splits');
  const r = await runInProcess(main, ['--ratios', 'train=0.5,val=0.25,test=0.25', '--group-by', 'meta.source', '--seed', '4', '--out-dir', out, file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.deepEqual(readdirSync(out).sort(), ['test.ndjson', 'train.ndjson', 'val.ndjson']);
  const s = await runInProcess(main, ['--ratios', 'train=0.5,val=0.25,test=0.25', '--group-by', 'meta.source', '--seed', '4', file]);
  const bySplit = new Map<string, string[]>();
  for (const line of s.stdout.split('\n').filter(Boolean)) {
    const name = JSON.parse(line).meta.split;
    bySplit.set(name, [...(bySplit.get(name) ?? []), line]);
  }
  for (const name of ['train', 'val', 'test']) {
    const lines = readFileSync(join(out, `${name}.ndjson`), 'utf8')
      .split('\n')
      .filter(Boolean);
    assert.deepEqual(lines, bySplit.get(name) ?? [], name);
  }
  // A bad line at the end: no split file appears and no temporary directory is left.
  const bad = join(dir, 'bad.ndjson');
  writeFileSync(bad, `${readFileSync(file, 'utf8')}{"oops":\n`);
  const out2 = join(dir, 'splits2');
  const e = await runInProcess(main, ['--out-dir', out2, bad]);
  assert.equal(e.code, 1);
  assert.deepEqual(readdirSync(out2), []);
});

test('--out-dir: Ctrl-C leaves no half-written split files', async () => {
  const dir = tmpDir('ldt-split-sig-');
  const bin = join(repoRoot(), 'node_modules', '.bin', 'split-holdout');
  const child = spawn(bin, ['--out-dir', dir], { stdio: ['pipe', 'ignore', 'pipe'] });
  child.stdin.write(Array.from({ length: 2000 }, (_, i) => `{"i":${i}}\n`).join(''));
  const started = await waitFor(() => readdirSync(dir).some((f) => f.startsWith('.split-holdout-')));
  assert.ok(started, 'the temporary directory did not appear');
  await new Promise((r) => setTimeout(r, 200));
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.kill('SIGINT');
  const { code, signal } = await exit;
  assert.ok(signal === 'SIGINT' || code === 130, `code ${code} signal ${signal}`);
  assert.deepEqual(readdirSync(dir), []);
});

test('check: a clean split passes (exit 0); planted exact, group and near leaks are each caught with file:line on both sides', async () => {
  const dir = tmpDir();
  const out = join(dir, 's');
  const file = join(repoRoot(), 'examples', 'split-holdout-sources.ndjson');
  assert.equal((await runInProcess(main, ['--ratios', 'train=0.8,test=0.2', '--group-by', 'meta.source', '--seed', '4', '--out-dir', out, file])).code, 0);
  const clean = await runInProcess(main, ['check', '--group-by', 'meta.source', join(out, 'train.ndjson'), join(out, 'test.ndjson')]);
  assert.equal(clean.code, 0, clean.stderr);
  assert.equal(clean.stdout, '');
  assert.match(clean.stderr, /leaks: exact 0, group 0\n$/);

  const train = join(out, 'train.ndjson');
  const test_ = join(out, 'test.ndjson');
  const trainLines = readFileSync(train, 'utf8').split('\n').filter(Boolean);
  const testLines = readFileSync(test_, 'utf8').split('\n').filter(Boolean);
  // Exact: a train row copied into test (its meta.split says test now; content is the same).
  const copy = JSON.parse(trainLines[4]);
  copy.meta.split = 'test';
  const g = JSON.parse(testLines[0]);
  // Group: a new test row that claims a train row's source.
  const groupLeak = { text: 'new', meta: { source: JSON.parse(trainLines[0]).meta.source, split: 'test' } };
  // Near: one cluster id on a train row and a test row.
  const t0 = JSON.parse(trainLines[1]);
  t0.meta.cluster = 'c1';
  g.meta.cluster = 'c1';
  const leakyTest = join(dir, 'test.ndjson');
  const leakyTrain = join(dir, 'train.ndjson');
  writeFileSync(leakyTrain, `${[trainLines[0], JSON.stringify(t0), ...trainLines.slice(2)].join('\n')}\n`);
  writeFileSync(leakyTest, `${[JSON.stringify(g), ...testLines.slice(1), JSON.stringify(copy), JSON.stringify(groupLeak)].join('\n')}\n`);
  const n = testLines.length;
  const r = await runInProcess(main, ['check', '--near', '--group-by', 'meta.source', leakyTrain, leakyTest]);
  assert.equal(r.code, 1);
  const leaks = r.stdout.split('\n').filter(Boolean);
  assert.deepEqual(leaks.map((l) => l.split(':')[0]).sort(), ['exact duplicate across splits', 'group in two splits', 'near-duplicate cluster in two splits']);
  assert.ok(leaks.includes(`near-duplicate cluster in two splits: ${leakyTest}:1 [test] and ${leakyTrain}:2 [train] (cluster "c1")`), r.stdout);
  assert.ok(
    leaks.some((l) => l.startsWith(`exact duplicate across splits: ${leakyTest}:${n + 1} [test] and ${leakyTrain}:5 [train] (content hash "`)),
    r.stdout,
  );
  assert.ok(
    leaks.some((l) => l.startsWith(`group in two splits: ${leakyTest}:${n + 1} [test] and ${leakyTrain}:1 [train] (group `)),
    r.stdout,
  );
  assert.match(r.stderr, /leaks: exact 1, group 1, near 1\n$/);
  // Without --near the cluster is not checked; without --group-by neither are groups.
  const e = await runInProcess(main, ['check', leakyTrain, leakyTest]);
  assert.equal(e.code, 1);
  assert.equal(e.stdout.split('\n').filter(Boolean).length, 1);
});

test('check: the split comes from meta.split, else the file name; stdin rows need meta.split', async () => {
  const dir = tmpDir();
  const a = join(dir, 'val.ndjson.gz');
  const { gzipSync } = await import('node:zlib');
  writeFileSync(a, gzipSync('{"x":1}\n'));
  const b = join(dir, 'train.jsonl');
  writeFileSync(b, '{"x":1}\n');
  const r = await runInProcess(main, ['check', a, b]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /\[train\] and .*val\.ndjson\.gz:1 \[val\]/);
  const s = await runInProcess(main, ['check'], { stdin: '{"x":1}\n' });
  assert.equal(s.code, 1);
  assert.match(s.stderr, /^split-holdout check: <stdin>:1: row has no meta.split/);
  // The output of split-holdout itself never leaks: groups and exact duplicates stay together.
  const chat = join(repoRoot(), 'examples', 'chat.ndjson');
  const piped = runShell(`split-holdout --ratios train=0.5,val=0.25,test=0.25 --quiet ${chat} | split-holdout check`);
  assert.equal(piped.code, 0, piped.stdout + piped.stderr);
  assert.match(piped.stderr, /splits: (train|val|test) \d+, (train|val|test) \d+, (train|val|test) \d+; leaks: exact 0\n$/);
});

test('shared data: GSM8K train split by question never puts one question in two splits', { skip: sharedData('gsm8k/train.jsonl') ? false : 'needs ../shared/data' }, async () => {
  const file = sharedData('gsm8k/train.jsonl') as string;
  const r = await runInProcess(main, ['--group-by', 'question', '--normalize', 'whitespace', '--ratios', 'train=0.9,test=0.1', file]);
  assert.equal(r.code, 0, r.stderr);
  const rows = parseNdjson(r.stdout);
  assert.equal(rows.length, 7473);
  const test = rows.filter((x) => (x.meta as { split: string }).split === 'test').length;
  assert.ok(Math.abs(test - 747.3) < 4 * Math.sqrt(7473 * 0.09), `test ${test}`);
  const dir = tmpDir();
  writeFileSync(join(dir, 'all.ndjson'), r.stdout);
  const c = await runInProcess(main, ['check', '--group-by', 'question', '--normalize', 'whitespace', join(dir, 'all.ndjson')]);
  assert.equal(c.code, 0, c.stdout);
  assert.ok(existsSync(file));
});

test('--threads changes nothing: output, rejects and summary (many chunks, bad lines, missing groups)', async () => {
  const dir = tmpDir();
  const p = join(dir, 'big.ndjson');
  const lines: string[] = [];
  for (let i = 0; i < 12_000; i++) {
    if (i % 997 === 5) lines.push('{"text": broken');
    else if (i % 1301 === 11) lines.push(JSON.stringify({ text: `no group ${i}` }));
    else if (i % 2003 === 9) lines.push('');
    else lines.push(JSON.stringify({ conv: `c${i % 3000}`, text: `row ${i} ${'x'.repeat(200)}` }));
  }
  writeFileSync(p, `${lines.join('\n')}\n`);
  assert.ok(readFileSync(p).length > 2 * 1024 * 1024, 'the input spans several read chunks');
  const results: string[] = [];
  for (const threads of ['1', '3']) {
    const r = await runInProcess(main, ['--threads', threads, '--group-by', 'conv', '--rejects', join(dir, `rej${threads}`), '--stats', join(dir, `st${threads}`), p]);
    assert.equal(r.code, 0, r.stderr);
    const stats = JSON.parse(readFileSync(join(dir, `st${threads}`), 'utf8'));
    delete stats.argv;
    results.push([r.stdout, r.stderr, readFileSync(join(dir, `rej${threads}`), 'utf8'), JSON.stringify(stats)].join('\n=====\n'));
  }
  assert.equal(results[1], results[0]);
  assert.match(results[0], /rejected \d+ \(bad_json \d+, missing_group \d+\)/);
});

test('issue 15: --holdout PATH=GLOB holds out every matching source family (the glob of curriculum-route)', async () => {
  const input = join(repoRoot(), 'examples', 'split-holdout-sources.ndjson');
  const r = await runInProcess(main, ['--ratios', 'train=0.9,val=0.1', '--holdout', 'meta.source=openai/grade-school-math *', '--holdout-split', 'test', input]);
  assert.equal(r.code, 0, r.stderr);
  const rows = parseNdjson(r.stdout) as { meta: { source: string; split: string } }[];
  const gsm = rows.filter((x) => x.meta.source.startsWith('openai/grade-school-math '));
  assert.ok(gsm.length > 0);
  for (const x of gsm) assert.equal(x.meta.split, 'test', x.meta.source);
  assert.ok(rows.some((x) => x.meta.split !== 'test'));
  assertCounts('split-holdout', r);
  // ? is one character; an exact value still works as before.
  const q = await runInProcess(main, ['--holdout', 'meta.family=multiple-choic?', input]);
  const e = await runInProcess(main, ['--holdout', 'meta.family=multiple-choice', input]);
  assert.equal(q.code, 0, q.stderr);
  assert.equal(q.stdout, e.stdout);
});

test('issue 15: a --holdout rule that matches no row is exit 1 with nothing written, unless --allow-empty-holdout', async () => {
  const input = join(repoRoot(), 'examples', 'split-holdout-sources.ndjson');
  const dir = tmpDir();
  const r = await runInProcess(main, ['--holdout', 'meta.family=multiple-choice', '--holdout', 'meta.famly=sarcasm', '--out-dir', join(dir, 'out'), input]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    'split-holdout: --holdout "meta.famly=sarcasm" matched no row\n  hint: check the PATH and the GLOB (* any run of characters, ? one); pass --allow-empty-holdout when a shard may lack them\n',
  );
  assert.ok(!existsSync(join(dir, 'out')), 'the run failed before creating --out-dir');
  const ok = await runInProcess(main, ['--holdout', 'meta.family=multiple-choice', '--holdout', 'meta.famly=sarcasm', '--allow-empty-holdout', input]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /^split-holdout: warning: --holdout "meta.famly=sarcasm" matched no row\n/);
  // From standard input too (the spool is removed).
  const s = await runInProcess(main, ['--holdout', 'meta.source=nothing/*'], { stdin: readFileSync(input) });
  assert.equal(s.code, 1);
});

test('issue 15: split-holdout chek is a mistyped subcommand (exit 2, did you mean)', async () => {
  const r = await runInProcess(main, ['chek', 'x.ndjson']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, "split-holdout: unknown command 'chek'; did you mean 'check'?\nTry 'split-holdout --help' for more information.\n");
});
