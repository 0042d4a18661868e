// End-to-end: the README demo, run as a test. It runs the three example pipelines
// (examples/{stage1-mix,final-dataset,pretrain-dedup}, Makefiles over the real bins) once; the
// tests below check what each pipeline wrote, as a user would: the summary it promises, counts that
// add up from step to step, manifest verify, no leakage, no eval item left in the pretraining text.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { parseNdjson, repoRoot, runShell, tmpDir } from '@ldt/testkit';

const root = repoRoot();
const ex = (...p: string[]) => join(root, 'examples', ...p);
let demo: { code: number; stdout: string; stderr: string };
before(() => {
  demo = runShell('bash examples/demo.sh');
});

interface Stats {
  tool: string;
  read: number;
  written: number;
  dropped_total: number;
  rejected_total: number;
  notes?: Record<string, unknown>;
}
const stats = (p: string, step: string): Stats => JSON.parse(readFileSync(ex(p, 'out', 'stats', `${step}.json`), 'utf8'));
const rows = (file: string) => parseNdjson(readFileSync(file, 'utf8'));
const meta = (r: Record<string, unknown>) => r.meta as Record<string, unknown>;

/** Every step keeps or drops each row it reads (curriculum-route may add repeated copies). */
function assertStepsAddUp(p: string, steps: string[]) {
  for (const step of steps) {
    const s = stats(p, step);
    const repeats = s.tool === 'curriculum-route' ? Number(s.notes?.repeats ?? 0) : 0;
    assert.equal(s.written, s.read - s.dropped_total - s.rejected_total + repeats, `${p} ${step}: read ${s.read} = written + dropped`);
  }
}
/** A step reads exactly what the steps before it wrote. */
function assertFeeds(p: string, from: string[], to: string) {
  const wrote = from.reduce((n, s) => n + stats(p, s).written, 0);
  assert.equal(stats(p, to).read, wrote, `${p}: ${to} reads what ${from.join(' + ')} wrote`);
}

test('the README demo runs the three pipelines and prints where the outputs are and their summaries', () => {
  assert.equal(demo.code, 0, demo.stderr);
  for (const p of ['stage1-mix', 'final-dataset', 'pretrain-dedup']) {
    const summary = readFileSync(ex(p, 'out', 'summary.txt'), 'utf8');
    // The expected summary committed next to the Makefile: counts per step, splits, phases, tokens.
    assert.equal(summary, readFileSync(ex(p, 'expected-summary.txt'), 'utf8'), `${p}: summary as expected`);
    assert.ok(demo.stdout.includes(`${p}: outputs in examples/${p}/out/`), `${p} outputs named`);
    for (const line of summary.trimEnd().split('\n')) assert.ok(demo.stdout.includes(line), `demo prints: ${line}`);
    // manifest verify passes again on what is on disk.
    const v = runShell(`manifest verify examples/${p}/out/dataset`);
    assert.equal(v.code, 0, v.stderr);
  }
  assert.match(demo.stdout, /stage1-mix: warning: \.\.\/data\/followups\/pending-2026-12\.jsonl is empty \(0 bytes, a placeholder\); skipped/);
});

