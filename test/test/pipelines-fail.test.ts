// End-to-end: a bad row injected in the middle of an example pipeline's input fails the pipeline
// with the message of the tool that met it (tool: file:line: what was wrong), and nothing is left
// that looks finished: no final output, no manifest, no half-written *.tmp file.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runShell, tmpDir } from '@ldt/testkit';

/** A copy of examples/data with `line` inserted after line `after` of `file`. */
function dataWithBadRow(file: string, after: number, line: string): string {
  const dir = tmpDir();
  const cp = runShell(`cp -a examples/data ${dir}/data`);
  assert.equal(cp.code, 0, cp.stderr);
  const f = join(dir, 'data', file);
  const lines = readFileSync(f, 'utf8').split('\n');
  lines.splice(after, 0, line);
  writeFileSync(f, lines.join('\n'));
  return dir;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function assertNothingFinished(out: string, finals: string[]) {
  for (const f of finals) assert.ok(!existsSync(join(out, f)), `${f} must not exist after a failed run`);
  assert.ok(!existsSync(join(out, 'dataset', 'manifest.json')), 'no manifest');
  assert.ok(!existsSync(join(out, 'summary.txt')), 'no summary');
  assert.deepEqual(
    filesUnder(out).filter((f) => f.endsWith('.tmp')),
    [],
    'no temp file left',
  );
}

test('stage1-mix: a line that is not a row in the middle of a Hub-style source fails with hf-fetch file:line', () => {
  // (A bare array of messages is a row since issue 23: hf-fetch and to-chatml read it alike.)
  const dir = dataWithBadRow('hub/magpie-style/data/train-00000-of-00001.jsonl', 80, '"just a string"');
  const r = runShell(`make -C examples/stage1-mix -j2 DATA=${dir}/data OUT=${dir}/out`);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /hf-fetch: \S*hub\/magpie-style\/data\/train-00000-of-00001\.jsonl:81: expected a JSON object or an array of messages, got a string/);
  assertNothingFinished(join(dir, 'out'), ['fetch/magpie-style.jsonl', 'stage1-mix.jsonl', 'mixed.jsonl', 'normalized.jsonl']);
});

test('final-dataset: a row to-chatml cannot convert fails with to-chatml file:line, the line of its input', () => {
  // Line 81 of the GSM8K source becomes line 81 of hf-fetch's output, which to-chatml reads by name.
  const dir = dataWithBadRow('hub/gsm8k-train/data/train-00000-of-00001.jsonl', 80, '{"question": 42, "answer": "x"}');
  const r = runShell(`make -C examples/final-dataset -j2 DATA=${dir}/data OUT=${dir}/out`);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /to-chatml: \S*out\/fetch\/gsm8k-train\.jsonl:81: field "question": expected a list of messages, got a number/);
  assertNothingFinished(join(dir, 'out'), ['tagged/gsm8k-train.jsonl', 'normalized.jsonl', 'routed.jsonl', 'final-dataset.chatml.jsonl']);
  assert.ok(!existsSync(join(dir, 'out', 'dataset')), 'no dataset folder');
});

test('pretrain-dedup: invalid UTF-8 in the middle of a web source fails with hf-fetch file:line', () => {
  const dir = dataWithBadRow('web/c4-part-0.jsonl', 60, '{"text": "caf\u00e9"}');
  // Make the inserted é invalid UTF-8 (a lone 0xE9 byte), as a Latin-1 file would have it.
  const f = join(dir, 'data', 'web', 'c4-part-0.jsonl');
  const b = readFileSync(f);
  const at = b.indexOf(Buffer.from('caf\u00e9'));
  writeFileSync(f, Buffer.concat([b.subarray(0, at + 3), Buffer.from([0xe9]), b.subarray(at + 5)]));
  const r = runShell(`make -C examples/pretrain-dedup -j2 DATA=${dir}/data OUT=${dir}/out`);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /hf-fetch: \S*web\/c4-part-0\.jsonl:61: .*UTF-8/);
  assertNothingFinished(join(dir, 'out'), ['fetch/c4-part-0.jsonl', 'clean.jsonl', 'normalized.jsonl']);
});
