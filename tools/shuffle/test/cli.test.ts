import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main, mergeSpec, offsetsSpec, spec } from '@ldt/shuffle';
import { assertDeprecatedSpellings, docTests, goldenCases, repoRoot, runBin, runInProcess, runShell, sharedData, tmpDir, waitFor } from '@ldt/testkit';

const pkgDir = fileURLToPath(new URL('../../', import.meta.url));

for (const c of goldenCases(join(pkgDir, 'test', 'cases'))) test(`golden: ${c.name}`, () => c.run(main));

docTests(pkgDir, [spec, mergeSpec, offsetsSpec]);

test('argv → options: defaults and conversions', async () => {
  const { parseArgs } = await import('@ldt/cli');
  const d = await parseArgs(spec, []);
  assert.equal(d.options.seed, 0);
  assert.equal(d.options.memory, 1024 ** 3);
  assert.equal(d.options.validate, false);
  assert.equal(d.options['sample-order'], 'random');
  const o = await parseArgs(spec, ['--seed', '4294967295', '--memory', '128M', '--sample', '10', '--sample-order', 'input', '--tmp-dir', '/x']);
  assert.equal(o.options.seed, 4294967295);
  assert.equal(o.options.memory, 128e6);
  assert.equal(o.options.sample, 10);
  assert.equal(o.options['tmp-dir'], '/x');
  for (const bad of [
    ['--seed', '-1'],
    ['--seed', '4294967296'],
    ['--seed', 'abc'],
    ['--memory', '10'],
    ['--memory', 'lots'],
    ['--sample', '-3'],
    ['--sample-order', 'sorted'],
  ]) {
    const r = await runInProcess(main, bad);
    assert.equal(r.code, 2, bad.join(' '));
    assert.match(r.stderr, /^shuffle: .*\nTry 'shuffle --help' for more information\.\n$/);
  }
});

test('the bin: --version, --help, usage error, bad UTF-8 with its line, | head -1 quiet', () => {
  const v = runBin('shuffle', ['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^shuffle \d+\.\d+\.\d+\n$/);
  assert.ok(runBin('shuffle', ['--help']).stdout.startsWith('shuffle '));
  const u = runBin('shuffle', ['--bogus']);
  assert.equal(u.code, 2);
  assert.equal(u.stderr, "shuffle: unknown option '--bogus'\nTry 'shuffle --help' for more information.\n");
  const dir = tmpDir();
  const p = join(dir, 'bad.ndjson');
  writeFileSync(p, Buffer.concat([Buffer.from('{"a":1}\n{"a":2}\n{"a":"'), Buffer.from([0xff]), Buffer.from('"}\n')]));
  const r = runBin('shuffle', [p]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, new RegExp(`^shuffle: ${p.replaceAll('/', '\\/')}:3: invalid UTF-8 at byte 7 of the line\n`));
  // The reader goes away after one line: exit 0 and no error (a large input, so the pipe does break).
  const h = runShell(`shuffle --seed 1 ${' examples/chat.ndjson examples/gsm8k-sample.ndjson'.repeat(4)} | head -1`);
  assert.equal(h.code, 0, h.stderr);
  assert.doesNotMatch(h.stderr, /error|EPIPE/i);
  assert.equal(h.stdout.split('\n').length, 2);
});

test('--memory does not change the output; the summary says external, --stats has the runs', async () => {
  const file = join(repoRoot(), 'examples', 'chat.ndjson');
  const a = await runInProcess(main, ['--seed', '5', file]);
  const dir = tmpDir();
  const stats = join(dir, 's.json');
  const b = await runInProcess(main, ['--seed', '5', '--memory', '8K', '--tmp-dir', dir, '--stats', stats, file]);
  assert.equal(a.code, 0);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(b.stdout, a.stdout);
  assert.equal(a.stderr, 'shuffle: read 125, wrote 125, dropped 0\n');
  assert.match(b.stderr, /^shuffle: read 125, wrote 125, dropped 0; external: \d+ sorted runs, \d+ merges?\n$/);
  const s = JSON.parse(readFileSync(stats, 'utf8'));
  assert.equal(s.notes.mode, 'external');
  assert.ok(s.notes.runs > 1);
  assert.equal(s.seed, 5);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith('ldt-shuffle-')),
    [],
  );
});

