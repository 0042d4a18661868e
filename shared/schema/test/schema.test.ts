import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '@ldt/errors';
import {
  comparedTexts,
  comparedValue,
  contractViolations,
  getPath,
  type JsonObject,
  legacyTokenTexts,
  parsePath,
  parsePaths,
  recordKind,
  setMeta,
  textsAt,
  tokenTexts,
  valuesAt,
} from '@ldt/schema';

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

test('recordKind: every kind to-chatml writes, and raw rows', () => {
  assert.equal(recordKind({ messages: [] }), 'chat');
  assert.equal(recordKind({ text: 'x' }), 'text');
  assert.equal(recordKind({ chosen: 'a', rejected: 'b' }), 'preference');
  assert.equal(recordKind({ prompt: [], completion: [], label: true }), 'kto');
  assert.equal(recordKind({ messages: [], label: false }), 'kto');
  assert.equal(recordKind({ prompt: [{ role: 'user', content: 'q' }], meta: { format: 'prompt_only' } }), 'prompt_only');
  assert.equal(recordKind({ prompt: 'q', canonical_solution: 'a' }), 'other');
  assert.equal(recordKind({ question: 'x' }), 'other');
});

const toolChat: JsonObject = {
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'weather in Paris?' },
        { type: 'image_url', image_url: { url: 'x.png' } },
      ],
    },
    {
      role: 'assistant',
      content: '',
      reasoning_content: 'call the tool',
      tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
    },
    { role: 'tool', tool_call_id: 'call_0', content: '18C' },
    { role: 'assistant', content: 'It is 18C.' },
  ],
  tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
  text: 'rendered',
  meta: { format: 'openai' },
};

test('comparedValue: what dedup-exact keys and split-holdout groups by', () => {
  assert.equal(comparedValue({ text: 't', id: 1 }), 't');
  assert.deepEqual(comparedValue({ messages: [1], meta: {} }), [1]);
  assert.deepEqual(comparedValue(toolChat), { messages: toolChat.messages, tools: toolChat.tools });
  assert.deepEqual(comparedValue({ prompt: 'p', chosen: 'c', rejected: 'r', meta: {} }), { prompt: 'p', chosen: 'c', rejected: 'r' });
  assert.deepEqual(comparedValue({ prompt: 'p', completion: 'c', label: true }), { prompt: 'p', completion: 'c', label: true });
  assert.deepEqual(comparedValue({ q: 1, meta: { a: 1 } }), { q: 1 });
});

test('comparedTexts: contents, text parts and tool calls; other rows have none', () => {
  assert.deepEqual(comparedTexts(toolChat), ['weather in Paris?', 'get_weather', '{"city":"Paris"}', '18C', 'It is 18C.']);
  assert.deepEqual(comparedTexts({ prompt: 'p', chosen: [{ role: 'assistant', content: 'c' }], rejected: 'r' }), ['p', 'c']);
  assert.equal(comparedTexts({ question: 'x' }), undefined);
});

test('tokenTexts counts reasoning, tool calls and tool definitions; the legacy rule does not', () => {
  assert.deepEqual(tokenTexts(toolChat), [
    'weather in Paris?',
    'call the tool',
    'get_weather',
    '{"city":"Paris"}',
    '18C',
    'It is 18C.',
    '{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}',
  ]);
  assert.deepEqual(legacyTokenTexts(toolChat), ['text', 'weather in Paris?', 'image_url', 'x.png', '', '18C', 'It is 18C.']);
  assert.deepEqual(tokenTexts({ prompt: 'p', completion: 'c', label: false }), ['p', 'c']);
  assert.deepEqual(tokenTexts({ q: 'x', n: { a: 'y' }, meta: { s: 'z' } }), ['x', 'y']);
});

test('per kind, tokenTexts adds reasoning, rejected and tool definitions (not on text rows) to what comparedTexts takes', () => {
  const tools = [{ type: 'function', function: { name: 'f' } }];
  const toolText = '{"type":"function","function":{"name":"f"}}';
  const think = { role: 'assistant', content: 'a', reasoning_content: 'why' };
  const cases: [JsonObject, string[], string[]][] = [
    [{ text: 't', tools }, ['t'], ['t']],
    [{ messages: [{ role: 'user', content: 'q' }, think], tools }, ['q', 'a'], ['q', 'why', 'a', toolText]],
    [{ prompt: 'p', chosen: [think], rejected: 'r', tools }, ['p', 'a'], ['p', 'why', 'a', 'r', toolText]],
    [{ prompt: 'p', completion: [think], label: true, tools }, ['p', 'a'], ['p', 'why', 'a', toolText]],
    [{ prompt: [{ role: 'user', content: 'p' }] }, ['p'], ['p']],
  ];
  for (const [row, compared, counted] of cases) {
    assert.deepEqual(comparedTexts(row), compared, recordKind(row));
    assert.deepEqual(tokenTexts(row), counted, recordKind(row));
  }
});

test('valuesAt / textsAt: per-row field lists keep the path names', () => {
  const paths = parsePaths('a,b');
  assert.deepEqual(valuesAt({ a: 'x', b: 'y' }, paths), ['x', 'y']);
  assert.deepEqual(valuesAt({ a: 'x' }, paths), { a: 'x' });
  assert.deepEqual(valuesAt({ b: 'x' }, paths), { b: 'x' });
  assert.equal(valuesAt({ c: 'x' }, paths), undefined);
  assert.equal(valuesAt({ a: 'x' }, parsePaths('a')), 'x');
  const out: string[] = [];
  assert.equal(textsAt({ text: 't', messages: [{ role: 'user', content: 'm' }] }, parsePaths('prompt,text,messages'), out), 2);
  assert.deepEqual(out, ['t', 'm']);
  assert.equal(textsAt({ x: 1 }, parsePaths('prompt,text'), out), 0);
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