test('stage1-mix: counts add up, sources are capped exactly, the mix is {"messages"} rows', () => {
  const p = 'stage1-mix';
  const sources = ['ultrachat-style', 'magpie-style', 'lmsys-style', 'prosocial-style', 'followups'];
  for (const s of sources) assertFeeds(p, [`fetch-${s}`], `to-chatml-${s}`);
  assertFeeds(
    p,
    sources.map((s) => `to-chatml-${s}`),
    'normalize-encoding',
  );
  assertFeeds(p, ['normalize-encoding'], 'dedup-exact');
  assertFeeds(p, ['dedup-exact'], 'curriculum-route');
  assertFeeds(p, ['curriculum-route'], 'shuffle');
  assertStepsAddUp(p, [...sources.flatMap((s) => [`fetch-${s}`, `to-chatml-${s}`]), 'normalize-encoding', 'dedup-exact', 'curriculum-route', 'shuffle']);
  assert.equal(stats(p, 'fetch-followups').read, 45, 'the two 0-byte placeholders add no rows and no error');
  const mix = rows(ex(p, 'out', 'stage1-mix.jsonl'));
  assert.equal(mix.length, 330);
  for (const r of mix) assert.deepEqual(Object.keys(r), ['messages']);
  const full = rows(ex(p, 'out', 'mixed.jsonl'));
  const per = new Map<string, number>();
  for (const r of full) {
    // Content-addressed sources (issue 23): <folder>/<path>@xxh3-… for a dataset folder, followups/<file>@xxh3-… below --source-root.
    const src = String(meta(r).source).split('/')[0];
    per.set(src, (per.get(src) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries([...per].sort()), { followups: 30, 'lmsys-style': 50, 'magpie-style': 90, 'prosocial-style': 60, 'ultrachat-style': 100 });
  // Shuffled: not in the capped (input) order, but the same rows.
  const capped = readFileSync(ex(p, 'out', 'capped.jsonl'), 'utf8')
    .split('\n')
    .sort();
  assert.deepEqual(
    readFileSync(ex(p, 'out', 'mixed.jsonl'), 'utf8')
      .split('\n')
      .sort(),
    capped,
  );
  assert.notEqual(readFileSync(ex(p, 'out', 'mixed.jsonl'), 'utf8'), readFileSync(ex(p, 'out', 'capped.jsonl'), 'utf8'));
});

test('final-dataset: coverage, no leakage, identity held out, phases, Croissant and the ChatML export', () => {
  const p = 'final-dataset';
  const sources = ['c4-web', 'gsm8k-train', 'ultrachat-style', 'glaive-toolcall', 'fastchat-identity', 'hh-rlhf-harmless'];
  for (const s of sources) assertFeeds(p, [`fetch-${s}`], `to-chatml-${s}`);
  assertFeeds(
    p,
    sources.map((s) => `to-chatml-${s}`),
    'normalize-encoding',
  );
  for (const [a, b] of [
    ['normalize-encoding', 'dedup-exact'],
    ['dedup-exact', 'dedup-near'],
    ['dedup-near', 'split-holdout'],
    ['split-holdout', 'curriculum-route'],
    ['curriculum-route', 'shuffle'],
  ])
    assertFeeds(p, [a], b);
  assertStepsAddUp(p, [
    ...sources.flatMap((s) => [`fetch-${s}`, `to-chatml-${s}`]),
    'normalize-encoding',
    'dedup-exact',
    'dedup-near',
    'split-holdout',
    'curriculum-route',
    'shuffle',
  ]);
  const exported = ex(p, 'out', 'final-dataset.chatml.jsonl');
  const all = rows(exported);
  assert.equal(all.length, stats(p, 'shuffle').written);
  // No leak between the splits of the finished dataset (exact, cluster or near duplicate).
  const check = runShell(`split-holdout check --group-by meta.cluster --near ${exported}`);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stderr, /leaks: exact 0, group 0, near 0/);
  const fams = new Set(all.map((r) => meta(r).family));
  assert.deepEqual([...fams].sort(), ['chat', 'identity', 'math', 'preference', 'tool-use', 'web']);
  for (const r of all) {
    const m = meta(r);
    assert.ok(typeof m.license === 'string' && m.license !== '', 'every row has a licence tag');
    if (m.family === 'identity') assert.equal(m.split, 'test', 'identity is held out whole');
    const want = { web: 'cpt', math: 'sft-foundation', chat: 'sft-foundation', 'tool-use': 'sft-tools', identity: 'sft-multiturn', preference: 'preference' }[m.family as string];
    assert.equal(m.phase, want);
  }
  const manifest = JSON.parse(readFileSync(ex(p, 'out', 'dataset', 'manifest.json'), 'utf8'));
  assert.equal(manifest.totals.rows, all.length);
  // Tokens by family x split x phase add up to the total.
  assert.deepEqual(manifest.group_by, ['meta.family']);
  assert.equal(
    manifest.groups.reduce((n: number, g: { tokens: number }) => n + g.tokens, 0),
    manifest.totals.tokens,
  );
  assert.ok(manifest.groups.some((g: { key: Record<string, string> }) => g.key['meta.family'] === 'web' && g.key.phase === 'cpt' && g.key.split === 'train'));
  const croissant = JSON.parse(readFileSync(ex(p, 'out', 'dataset', 'croissant.json'), 'utf8'));
  assert.match(JSON.stringify(croissant), /"sha256":"[0-9a-f]{64}"/);
  assert.ok(readdirSync(ex(p, 'out', 'dataset')).includes('split=train'));
});

test('final-dataset: the coverage gate fails the build, listing the missing family', () => {
  // The demo's outputs, copied with their times, so make reruns only the manifest step.
  const dir = tmpDir();
  const cp = runShell(`cp -a examples/final-dataset/out ${dir}/out && rm -rf ${dir}/out/dataset ${dir}/out/summary.txt`);
  assert.equal(cp.code, 0, cp.stderr);
  const r = runShell(`make -C examples/final-dataset OUT=${dir}/out FAMILIES=web,math,chat,tool-use,identity,preference,code`);
  assert.doesNotMatch(r.stdout, /(^|; )(hf-fetch|to-chatml|dedup-near) /m, 'only the manifest step ran');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /manifest: gate failed, nothing written:\n {2}--require meta\.family: no row has "code"/);
  assert.throws(() => readFileSync(join(dir, 'out', 'dataset', 'manifest.json')), 'no dataset written');
});

