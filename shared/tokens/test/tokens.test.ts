import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '@ldt/errors';
import { parsePaths } from '@ldt/schema';
import { countRowTokens, ESTIMATE, loadTokenCounter, rowTexts } from '@ldt/tokens';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';

test('the estimate is ceil(UTF-8 bytes / 4) and says it is an estimate', async () => {
  const c = await loadTokenCounter(undefined);
  assert.equal(c, ESTIMATE);
  assert.equal(c.estimate, true);
  assert.equal(c.count('abcde'), 2);
  assert.equal(c.count('é'), 1);
});

test('o200k_base counts what gpt-tokenizer counts, special tokens as text', async () => {
  const c = await loadTokenCounter('o200k_base');
  assert.equal(c.estimate, false);
  const s = 'Natalia sold clips to 48 of her friends in April. <|endoftext|>';
  assert.equal(c.count(s), o200k(s, { disallowedSpecial: new Set() }));
  assert.ok(c.count(s) > 10);
});

test('a bad tokenizer name is a usage error', async () => {
  await assert.rejects(loadTokenCounter('gpt2'), UsageError);
});

test('rowTexts picks texts by record kind, or the given paths', () => {
  assert.deepEqual(
    rowTexts(
      {
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'b' },
        ],
      },
      undefined,
    ),
    ['a', 'b'],
  );
  assert.deepEqual(rowTexts({ text: 't', meta: { source: 's' } }, undefined), ['t']);
  assert.deepEqual(rowTexts({ q: 'x', a: 'y' }, parsePaths('a')), ['y']);
  assert.equal(countRowTokens(ESTIMATE, { text: 'abcdefgh' }, undefined), 2);
});
