// Counts on the real public datasets in ../shared/data. When that folder is absent (a clone
// without it) these tests skip, saying so; CI always has it. Expected counts come from an
// independent oracle (a JS Set over the same data) or from the data's own README.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '@ldt/dedup-exact';
import { parseNdjson, runInProcess, sharedData, tmpDir } from '@ldt/testkit';

const SKIP = sharedData('README.md') ? false : 'skipped: ../shared/data is absent (CI always has it)';
const dir = tmpDir();

/** The shared data has some JSON-array files; write them as NDJSON (one compact object per line). */
function arrayToNdjson(rel: string): string {
  const src = sharedData(rel) as string;
  const p = join(dir, `${rel.replaceAll('/', '_')}.ndjson`);
  writeFileSync(p, (JSON.parse(readFileSync(src, 'utf8')) as unknown[]).map((r) => `${JSON.stringify(r)}\n`).join(''));
  return p;
}

function summaryOf(stderr: string): string {
  return stderr.trim().split('\n').pop() ?? '';
}

test('GSM8K train: every question distinct; the Alpaca copy is entirely GSM8K train', { skip: SKIP }, async () => {
  const train = sharedData('gsm8k/train.jsonl') as string;
  const rows = parseNdjson(readFileSync(train, 'utf8'));
  const distinct = new Set(rows.map((r) => r.question)).size;
  let r = await runInProcess(main, ['--fields', 'question', train]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(parseNdjson(r.stdout).length, distinct);
  assert.equal(summaryOf(r.stderr), `dedup-exact: read ${rows.length}, wrote ${distinct}, dropped ${rows.length - distinct}`);

  const alpaca = arrayToNdjson('alpaca/alpacadatacleaned_gsm_8k_train.json');
  r = await runInProcess(main, ['--fields', 'instruction', '--against', train, '--against-fields', 'question', alpaca]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(summaryOf(r.stderr), 'dedup-exact: read 7473, wrote 0, dropped 7473 (in_reference 7473)');
  // And nothing of it is GSM8K test.
  r = await runInProcess(main, ['--quiet', '--fields', 'instruction', '--against', sharedData('gsm8k/test.jsonl') as string, '--against-fields', 'question', alpaca]);
  assert.equal(parseNdjson(r.stdout).length, 7473);
});

test('decontamination with another key path on each side drops all 100 xtuner val rows', { skip: SKIP }, async () => {
  const val = sharedData('gsm8k/xtuner_gsm8k_val_example_data.jsonl') as string;
  const test_ = sharedData('gsm8k/test.jsonl') as string;
  const dups = join(dir, 'val.dups.ndjson');
  const r = await runInProcess(main, ['--fields', 'extra_info.question', '--against', test_, '--against-fields', 'question', '--dups', dups, val]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(summaryOf(r.stderr), 'dedup-exact: read 100, wrote 0, dropped 100 (in_reference 100)');
  // Each dropped row names the test line holding its question.
  const testRows = readFileSync(test_, 'utf8').split('\n');
  for (const d of parseNdjson(readFileSync(dups, 'utf8'))) {
    const m = /:(\d+)$/.exec((d.meta as { dup_of: string }).dup_of);
    assert.ok(m);
    assert.equal(JSON.parse(testRows[Number(m[1]) - 1]).question, (d.extra_info as { question: string }).question);
  }
  // The training rows of the same schema are clean.
  const train = sharedData('gsm8k/xtuner_gsm8k_train_example_data.jsonl') as string;
  const r2 = await runInProcess(main, ['--quiet', '--fields', 'extra_info.question', '--against', test_, '--against-fields', 'question', train]);
  assert.equal(parseNdjson(r2.stdout).length, 200);
});

test('GPTeacher Toolformer: the similarity sets are the dedupe-only set except their mojibake rows', { skip: SKIP }, async () => {
  const base = 'alpaca/gpteacher_toolformer/';
  const ref = arrayToNdjson(`${base}toolformer-dedupe-only-dataset.json`);
  let r = await runInProcess(main, [ref]);
  assert.equal(summaryOf(r.stderr), 'dedup-exact: read 7673, wrote 7673, dropped 0', 'the author says the set is exact-deduplicated');
  // Data README: 9, 12, 17 and 17 rows of the 0.6–0.9 files are not in the dedupe-only file.
  const expected: Record<string, number> = { '0.6': 9, '0.7': 12, '0.8': 17, '0.9': 17 };
  const refKeys = new Set(parseNdjson(readFileSync(ref, 'utf8')).map((o) => JSON.stringify([o.input, o.instruction, o.output])));
  for (const [t, n] of Object.entries(expected)) {
    const p = arrayToNdjson(`${base}toolformer-similarity-${t}-dataset.json`);
    const rows = parseNdjson(readFileSync(p, 'utf8'));
    const oracle = rows.filter((o) => !refKeys.has(JSON.stringify([o.input, o.instruction, o.output]))).length;
    assert.equal(oracle, n);
    r = await runInProcess(main, ['--against', ref, p]);
    assert.equal(summaryOf(r.stderr), `dedup-exact: read ${rows.length}, wrote ${n}, dropped ${rows.length - n} (in_reference ${rows.length - n})`, `similarity ${t}`);
    for (const row of parseNdjson(r.stdout)) assert.ok(/Â|â€|Ã/.test(JSON.stringify(row)), 'the rows left are the mojibake ones');
  }
});

test('index round trip on GSM8K: save train, then train again is all in_index and test is all new', { skip: SKIP }, async () => {
  const train = sharedData('gsm8k/train.jsonl') as string;
  const test_ = sharedData('gsm8k/test.jsonl') as string;
  const idx = join(dir, 'gsm8k.idx');
  let r = await runInProcess(main, ['--quiet', '--fields', 'question', '--save-index', idx, train]);
  assert.equal(r.code, 0, r.stderr);
  r = await runInProcess(main, ['--fields', 'question', '--index', idx, train, test_]);
  assert.equal(summaryOf(r.stderr), 'dedup-exact: read 8792, wrote 1319, dropped 7473 (in_index 7473)');
});

test('gzip input from the shared data (HH-RLHF harmless-base test)', { skip: SKIP }, async () => {
  const p = sharedData('preference/hh-rlhf_harmless-base_test.jsonl.gz') as string;
  const r = await runInProcess(main, ['--quiet', '--fields', 'chosen', '--stats', join(dir, 'hh.json'), p]);
  assert.equal(r.code, 0, r.stderr);
  const stats = JSON.parse(readFileSync(join(dir, 'hh.json'), 'utf8'));
  assert.equal(stats.read, 2312);
  assert.equal(stats.written + stats.dropped_total, 2312);
  assert.equal(stats.written, parseNdjson(r.stdout).length);
});
