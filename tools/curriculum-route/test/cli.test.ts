import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main, spec } from '@ldt/curriculum-route';
import { docTests, goldenCases, parseNdjson, repoRoot, runBin, runInProcess, runShell, sharedData, tmpDir } from '@ldt/testkit';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';

const pkgDir = fileURLToPath(new URL('../../', import.meta.url));

for (const c of goldenCases(join(pkgDir, 'test', 'cases'))) test(`golden: ${c.name}`, () => c.run(main));

docTests(pkgDir, [spec]);

test('the bin: --version, --help, usage error, | head -1', () => {
  const v = runBin('curriculum-route', ['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^curriculum-route \d+\.\d+\.\d+\n$/);
  const h = runBin('curriculum-route', ['--help']);
  assert.equal(h.code, 0);
  assert.ok(h.stdout.startsWith('curriculum-route '));
  const u = runBin('curriculum-route', ['--seed', 'abc']);
  assert.equal(u.code, 2);
  assert.equal(u.stderr, 'curriculum-route: --seed must be an integer; got "abc"\nTry \'curriculum-route --help\' for more information.\n');
  const r = runShell('curriculum-route --config configs/curriculum.example.yaml examples/curriculum-mix.ndjson | head -1');
  assert.equal(r.code, 0);
  assert.equal(r.stdout.split('\n').length, 2);
});

test('the example curriculum over examples/curriculum-mix.ndjson: phases, exact row targets, --stats', async () => {
  const dir = tmpDir();
  const stats = join(dir, 's.json');
  const r = await runInProcess(main, ['--config', join(repoRoot(), 'configs', 'curriculum.example.yaml'), '--stats', stats, join(repoRoot(), 'examples', 'curriculum-mix.ndjson')]);
  assert.equal(r.code, 0, r.stderr);
  const out = parseNdjson(r.stdout);
  const by: Record<string, number> = {};
  for (const o of out) {
    const p = (o.meta as Record<string, string>).phase;
    by[p] = (by[p] ?? 0) + 1;
  }
  assert.equal(by['sft-foundation'], 120);
  assert.equal(by.preference, 40);
  const s = JSON.parse(readFileSync(stats, 'utf8'));
  assert.equal(s.tool, 'curriculum-route');
  assert.equal(s.seed, undefined, 'no --seed given');
  assert.equal(s.notes.seed, 1, 'the config seed');
  const found = s.notes.phases.find((p: { phase: string }) => p.phase === 'sft-foundation');
  assert.deepEqual(
    found.sources.map((x: { name: string; rows: number }) => [x.name, x.rows]),
    [
      ['math', 48],
      ['general-chat', 72],
    ],
  );
});

test('--tokenizer o200k_base: token targets use the real counts', async () => {
  const dir = tmpDir();
  const cfgPath = join(dir, 'c.json');
  const texts = ['hello world', 'The quick brown fox jumps over the lazy dog.', 'naïve café — 日本語'];
  writeFileSync(cfgPath, JSON.stringify({ phases: [{ name: 'p', target: { tokens: 1000 } }] }));
  const input = join(dir, 'in.ndjson');
  writeFileSync(input, texts.map((t) => `${JSON.stringify({ text: t })}\n`).join(''));
  const r = await runInProcess(main, ['--config', cfgPath, '--tokenizer', 'o200k_base', '--stats', join(dir, 's.json'), input]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'));
  const per = texts.map((t) => countTokens(t));
  assert.equal(s.notes.phases[0].sources[0].available_tokens, per[0] + per[1] + per[2]);
  assert.equal(s.notes.tokenizer, 'o200k_base');
});

test('shared data: hh-rlhf preference + GSM8K chat route with exact targets', { timeout: 120_000 }, async (t) => {
  const pref = sharedData('preference/hh-rlhf_harmless-base_test.jsonl.gz');
  const gsm = sharedData('gsm8k/train.jsonl');
  if (!pref || !gsm) return t.skip('../shared/data is absent (a clone without the shared test data)');
  const dir = tmpDir();
  const cfg = join(dir, 'c.yaml');
  writeFileSync(
    cfg,
    'phases:\n  - name: sft\n    match: { kind: other }\n    target: { rows: 5000 }\n  - name: preference\n    match: { kind: preference }\n    target: { rows: 3000 }\n',
  );
  const r = await runInProcess(main, ['--config', cfg, '-o', join(dir, 'out'), gsm, pref]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(parseNdjson(readFileSync(join(dir, 'out', 'sft.jsonl'), 'utf8')).length, 5000);
  const p = parseNdjson(readFileSync(join(dir, 'out', 'preference.jsonl'), 'utf8'));
  assert.equal(p.length, 3000);
  assert.equal(p.filter((x) => (x.meta as Record<string, unknown>).repeat === 1).length, 3000 - 2312);
});

test('argv → options: defaults and conversions come from the option table', async () => {
  const { parseArgs } = await import('@ldt/cli');
  const cases: [string[], Record<string, unknown>][] = [
    [['--config', 'c.yaml'], { config: 'c.yaml', unmatched: 'reject', seed: undefined, 'max-epochs': undefined }],
    [['--config', 'c.yaml', '--seed', '7', '--max-epochs', '2', '-o', 'out'], { seed: 7, 'max-epochs': 2, 'out-dir': 'out' }],
    [['--config', 'c.yaml', '--fields', 'a,b.c', '--unmatched', 'cpt'], { fields: ['a', 'b.c'], unmatched: 'cpt' }],
  ];
  for (const [argv, want] of cases) {
    const { options } = await parseArgs(spec, argv);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(options[k], v, `${argv.join(' ')}: --${k}`);
  }
  await assert.rejects(parseArgs(spec, ['--max-epochs', '0']), /--max-epochs must be between 1 and 1000; got "0"/);
});

test('stdin is spooled to a temporary folder that is removed afterwards', async () => {
  const { readdirSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const before = readdirSync(tmpdir()).filter((f) => f.startsWith('curriculum-route-')).length;
  const dir = tmpDir();
  const cfg = join(dir, 'c.json');
  writeFileSync(cfg, JSON.stringify({ phases: [{ name: 'p', target: { rows: 3 } }] }));
  const r = await runInProcess(main, ['--config', cfg], { stdin: '{"text":"a"}\n{"text":"b"}\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(parseNdjson(r.stdout).length, 3);
  assert.equal(readdirSync(tmpdir()).filter((f) => f.startsWith('curriculum-route-')).length, before);
});

test('--fields chooses the text for tokens and the length rule', async () => {
  const dir = tmpDir();
  const cfg = join(dir, 'c.json');
  writeFileSync(cfg, JSON.stringify({ phases: [{ name: 'long', match: { length: { min: 10 } } }, { name: 'short' }] }));
  const input = join(dir, 'in.ndjson');
  writeFileSync(input, '{"q":"0123456789","text":"x"}\n{"q":"0","text":"0123456789"}\n');
  const r = await runInProcess(main, ['--config', cfg, '--fields', 'q', input]);
  assert.deepEqual(
    parseNdjson(r.stdout).map((o) => (o.meta as Record<string, string>).phase),
    ['long', 'short'],
  );
});

test('--tokenizer tokenizer.json: a Hugging Face tokenizer counts the tokens', async () => {
  const dir = tmpDir();
  const cfg = join(dir, 'c.json');
  writeFileSync(cfg, JSON.stringify({ phases: [{ name: 'p' }] }));
  const input = join(dir, 'in.ndjson');
  writeFileSync(input, '{"text":"hello world"}\n');
  const r = await runInProcess(main, ['--config', cfg, '--tokenizer', join(pkgDir, 'test', 'fixtures', 'tiny-bpe', 'tokenizer.json'), '--stats', join(dir, 's.json'), input]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'));
  assert.equal(s.notes.phases[0].tokens, 6, 'hello, Ġw, o, r, l, d');
  assert.match(s.notes.tokenizer, /^tokenizer\.json:.*tiny-bpe\/tokenizer\.json$/);
});

test('sharded form: counts per shard, one plan, select per shard = one process, byte for byte (repeats and token targets too)', async () => {
  const dir = tmpDir();
  const lines = readFileSync(join(repoRoot(), 'examples', 'curriculum-mix.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean);
  const cuts = [0, 37, 38, 101, lines.length]; // uneven shards, one of a single row
  const shards = cuts.slice(1).map((end, k) => {
    const f = join(dir, `shard-${k}.ndjson`);
    writeFileSync(f, `${lines.slice(cuts[k], end).join('\n')}\n`);
    return f;
  });
  const cfg = ['--config', join(repoRoot(), 'configs', 'curriculum.example.yaml'), '--seed', '5'];
  const whole = await runInProcess(main, [...cfg, ...shards]);
  assert.equal(whole.code, 0, whole.stderr);
  assert.match(whole.stderr, /, repeated \d+,/, 'the case has upsampled sources');
  for (const [k, f] of shards.entries()) assert.equal((await runInProcess(main, [...cfg, '--counts-out', join(dir, `${k}.counts`), f])).code, 0);
  // The counts in another order are another plan: the order of the shards is the order of the rows.
  const plan = await runInProcess(main, [...cfg, '--plan-out', join(dir, 'plan'), ...shards.map((_, k) => join(dir, `${k}.counts`))]);
  assert.equal(plan.code, 0, plan.stderr);
  assert.equal(plan.stdout, '');
  // The merge prints the same phase lines as the single process.
  const phaseLines = (s: string) => s.split('\n').filter((l) => l.startsWith('curriculum-route: phase '));
  assert.deepEqual(phaseLines(plan.stderr), phaseLines(whole.stderr));
  let joined = '';
  for (const f of shards.slice().reverse()) {
    const r = await runInProcess(main, [...cfg, '--plan', join(dir, 'plan'), f]);
    assert.equal(r.code, 0, r.stderr);
    joined = r.stdout + joined;
  }
  assert.equal(joined, whole.stdout);
  // A shard the plan was not made from, and a plan made with another seed, are errors.
  const other = join(dir, 'other.ndjson');
  writeFileSync(other, `${lines.slice(1, 5).join('\n')}\n`);
  const bad = await runInProcess(main, [...cfg, '--plan', join(dir, 'plan'), other]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /plan:1: this input is not one of the shards the plan was made from/);
  const seed = await runInProcess(main, ['--config', cfg[1], '--seed', '6', '--plan', join(dir, 'plan'), shards[0]]);
  assert.equal(seed.code, 1);
  assert.match(seed.stderr, /made with another --config, --seed/);
  const two = await runInProcess(main, [...cfg, '--plan', join(dir, 'plan'), '--counts-out', join(dir, 'x'), shards[0]]);
  assert.equal(two.code, 2);
});
