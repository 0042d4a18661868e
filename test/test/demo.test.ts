// End-to-end: the README demo, run as a test, and pipelines of real bins over examples/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseNdjson, repoRoot, runShell, tmpDir } from '@ldt/testkit';

test('the README demo runs the whole pipeline and produces what it says', () => {
  const r = runShell('bash examples/demo.sh');
  assert.equal(r.code, 0, r.stderr);
  const out = join(repoRoot(), 'out');
  // 1. the pipeline: 30 GSM8K rows + 125 chat rows (25 exact duplicates) → 130 → 60 routed (30/30).
  assert.match(r.stderr, /dedup-exact: read 155, wrote 130, dropped 25 \(duplicate 25\)/);
  assert.match(r.stderr, /math 30 rows \(50\.0%, want 50\.0%\), chat 30 rows \(50\.0%, want 50\.0%\)/);
  const manifest = JSON.parse(readFileSync(join(out, 'dataset', 'manifest.json'), 'utf8'));
  assert.equal(manifest.totals.rows, 60);
  const chain = JSON.stringify(manifest.tool_chain);
  for (const tool of ['hf-fetch', 'to-chatml', 'normalize-encoding', 'dedup-exact', 'dedup-near', 'split-holdout', 'curriculum-route'])
    assert.ok(chain.includes(`"${tool}"`), `tool chain names ${tool}`);
  const routed = parseNdjson(readFileSync(join(out, 'routed.ndjson'), 'utf8'));
  assert.equal(routed.length, 60);
  for (const row of routed) {
    const meta = row.meta as Record<string, unknown>;
    assert.equal(meta.phase, 'sft');
    assert.ok(['train', 'val', 'test'].includes(meta.split as string));
    assert.match(meta.content_hash as string, /^[0-9a-f]{32}$/);
    assert.ok(Array.isArray(row.messages));
  }
  // 2.–4. the dedup-exact showcases.
  assert.equal(parseNdjson(readFileSync(join(out, 'gsm8k-clean.ndjson'), 'utf8')).length, 50);
  assert.match(r.stderr, /dedup-exact: read 150, wrote 50, dropped 100 \(in_reference 100\)/);
  assert.equal(parseNdjson(readFileSync(join(out, 'chat.unique.ndjson'), 'utf8')).length, 100);
  assert.equal(parseNdjson(readFileSync(join(out, 'chat.dups.ndjson'), 'utf8')).length, 25);
  assert.match(r.stdout, /rows written: 0/);
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