test('pretrain-dedup: duplicates and every contaminated page are gone, with the reason', () => {
  const p = 'pretrain-dedup';
  const steps = ['normalize-encoding', 'dedup-exact', 'dedup-near', 'decontam-exact', 'decontam-gsm8k', 'decontam-humaneval', 'decontam-mt-bench'];
  for (let i = 1; i < steps.length; i++) assertFeeds(p, [steps[i - 1]], steps[i]);
  assertStepsAddUp(p, steps);
  const docs = rows(ex(p, 'out', 'clean.jsonl')).map((r) => String(r.text));
  const evalRows = rows(ex('data', 'eval', 'gsm8k-test.jsonl'));
  for (const q of evalRows) assert.ok(!docs.some((d) => d.includes(String(q.question))), `GSM8K test question left: ${q.question}`);
  for (const h of rows(ex('data', 'eval', 'humaneval.jsonl'))) assert.ok(!docs.some((d) => d.includes(String(h.prompt).trim())));
  const dropped = (f: string) => rows(ex(p, 'out', 'dropped', f));
  assert.equal(dropped('eval-exact.jsonl').length, 1);
  assert.equal(meta(dropped('eval-gsm8k.jsonl')[0]).dup_reason, 'ngram_overlap');
  assert.match(String(meta(dropped('eval-humaneval.jsonl')[0]).dup_of), /humaneval\.jsonl:4$/);
  assert.match(String(meta(dropped('eval-mt-bench.jsonl')[0]).dup_of), /mt-bench-questions\.jsonl:3$/);
  const m = JSON.parse(readFileSync(ex(p, 'out', 'dataset', 'manifest.json'), 'utf8'));
  assert.equal(m.totals.rows, docs.length);
  assert.equal(m.compression, 'zstd');
});

test('the dedup-exact showcases of the demo', () => {
  const out = join(root, 'out');
  assert.equal(parseNdjson(readFileSync(join(out, 'gsm8k-clean.ndjson'), 'utf8')).length, 50);
  assert.match(demo.stderr, /dedup-exact: read 150, wrote 50, dropped 100 \(in_reference 100\)/);
  assert.equal(parseNdjson(readFileSync(join(out, 'chat.unique.ndjson'), 'utf8')).length, 100);
  assert.equal(parseNdjson(readFileSync(join(out, 'chat.dups.ndjson'), 'utf8')).length, 25);
  assert.match(demo.stdout, /rows written: 0/);
});

test('a pipeline of two dedup-exact runs is idempotent and keeps the first content hash', () => {
  const dir = tmpDir();
  const r = runShell(`dedup-exact -q examples/chat.ndjson > ${dir}/a.ndjson && dedup-exact -q ${dir}/a.ndjson > ${dir}/b.ndjson && cmp ${dir}/a.ndjson ${dir}/b.ndjson`);
  assert.equal(r.code, 0, r.stderr);
});

test('| head -1 ends quietly with exit 0 under pipefail', () => {
  const r = runShell('dedup-exact --fields line examples/chat.ndjson examples/gsm8k-sample.ndjson examples/chat.ndjson | head -1');
  assert.equal(r.code, 0);
  assert.equal(r.stdout.split('\n').length, 2);
  assert.equal(r.stderr, '');
});

test('gzip on stdin is recognised', () => {
  const r = runShell('gzip -c examples/gsm8k-sample.ndjson | dedup-exact --fields question --quiet | wc -l');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), '200');
});
