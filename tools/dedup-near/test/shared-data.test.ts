import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_SHINGLE, main, shingle } from '@ldt/dedup-near';
import { parseNdjson, runInProcess, sharedData, tmpDir } from '@ldt/testkit';
import { normalizeText } from '@ldt/text';

const gsm = sharedData('gsm8k');
const udhr = sharedData('multilingual/udhr_shared.jsonl');
const toolformer = sharedData('alpaca/gpteacher_toolformer/toolformer-dedupe-only-dataset.json');

test('GSM8K: every test_socratic question is flagged against test.jsonl, naming its line', { skip: gsm ? false : 'shared data ../shared/data/gsm8k is absent' }, async () => {
  const dir = tmpDir();
  const stats = join(dir, 's.json');
  const dups = join(dir, 'dups.ndjson');
  const test = join(gsm as string, 'test.jsonl');
  const r = await runInProcess(main, ['--fields', 'question', '--against', test, '--stats', stats, '--dups', dups, join(gsm as string, 'test_socratic.jsonl')]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(stats, 'utf8'));
  assert.equal(s.read, 1319);
  assert.equal(s.written, 0);
  assert.deepEqual(s.dropped, { in_reference: 1319 });
  // The two files list the same questions in the same order: row n matches test.jsonl:n.
  const d = parseNdjson(readFileSync(dups, 'utf8'));
  let sameLine = 0;
  d.forEach((row, i) => {
    if ((row.meta as Record<string, unknown>).dup_of === `${test}:${i + 1}`) sameLine++;
  });
  assert.ok(sameLine >= 1310, `${sameLine} of 1319 name the same line`);
});

test('GSM8K: train.jsonl against test.jsonl flags nothing', { skip: gsm ? false : 'shared data ../shared/data/gsm8k is absent' }, async () => {
  const dir = tmpDir();
  const stats = join(dir, 's.json');
  const r = await runInProcess(main, [
    '--quiet',
    '--mark',
    '--fields',
    'question',
    '--against',
    join(gsm as string, 'test.jsonl'),
    '--stats',
    stats,
    join(gsm as string, 'train.jsonl'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(stats, 'utf8'));
  assert.equal(s.read, 7473);
  assert.equal(s.notes.marked.in_reference, undefined);
});

test('UDHR: rows in scripts without spaces get character n-grams automatically, others word n-grams', {
  skip: udhr ? false : 'shared data ../shared/data/multilingual is absent',
}, async () => {
  const rows = parseNdjson(readFileSync(udhr as string, 'utf8'));
  const noSpace = new Set(['Hans', 'Hant', 'Hani', 'Jpan', 'Thai', 'Khmr', 'Laoo', 'Mymr', 'Tibt']);
  const wrong: string[] = [];
  for (const r of rows) {
    const char = shingle(r.text as string, DEFAULT_SHINGLE).charMode;
    if (char !== noSpace.has(r.script as string)) wrong.push(`${r.id} (${r.script})`);
  }
  // Tibetan separates syllables with a tsheg and some Thai titles are short: allow a few.
  assert.ok(wrong.length <= rows.length * 0.01, `${wrong.length} rows: ${wrong.slice(0, 10).join(', ')}`);
  const dir = tmpDir();
  const stats = join(dir, 's.json');
  const r = await runInProcess(main, ['--quiet', '--mark', '--stats', stats, udhr as string]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(stats, 'utf8'));
  assert.ok(s.notes.char_ngram_rows >= 300, String(s.notes.char_ngram_rows));
  // A cluster never mixes sections of the declaration, except the placeholder rows of unfinished
  // translations ("[missing]", "?"), which are duplicates of each other whatever their section.
  const out = parseNdjson(r.stdout);
  const byCluster = new Map<string, Record<string, unknown>[]>();
  for (const row of out) {
    const c = (row.meta as Record<string, unknown>).cluster as string;
    byCluster.set(c, [...(byCluster.get(c) ?? []), row]);
  }
  let placeholders = 0;
  for (const members of byCluster.values()) {
    if (new Set(members.map((m) => m.section)).size === 1) continue;
    for (const m of members) {
      assert.match(normalizeText(m.text as string, 'aggressive'), /^(missing( missing)*)?$/, `${m.id}: ${JSON.stringify(m.text)}`);
      placeholders++;
    }
  }
  assert.ok(placeholders > 0);
});

test('GPTeacher Toolformer: dedup-near is idempotent (its output has no near-duplicates left)', {
  skip: toolformer ? false : 'shared data ../shared/data/alpaca is absent',
}, async () => {
  const dir = tmpDir();
  const input = join(dir, 'tf.ndjson');
  const rows = JSON.parse(readFileSync(toolformer as string, 'utf8')) as unknown[];
  writeFileSync(input, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  for (const t of ['0.7', '0.9']) {
    const r1 = await runInProcess(main, ['--fields', 'instruction,input', '--threshold', t, input]);
    assert.equal(r1.code, 0, r1.stderr);
    const kept = parseNdjson(r1.stdout).length;
    assert.ok(kept < rows.length, `threshold ${t}: something is dropped`);
    const once = join(dir, `once-${t}.ndjson`);
    writeFileSync(once, r1.stdout);
    const r2 = await runInProcess(main, ['--fields', 'instruction,input', '--threshold', t, once]);
    assert.equal(r2.stdout, r1.stdout, `threshold ${t}: a second run drops nothing`);
  }
});