test('--validate: a line that is not an object is an error, or a counted reject', async () => {
  const input = '{"a":1}\n[1,2]\n{"a":2}\n';
  assert.equal((await runInProcess(main, [], { stdin: input })).code, 0);
  const r = await runInProcess(main, ['--validate'], { stdin: input });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^shuffle: <stdin>:2: expected a JSON object, got an array\n/);
  const dir = tmpDir();
  const rej = join(dir, 'rej.ndjson');
  const r2 = await runInProcess(main, ['--validate', '--rejects', rej], { stdin: input });
  assert.equal(r2.code, 0);
  assert.equal(readFileSync(rej, 'utf8'), '[1,2]\n');
  assert.equal(r2.stderr, 'shuffle: read 3, wrote 2, dropped 0, rejected 1 (not_object 1)\n');
  // --validate shuffles the same rows in the same order as the opaque mode.
  const clean = '{"a":1}\n{"a":2}\n{"a":3}\n\n{"a":4}\n';
  assert.equal((await runInProcess(main, ['--validate', '--seed', '2'], { stdin: clean })).stdout, (await runInProcess(main, ['--seed', '2'], { stdin: clean })).stdout);
});

test('--sample: counts the rows left out', async () => {
  const r = await runInProcess(main, ['--sample', '10', join(repoRoot(), 'examples', 'gsm8k-sample.ndjson')]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.split('\n').length, 11);
  assert.equal(r.stderr, 'shuffle: read 200, wrote 10, dropped 190 (not_sampled 190)\n');
});

test('SIGINT during an external shuffle removes the temporary files', async () => {
  const dir = tmpDir('ldt-shuffle-sig-');
  const bin = join(repoRoot(), 'node_modules', '.bin', 'shuffle');
  const child = spawn(bin, ['--memory', '4K', '--tmp-dir', dir], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  // Enough rows for several runs, then keep stdin open so the tool is mid-way when the signal comes.
  child.stdin.write(Array.from({ length: 400 }, (_, i) => `{"i":${i},"pad":"${'p'.repeat(100)}"}\n`).join(''));
  const sawRuns = await waitFor(() => {
    const sub = readdirSync(dir);
    return sub.length === 1 && readdirSync(join(dir, sub[0])).length > 2;
  });
  assert.ok(sawRuns, `no run files appeared; stderr: ${stderr}`);
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.kill('SIGINT');
  const { code, signal } = await exit;
  assert.ok(signal === 'SIGINT' || code === 130, `code ${code} signal ${signal}`);
  assert.deepEqual(readdirSync(dir), []);
});

test('shared data: shuffling the GSM8K train set is a permutation, the same with 64K of memory', {
  skip: sharedData('gsm8k/train.jsonl') ? false : 'needs ../shared/data',
}, async () => {
  const file = sharedData('gsm8k/train.jsonl') as string;
  const a = await runInProcess(main, ['--seed', '123', file]);
  const b = await runInProcess(main, ['--seed', '123', '--memory', '64K', '--tmp-dir', tmpDir(), file]);
  assert.equal(a.code, 0);
  assert.equal(b.stdout, a.stdout);
  const input = readFileSync(file, 'utf8').split('\n').filter(Boolean).sort();
  assert.deepEqual(a.stdout.split('\n').filter(Boolean).sort(), input);
  assert.ok(existsSync(file));
});

test('issue 15: --tmpdir still works (deprecated), the same output as --tmp-dir, through the external path', async () => {
  const file = join(repoRoot(), 'examples', 'chat.ndjson');
  const dir = tmpDir();
  await assertDeprecatedSpellings(main, 'shuffle', ['--seed', '7', '--memory', '16K', '--tmpdir', dir, file], ['--seed', '7', '--memory', '16K', '--tmp-dir', dir, file]);
});
