import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '@ldt/errors';
import { contractViolations, getPath, parsePath, parsePaths, recordKind, setMeta } from '@ldt/schema';

test('getPath reads nested fields and array indexes', () => {
  const row = { extra_info: { question: 'q?' }, messages: [{ role: 'user', content: 'hi' }] };
  assert.equal(getPath(row, parsePath('extra_info.question')), 'q?');
  assert.equal(getPath(row, parsePath('messages.0.content')), 'hi');
  assert.equal(getPath(row, parsePath('extra_info.missing')), undefined);
  assert.equal(getPath(row, parsePath('messages.x')), undefined);
});

test('wildcard paths collect every match in order', () => {
  const row = { messages: [{ content: 'a' }, { content: 'b' }, { role: 'x' }] };
  assert.deepEqual(getPath(row, parsePath('messages.*.content')), ['a', 'b']);
  assert.equal(getPath({ messages: [] }, parsePath('messages.*.content')), undefined);
});

test('escaped dots and stars are literal', () => {
  const p = parsePath('a\\.b.\\*');
  assert.deepEqual(p.segments, ['a.b', '*']);
  assert.equal(p.multi, false);
  assert.equal(getPath({ 'a.b': { '*': 1 } }, p), 1);
});

test('parsePaths splits on commas and rejects empty segments', () => {
  assert.deepEqual(
    parsePaths('a.b,c').map((p) => p.text),
    ['a.b', 'c'],
  );
  assert.deepEqual(
    parsePaths(['a', 'b,c']).map((p) => p.text),
    ['a', 'b', 'c'],
  );
  assert.throws(() => parsePath('a..b'), UsageError);
  assert.throws(() => parsePath(''), UsageError);
});

test('setMeta appends meta last and keeps other fields in place', () => {
  const row: Record<string, any> = { b: 1, a: 2 };
  setMeta(row, 'content_hash', 'h');
  assert.deepEqual(Object.keys(row), ['b', 'a', 'meta']);
  setMeta(row, 'split', 'train');
  assert.deepEqual(row.meta, { content_hash: 'h', split: 'train' });
  assert.throws(() => setMeta({ meta: 'x' }, 'k', 1), /field "meta" must be an object, got a string/);
});

test('recordKind', () => {
  assert.equal(recordKind({ messages: [] }), 'chat');
  assert.equal(recordKind({ text: 'x' }), 'text');
  assert.equal(recordKind({ chosen: 'a', rejected: 'b' }), 'preference');
  assert.equal(recordKind({ question: 'x' }), 'other');
});

test('contractViolations flags drops, renames, reorders and foreign meta', () => {
  const input = { a: 1, b: 2, meta: { source: 's' } };
  assert.deepEqual(contractViolations(input, { a: 1, b: 2, meta: { source: 's', content_hash: 'h' } }, ['content_hash']), []);
  assert.ok(contractViolations(input, { b: 2, a: 1, meta: { source: 's' } }, []).some((p) => p.startsWith('fields changed')));
  assert.ok(contractViolations(input, { a: 1, meta: { source: 's' } }, []).length > 0);
  assert.ok(contractViolations(input, { a: 1, b: 3, meta: { source: 's' } }, []).includes('field "b" changed'));
  assert.ok(contractViolations(input, { a: 1, b: 2, meta: {} }, []).includes('meta.source dropped'));
  assert.ok(contractViolations(input, { a: 1, b: 2, meta: { source: 's', split: 'x' } }, ['content_hash']).includes('meta.split added by a tool that does not own it'));
});

test('globs (shared by curriculum-route and split-holdout): * any run (also /), ? one character, the rest literal', async () => {
  const { compileGlob, globToRegExp } = await import('@ldt/schema');
  const g = compileGlob('hf://datasets/org/*');
  assert.ok(g.matches('hf://datasets/org/a@1/x.parquet#3'));
  assert.ok(!g.matches('hf://datasets/other/a'));
  assert.ok(compileGlob('a?c').matches('abc'));
  assert.ok(!compileGlob('a?c').matches('ac'));
  assert.ok(compileGlob('a.c').matches('a.c'));
  assert.ok(!compileGlob('a.c').matches('abc'));
  assert.ok(compileGlob('(x)+[y]').matches('(x)+[y]'));
  assert.ok(globToRegExp('*').test('multi\nline'));
});
