// Issue 23 "Done when": a row of every kind to-chatml writes goes through every tool in pipeline
// order — hf-fetch on its file → to-chatml → normalize-encoding → redact-pii → dedup-exact →
// dedup-near → split-holdout → shuffle → curriculum-route → manifest build → manifest verify —
// with zero rejects, and every stage's summary line and --stats keep the one counting identity
// (read = written − repeated + dropped + rejected) and agree with each other and with the stage
// before. Fixture: test/fixtures/issue-23-every-kind (slices of ../shared/data with attribution,
// and rows written from the documented formats); it is committed, so the test always runs.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertCounts, parseNdjson, repoRoot, runBin, tmpDir } from '@ldt/testkit';

const FIXTURE = join(repoRoot(), 'test', 'fixtures', 'issue-23-every-kind');

/** The record kind of a to-chatml output row, by its fields (configs/chatml.schema.json). */
function kindOf(row: Record<string, unknown>): string {
  if (typeof row.label === 'boolean') return 'kto';
  if (row.chosen !== undefined) return 'preference';
  if (Array.isArray(row.messages)) return 'chat';
  if (row.prompt !== undefined) return 'prompt_only';
  if (typeof row.text === 'string') return 'text';
  return 'other';
}

test('issue 23: every kind to-chatml writes goes through every tool in pipeline order with zero rejects, and every stage adds up', () => {
  const dir = tmpDir();
  const input = join(FIXTURE, 'rows.jsonl');
  const inputRows = readFileSync(input, 'utf8')
    .split('\n')
    .filter((l) => l !== '').length;
  const stages: [tool: string, args: string[]][] = [
    ['hf-fetch', [input]],
    ['to-chatml', []],
    ['normalize-encoding', []],
    ['redact-pii', []],
    ['dedup-exact', []],
    ['dedup-near', []],
    ['split-holdout', ['--ratios', 'train=0.6,val=0.2,test=0.2']],
    ['shuffle', ['--seed', '7']],
    ['curriculum-route', ['--config', join(FIXTURE, 'curriculum.yaml')]],
  ];
  let prev: string | undefined;
  let prevWritten = inputRows;
  const outputs = new Map<string, string>();
  for (const [i, [tool, args]] of stages.entries()) {
    const stats = join(dir, `${i}-${tool}.stats.json`);
    const rejects = join(dir, `${i}-${tool}.rejects.ndjson`);
    const inFile = prev ?? '';
    const argv = [...args, '--stats', stats, ...(tool === 'hf-fetch' ? [] : ['--rejects', rejects, inFile])];
    const r = runBin(tool, argv);
    assert.equal(r.code, 0, `${tool}: ${r.stderr}`);
    const s = JSON.parse(readFileSync(stats, 'utf8'));
    const c = assertCounts(tool, { stderr: r.stderr, stats: s });
    assert.equal(c.read, prevWritten, `${tool} reads what the stage before wrote`);
    assert.equal(c.rejected, 0, `${tool}: rejects\n${r.stderr}`);
    assert.equal(c.dropped, 0, `${tool}: nothing in this fixture is a duplicate or downsampled\n${r.stderr}`);
    if (tool !== 'hf-fetch') assert.equal(readFileSync(rejects, 'utf8'), '', `${tool}: the rejects file is empty`);
    assert.equal(parseNdjson(r.stdout).length, c.written, `${tool}: rows on stdout = written`);
    prevWritten = c.written;
    prev = join(dir, `${i}-${tool}.ndjson`);
    writeFileSync(prev, r.stdout);
    outputs.set(tool, r.stdout);
  }

  // to-chatml detected every documented format and wrote every record kind; tool calls survived.
  const toChatml = JSON.parse(readFileSync(join(dir, '1-to-chatml.stats.json'), 'utf8'));
  assert.deepEqual(Object.keys(toChatml.notes.formats).sort(), [
    'alpaca',
    'dpo',
    'eval_turns',
    'firefly',
    'hh_rlhf',
    'kto',
    'openai',
    'prompt_only',
    'sharegpt',
    'sharegpt_preference',
    'text',
  ]);
  const chatml = parseNdjson(outputs.get('to-chatml') as string);
  assert.deepEqual([...new Set(chatml.map(kindOf))].sort(), ['chat', 'kto', 'preference', 'prompt_only', 'text']);
  const final = parseNdjson(outputs.get('curriculum-route') as string);
  assert.ok(
    final.some((r) => JSON.stringify(r.messages ?? []).includes('"tool_calls"') && Array.isArray(r.tools)),
    'a chat row with tool calls and tool definitions reaches the end',
  );
  // Each tool added its facts under meta and kept the others': content-addressed provenance from
  // hf-fetch (the hash itself is checked in hf-fetch's tests), the format, split and phase.
  const sources = final.map((r) => (r.meta as Record<string, unknown>).source as string);
  const hash = /^rows\.jsonl@xxh3-([0-9a-f]{16})\?/.exec(sources[0])?.[1];
  assert.ok(hash, sources[0]);
  assert.deepEqual([...sources].sort(), Array.from({ length: inputRows }, (_, i) => `rows.jsonl@xxh3-${hash}?config=default&split=train#${i}`).sort());
  for (const r of final) {
    const m = r.meta as Record<string, unknown>;
    // to-chatml passes text rows through byte for byte (no meta.format); every other row names its format.
    if (kindOf(r) !== 'text') assert.equal(typeof m.format, 'string', JSON.stringify(r).slice(0, 200));
    assert.ok(['train', 'val', 'test'].includes(m.split as string));
    assert.ok(['pretrain', 'sft', 'preference', 'rl'].includes(m.phase as string));
  }

  // manifest build (tokens of the rendered chat template) and verify.
  const ds = join(dir, 'dataset');
  const b = runBin('manifest', ['build', '-o', ds, '--template', 'chatml', '--stats', join(dir, 'manifest.stats.json'), '--rejects', join(dir, 'm.rejects'), prev as string]);
  assert.equal(b.code, 0, b.stderr);
  const mc = assertCounts('manifest', { stderr: b.stderr, stats: JSON.parse(readFileSync(join(dir, 'manifest.stats.json'), 'utf8')) });
  assert.deepEqual(mc, { read: prevWritten, written: prevWritten, repeated: 0, dropped: 0, rejected: 0 });
  const manifest = JSON.parse(readFileSync(join(ds, 'manifest.json'), 'utf8'));
  assert.equal(manifest.totals.rows, inputRows);
  assert.equal(manifest.tokenizer.count_rule, 'chat-template-v1');
  const v = runBin('manifest', ['verify', ds]);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stderr, new RegExp(`checked ${inputRows} rows`));
});
