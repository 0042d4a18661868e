// End-to-end: the README demo, run as a test, and pipelines of real bins over examples/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseNdjson, repoRoot, runShell, tmpDir } from '@ldt/testkit';

test('the README demo runs and produces what it says', () => {
  const r = runShell('bash examples/demo.sh');
  assert.equal(r.code, 0, r.stderr);
  const out = join(repoRoot(), 'out');
  assert.equal(parseNdjson(readFileSync(join(out, 'chat.unique.ndjson'), 'utf8')).length, 100);
  assert.equal(parseNdjson(readFileSync(join(out, 'chat.dups.ndjson'), 'utf8')).length, 25);
  assert.equal(parseNdjson(readFileSync(join(out, 'gsm8k-clean.ndjson'), 'utf8')).length, 50);
  assert.match(r.stderr, /dedup-exact: read 150, wrote 50, dropped 100 \(in_reference 100\)/);
  assert.match(r.stdout, /rows written: 0/);
});

test('a pipeline of two dedup-exact runs is idempotent and keeps the first content hash', () => {
  const dir = tmpDir();
  const r = runShell(`dedup-exact -q examples/chat.ndjson > ${dir}/a.ndjson && dedup-exact -q ${dir}/a.ndjson > ${dir}/b.ndjson && cmp ${dir}/a.ndjson ${dir}/b.ndjson`);
  assert.equal(r.code, 0, r.stderr);
});

test('| head -1 ends quietly with exit 0 under pipefail', () => {
  const r = runShell('dedup-exact --key line examples/chat.ndjson examples/gsm8k-sample.ndjson examples/chat.ndjson | head -1');
  assert.equal(r.code, 0);
  assert.equal(r.stdout.split('\n').length, 2);
  assert.equal(r.stderr, '');
});

test('gzip on stdin is recognised', () => {
  const r = runShell('gzip -c examples/gsm8k-sample.ndjson | dedup-exact --key question --quiet | wc -l');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), '200');
});
