import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main, spec } from '@ldt/manifest';
import { assertCounts, docTests, repoRoot, runBin, runInProcess, runShell, sharedData, tmpDir } from '@ldt/testkit';

const pkgDir = fileURLToPath(new URL('../../', import.meta.url));

docTests(pkgDir, [spec]);

test('the bin: --version, --help, usage errors exit 2', () => {
  const v = runBin('manifest', ['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^manifest \d+\.\d+\.\d+\n$/);
  const h = runBin('manifest', ['--help']);
  assert.equal(h.code, 0);
  assert.ok(h.stdout.startsWith('manifest '));
  const u = runBin('manifest', ['--bogus']);
  assert.equal(u.code, 2);
  assert.equal(u.stderr, "manifest: unknown option '--bogus'\nTry 'manifest --help' for more information.\n");
});

test('usage errors: no command, unknown command, missing --out-dir, options of another command', async () => {
  const cases: [string[], RegExp][] = [
    [[], /a command is needed: build, verify, cat, show or report/],
    [['pack'], /unknown command "pack"; expected build, verify, cat, show or report/],
    [['show', '/tmp/x', '--croissant'], /manifest show does not take --croissant/],
    [['report', '/tmp/x', '--json'], /manifest report does not take --json/],
    [['report'], /manifest report takes one folder/],
    [['build'], /manifest build needs --out-dir DIR/],
    [['verify', '/tmp/x', '--croissant'], /manifest verify does not take --croissant/],
    [['build', '-o', '/tmp/x', '--partition', 'a'], /manifest build does not take --partition/],
    [['verify'], /manifest verify takes one folder/],
    [['build', '-o', '/tmp/x', '--require', 'meta.family'], /--require must look like PATH=V1,V2/],
    [['build', '-o', '/tmp/x', '--tokenizer', 'gpt5'], /--tokenizer must be o200k_base, cl100k_base or a path/],
    [['build', '-o', '/tmp/x', '--shard-size', '12XB'], /--shard-size must be a size/],
  ];
  for (const [argv, re] of cases) {
    const r = await runInProcess(main, argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.match(r.stderr, /Try 'manifest --help'/);
  }
});

test('cat | head -1 ends quietly with exit 0', () => {
  const dir = join(tmpDir(), 'ds');
  assert.equal(runShell(`manifest build -q -o ${dir} --shard-rows 5 examples/manifest-mix.ndjson`).code, 0);
  const r = runShell(`manifest cat ${dir} | head -1`);
  assert.equal(r.code, 0);
  // No error; the summary appears only when all output fit in the pipe before head exited.
  assert.match(r.stderr, /^(manifest: read \d+, wrote \d+, dropped 0\n)?$/);
  assert.equal(r.stdout.split('\n').length, 2);
});

test('shared data: GSM8K train (7473 rows) builds with o200k_base and verifies', { timeout: 120_000 }, async (t) => {
  const p = sharedData('gsm8k/train.jsonl');
  if (!p) return t.skip('../shared/data is absent (a clone without the shared test data)');
  const dir = join(tmpDir(), 'gsm8k');
  let r = await runInProcess(main, ['build', '-o', dir, '--tokenizer', 'o200k_base', '--shard-size', '1MB', '--croissant', p]);
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  assert.equal(m.totals.rows, 7473);
  assert.equal(m.totals.raw_bytes, readFileSync(p).length);
  assert.ok(m.shards.length >= 4);
  r = await runInProcess(main, ['verify', dir]);
  assert.equal(r.code, 0, r.stderr);
  r = await runInProcess(main, ['cat', dir]);
  assert.equal(r.stdout, readFileSync(p, 'utf8'));
});

test('argv → options: defaults and conversions come from the option table', async () => {
  const { parseArgs } = await import('@ldt/cli');
  const cases: [string[], Record<string, unknown>][] = [
    [['build', '-o', 'd'], { 'out-dir': 'd', 'partition-by': ['meta.split', 'meta.phase'], 'shard-size': 256e6, compress: 'none', croissant: false }],
    [['build', '-o', 'd', '--shard-size', '1.5GiB', '--shard-rows', '10'], { 'shard-size': 1.5 * 1024 ** 3, 'shard-rows': 10 }],
    [['build', '-o', 'd', '--require', 'a=1,2', '--require', 'b=x', '--stats-from', 's1', '--stats-from', 's2'], { require: ['a=1,2', 'b=x'], 'stats-from': ['s1', 's2'] }],
    [['cat', 'd', '--partition', 'split=train', '--partition', 'split=test'], { partition: ['split=train', 'split=test'] }],
    [['build', '-o', 'd', '--group-by', 'meta.family,meta.lang', '--croissant'], { 'group-by': ['meta.family', 'meta.lang'], croissant: true }],
  ];
  for (const [argv, want] of cases) {
    const { options } = await parseArgs(spec, argv);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(options[k], v, `${argv.join(' ')}: --${k}`);
  }
});

test('--stats of a build carries the dataset id, shard count and tokens', async () => {
  const dir = tmpDir();
  const stats = join(dir, 's.json');
  const r = await runInProcess(main, ['build', '-q', '-o', join(dir, 'ds'), '--stats', stats, join(repoRoot(), 'examples', 'manifest-mix.ndjson')]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(stats, 'utf8'));
  assert.equal(s.tool, 'manifest');
  assert.equal(s.read, 80);
  assert.equal(s.written, 80);
  const m = JSON.parse(readFileSync(join(dir, 'ds', 'manifest.json'), 'utf8'));
  assert.equal(s.notes.dataset_id, m.dataset_id);
  assert.equal(s.notes.shards, m.totals.shards);
  assert.equal(s.notes.tokens, m.totals.tokens);
  assert.equal(s.notes.tokens_estimated, true);
});

test('issue 15: build and cat keep read = written - repeated + dropped + rejected; verify says checked N rows; mistyped commands get did-you-mean', async () => {
  const dir = tmpDir();
  const input = join(repoRoot(), 'examples', 'manifest-mix.ndjson');
  const stats = join(dir, 'b.json');
  const b = await runInProcess(main, ['build', '-o', join(dir, 'ds'), '--stats', stats, input]);
  assert.equal(b.code, 0, b.stderr);
  assertCounts('manifest', { stderr: b.stderr, stats: JSON.parse(readFileSync(stats, 'utf8')) });
  const c = await runInProcess(main, ['cat', join(dir, 'ds')]);
  assertCounts('manifest', c);
  const v = await runInProcess(main, ['verify', join(dir, 'ds')]);
  assert.match(v.stderr, /^manifest: checked 80 rows; verified 2 shards/);
  const t = await runInProcess(main, ['verfy', join(dir, 'ds')]);
  assert.equal(t.code, 2);
  assert.match(t.stderr, /^manifest: unknown command "verfy"; did you mean 'verify'\?/);
});

// issue 23 item 5: --template counts the tokens of the rendered chat template; verify recomputes them.
test('build --template: tokens of each row as the chat template renders it, recorded with the rule; verify recounts without the file', () => {
  const dir = tmpDir();
  const rows = [
    {
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
      ],
      meta: { source: 'a' },
    },
    {
      prompt: [{ role: 'user', content: 'Pick one' }],
      chosen: [{ role: 'assistant', content: 'A' }],
      rejected: [{ role: 'assistant', content: 'B, no wait' }],
      meta: { source: 'b' },
    },
    { text: 'plain text row', meta: { source: 'c' } },
  ];
  const input = join(dir, 'in.ndjson');
  writeFileSync(input, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  // The texts a trainer sees, written by hand from the ChatML rule (<|im_start|>role\ncontent<|im_end|>\n):
  const texts = [
    '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n',
    '<|im_start|>user\nPick one<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n',
    '<|im_start|>user\nPick one<|im_end|>\n<|im_start|>assistant\nB, no wait<|im_end|>\n',
    'plain text row',
  ];
  const want = texts.reduce((a, t) => a + Math.ceil(Buffer.byteLength(t) / 4), 0);
  const ds = join(dir, 'ds');
  const b = runBin('manifest', ['build', '-o', ds, '--template', 'chatml', '--partition-by', 'none', input]);
  assert.equal(b.code, 0, b.stderr);
  const m = JSON.parse(readFileSync(join(ds, 'manifest.json'), 'utf8'));
  assert.equal(m.tokenizer.count_rule, 'chat-template-v1');
  assert.deepEqual(m.tokenizer.template, { name: 'chatml' });
  assert.equal(m.totals.tokens, want);
  const v = runBin('manifest', ['verify', ds]);
  assert.equal(v.code, 0, v.stderr);
  // The same ChatML as a Jinja file (OpenHermes' template): the same counts; the manifest keeps the
  // template, so verify works after the file is gone; an edited template no longer verifies.
  const jinja = join(dir, 'chatml.jinja');
  writeFileSync(jinja, readFileSync(join(repoRoot(), 'tools', 'to-chatml', 'test', 'fixtures', 'chatml.jinja')));
  const ds2 = join(dir, 'ds2');
  const b2 = runBin('manifest', ['build', '-o', ds2, '--template', jinja, '--partition-by', 'none', input]);
  assert.equal(b2.code, 0, b2.stderr);
  const m2 = JSON.parse(readFileSync(join(ds2, 'manifest.json'), 'utf8'));
  assert.equal(m2.totals.tokens, want);
  assert.equal(m2.tokenizer.template.name, 'chatml.jinja');
  assert.match(m2.tokenizer.template.sha256, /^[0-9a-f]{64}$/);
  rmSync(jinja);
  assert.equal(runBin('manifest', ['verify', ds2]).code, 0);
  m2.tokenizer.template.source = m2.tokenizer.template.source.replace('<|im_start|>', '<|im_start|><|im_start|>');
  writeFileSync(join(ds2, 'manifest.json'), JSON.stringify(m2));
  const t = runBin('manifest', ['verify', ds2]);
  assert.equal(t.code, 1);
  assert.match(t.stderr, /tokens .* but its rows hold/);
  // Without --template the record model counts other texts (no template markup).
  const ds3 = join(dir, 'ds3');
  assert.equal(runBin('manifest', ['build', '-o', ds3, '--partition-by', 'none', input]).code, 0);
  assert.notEqual(JSON.parse(readFileSync(join(ds3, 'manifest.json'), 'utf8')).totals.tokens, want);
  // A row the template refuses names its file and line; --template with --fields is a usage error.
  const strict = join(dir, 'strict.jinja');
  writeFileSync(strict, "{% for m in messages %}{% if m.role == 'assistant' and m.content == 'A' %}{{ raise_exception('no A answers') }}{% endif %}{{ m.content }}{% endfor %}");
  const r = runBin('manifest', ['build', '-o', join(dir, 'ds4'), '--template', strict, input]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^manifest: .*in\.ndjson:2: the chat template rejected the row: .*no A answers/);
  assert.equal(runBin('manifest', ['build', '-o', join(dir, 'ds5'), '--template', 'chatml', '--fields', 'text', input]).code, 2);
});
