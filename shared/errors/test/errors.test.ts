import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataError, LdtError, maskSecret, quote, UsageError } from '@ldt/errors';

test('DataError carries position and hint', () => {
  const e = new DataError('expected a JSON object, got an array', { file: 'a.ndjson', line: 3 }, 'fix it');
  assert.ok(e instanceof LdtError);
  assert.equal(e.name, 'DataError');
  assert.deepEqual(e.position, { file: 'a.ndjson', line: 3 });
  assert.equal(e.hint, 'fix it');
});

test('UsageError is not a DataError', () => {
  const e = new UsageError('bad flag');
  assert.ok(!(e instanceof DataError));
  assert.equal(e.name, 'UsageError');
});

test('quote cuts long values and quotes strings', () => {
  assert.equal(quote('abc'), '"abc"');
  const q = quote('x'.repeat(200));
  assert.equal(q.length, 80);
  assert.ok(q.endsWith('…'));
});

test('maskSecret keeps only a known prefix', () => {
  assert.equal(maskSecret('hf_abcdefghijklmnop'), 'hf_***');
  assert.equal(maskSecret('secretvalue'), '***');
  assert.ok(!maskSecret('hf_abcdefghijklmnop').includes('abc'));
});
