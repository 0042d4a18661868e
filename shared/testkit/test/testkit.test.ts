import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brokenTableRows, parseNdjson, splitArgs, undocumentedFlags } from '@ldt/testkit';

test('splitArgs honours quotes', () => {
  assert.deepEqual(splitArgs(`--key "a b" 'c d' e\\"f`), ['--key', 'a b', 'c d', 'e\\"f']);
});

test('parseNdjson skips the final newline', () => {
  assert.deepEqual(parseNdjson('{"a":1}\n{"b":2}\n'), [{ a: 1 }, { b: 2 }]);
});

test('undocumentedFlags lists flags a README does not mention', () => {
  assert.deepEqual(undocumentedFlags('use --key and --dups', ['key', 'dups', 'against']), ['against']);
});

test('brokenTableRows: an unescaped | inside a code span splits a cell; \\| does not; fenced code is not a table', () => {
  const md = [
    '| flag | meaning |',
    '| --- | --- |',
    '| `--render chatml` | `<\\|im_start\\|>role` |',
    '| `--render chatml` | `<|im_start|>role` |',
    '',
    '```',
    '| a | b | c |',
    '```',
  ].join('\n');
  assert.deepEqual(brokenTableRows(md), ['line 4: got 4 cells, header has 2']);
});
