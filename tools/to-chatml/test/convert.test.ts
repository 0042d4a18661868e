// Core conversions on hand-written rows in each source format; expected outputs written by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertRow, detectFormat, fastOpenaiBytes, parseHH, splitPrompt } from '@ldt/to-chatml';
import { assertValid, conv, DEFAULTS, rejectReason, validate } from './helpers.js';

const u = (content: string) => ({ role: 'user', content });
const a = (content: string) => ({ role: 'assistant', content });
const s = (content: string) => ({ role: 'system', content });

test('openai messages: unchanged bytes, id moved to meta.extra, meta.format added', () => {
  const raw = '{"id":7,"messages":[{"role":"user","content":"hi \\u00e9"},{"role":"assistant","content":"yo","weight":1.0}]}';
  const r = convertRow({ value: JSON.parse(raw), raw, file: 't', line: 1 }, DEFAULTS);
  assert.ok(r.ok);
  assert.equal(r.line, '{"messages":[{"role":"user","content":"hi \\u00e9"},{"role":"assistant","content":"yo","weight":1.0}],"meta":{"format":"openai","extra":{"id":7}}}');
});

test('openai: messages kept byte for byte (key order too); existing meta kept, format added', () => {
  const raw = '{"messages":[{"content":"q","role":"user"},{"content":"r","role":"assistant"}],"meta":{"source":"x"}}';
  const r = convertRow({ value: JSON.parse(raw), raw, file: 't', line: 1 }, DEFAULTS);
  assert.ok(r.ok);
  assert.equal(r.line, '{"messages":[{"content":"q","role":"user"},{"content":"r","role":"assistant"}],"meta":{"source":"x","format":"openai"}}');
});

test('bare array line is a messages row (openai_array)', () => {
  const out = conv([
    { content: 'q', role: 'user' },
    { content: 'r', role: 'assistant' },
  ]);
  assert.deepEqual(out, { messages: [u('q'), a('r')], meta: { format: 'openai_array' } });
});

test('sharegpt: human/gpt/system/chatgpt/bing/bard roles mapped; system column prepended', () => {
  const out = conv({
    id: 'x1',
    system: 'be brief',
    conversations: [
      { from: 'human', value: 'a' },
      { from: 'gpt', value: 'b' },
      { from: 'user', value: 'c' },
      { from: 'chatgpt', value: 'd' },
      { from: 'human', value: 'e' },
      { from: 'bing', value: 'f' },
      { from: 'human', value: 'g' },
      { from: 'bard', value: 'h' },
    ],
  });
  assert.deepEqual(out, { messages: [s('be brief'), u('a'), a('b'), u('c'), a('d'), u('e'), a('f'), u('g'), a('h')], meta: { format: 'sharegpt', extra: { id: 'x1' } } });
});

test('sharegpt tool variant: function_call/observation become tool_calls/tool; tools string parsed', () => {
  const out = conv({
    conversations: [
      { from: 'human', value: 'weather in Paris?' },
      { from: 'function_call', value: '{"name": "get_weather", "arguments": {"city": "Paris"}}' },
      { from: 'observation', value: '{"temp": 21}' },
      { from: 'gpt', value: 'It is 21 degrees.' },
    ],
    tools: '[{"name": "get_weather", "description": "Weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}]',
  });
  assert.deepEqual(out, {
    messages: [
      u('weather in Paris?'),
      { role: 'assistant', content: '', tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', content: '{"temp": 21}', tool_call_id: 'call_0' },
      a('It is 21 degrees.'),
    ],
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    meta: { format: 'sharegpt' },
  });
});

test('alpaca: instruction + input joined by a blank line; system and history', () => {
  assert.deepEqual(conv({ instruction: 'Sum', input: '1 2', output: '3' }), { messages: [u('Sum\n\n1 2'), a('3')], meta: { format: 'alpaca' } });
  assert.deepEqual(conv({ instruction: 'Hi', input: '', output: 'Hello', system: 'S', history: [['q0', 'r0']] }), {
    messages: [s('S'), u('q0'), a('r0'), u('Hi'), a('Hello')],
    meta: { format: 'alpaca' },
  });
});

test('dolly, magpie, prompt/completion, prompt/response, query/response, question/answer, humaneval, prosocial', () => {
  assert.deepEqual(conv({ instruction: 'I', context: 'C', response: 'R', category: 'qa' }), {
    messages: [u('I\n\nC'), a('R')],
    meta: { format: 'dolly', extra: { category: 'qa' } },
  });
  assert.deepEqual(conv({ instruction: 'I', response: 'R', intent: 'x' }), { messages: [u('I'), a('R')], meta: { format: 'instruction_response', extra: { intent: 'x' } } });
  assert.deepEqual(conv({ prompt: 'P', completion: 'C' }), { messages: [u('P'), a('C')], meta: { format: 'prompt_completion' } });
  assert.deepEqual(conv({ prompt: 'P', response: 'R' }), { messages: [u('P'), a('R')], meta: { format: 'prompt_response' } });
  assert.deepEqual(conv({ query: 'Q', response: 'R' }), { messages: [u('Q'), a('R')], meta: { format: 'query_response' } });
  assert.deepEqual(conv({ question: 'Q', answer: 'A' }), { messages: [u('Q'), a('A')], meta: { format: 'question_answer' } });
  assert.deepEqual(conv({ task_id: 'T/0', prompt: 'def f():', canonical_solution: '  pass', test: 't', entry_point: 'f' }), {
    messages: [u('def f():'), a('  pass')],
    meta: { format: 'humaneval', extra: { task_id: 'T/0', test: 't', entry_point: 'f' } },
  });
  assert.deepEqual(conv({ context: 'I feel sad', response: 'Why?', rots: ['be kind'], episode_done: false }), {
    messages: [u('I feel sad'), a('Why?')],
    meta: { format: 'prosocial', extra: { rots: ['be kind'], episode_done: false } },
  });
});

test('TRL conversational prompt/completion lists are concatenated', () => {
  assert.deepEqual(conv({ prompt: [u('P')], completion: [a('C')] }), { messages: [u('P'), a('C')], meta: { format: 'prompt_completion' } });
});

test('ultrachat data list, lmsys conversation', () => {
  assert.deepEqual(conv({ id: '5', data: ['q1', 'r1', 'q2', 'r2'] }), { messages: [u('q1'), a('r1'), u('q2'), a('r2')], meta: { format: 'ultrachat', extra: { id: '5' } } });
  assert.deepEqual(conv({ conversation_id: 'c', model: 'vicuna', conversation: [u('q'), a('r')], turn: 1, language: 'English' }), {
    messages: [u('q'), a('r')],
    meta: { format: 'lmsys', extra: { conversation_id: 'c', model: 'vicuna', turn: 1, language: 'English' } },
  });
});

test('HH-RLHF: transcripts parsed, shared prefix split off into prompt', () => {
  const chosen = '\n\nHuman: hi\n\nAssistant: hello\n\nHuman: joke?\n\nAssistant: a good one';
  const rejected = '\n\nHuman: hi\n\nAssistant: hello\n\nHuman: joke?\n\nAssistant: no';
  assert.deepEqual(conv({ chosen, rejected }), {
    prompt: [u('hi'), a('hello'), u('joke?')],
    chosen: [a('a good one')],
    rejected: [a('no')],
    meta: { format: 'hh_rlhf' },
  });
  assert.deepEqual(
    parseHH('\n\nHuman: a\n\nb\n\nAssistant: c', 'x').map((m) => m.item),
    [u('a\n\nb'), a('c')],
  );
});

test('DPO: string pairs with prompt; message lists without prompt; UltraFeedback shape', () => {
  assert.deepEqual(conv({ prompt: 'P', chosen: 'good', rejected: 'bad' }), { prompt: [u('P')], chosen: [a('good')], rejected: [a('bad')], meta: { format: 'dpo' } });
  assert.deepEqual(conv({ chosen: [u('P'), a('good')], rejected: [u('P'), a('bad')] }), { prompt: [u('P')], chosen: [a('good')], rejected: [a('bad')], meta: { format: 'dpo' } });
  // UltraFeedback-binarized: prompt repeats the first user turn (consumed); messages/scores kept in extra.
  assert.deepEqual(conv({ prompt: 'P', prompt_id: 'id', chosen: [u('P'), a('good')], rejected: [u('P'), a('bad')], score_chosen: 8, score_rejected: 3 }), {
    prompt: [u('P')],
    chosen: [a('good')],
    rejected: [a('bad')],
    meta: { format: 'dpo', extra: { prompt_id: 'id', score_chosen: 8, score_rejected: 3 } },
  });
  assert.equal(rejectReason({ chosen: 'good', rejected: 'bad' }), 'no_prompt');
});

test('splitPrompt never leaves the prompt ending on an assistant turn (TRL extract_prompt)', () => {
  const m = (role: 'user' | 'assistant', content: string) => ({ role, content });
  const r = splitPrompt([m('user', 'q'), m('assistant', 'same')], [m('user', 'q'), m('assistant', 'same')]);
  assert.deepEqual(r, { kind: 'preference', prompt: [m('user', 'q')], chosen: [m('assistant', 'same')], rejected: [m('assistant', 'same')] });
});

test('KTO: messages + label, prompt/completion + label', () => {
  assert.deepEqual(conv({ messages: [u('q'), a('r')], label: false }), { prompt: [u('q')], completion: [a('r')], label: false, meta: { format: 'kto' } });
  assert.deepEqual(conv({ prompt: 'q', completion: 'r', label: true }), { prompt: [u('q')], completion: [a('r')], label: true, meta: { format: 'kto' } });
});

test('glaive function calling: tools from the system prompt, <functioncall> with single-quoted arguments, FUNCTION RESPONSE', () => {
  const system =
    'SYSTEM: You are a helpful assistant with access to the following functions. Use them if required -\n{\n    "name": "get_news",\n    "description": "Get news",\n    "parameters": {"type": "object", "properties": {"topic": {"type": "string"}}}\n}\n';
  const chat =
    'USER: Any news on space?\n\n\nASSISTANT: <functioncall> {"name": "get_news", "arguments": \'{"topic": "space"}\'} <|endoftext|>\n\n\nFUNCTION RESPONSE: {"items": ["launch"]}\n\n\nASSISTANT: There was a launch. <|endoftext|>\n\n\n';
  assert.deepEqual(conv({ system, chat }), {
    messages: [
      s('You are a helpful assistant with access to the following functions. Use them if required -'),
      u('Any news on space?'),
      { role: 'assistant', content: '', tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'get_news', arguments: '{"topic": "space"}' } }] },
      { role: 'tool', content: '{"items": ["launch"]}', tool_call_id: 'call_0' },
      a('There was a launch.'),
    ],
    tools: [{ type: 'function', function: { name: 'get_news', description: 'Get news', parameters: { type: 'object', properties: { topic: { type: 'string' } } } } }],
    meta: { format: 'glaive' },
  });
});

test('OpenAI tool calls: object arguments become a JSON string, ids kept, legacy function_call converted', () => {
  const out = conv({
    messages: [
      u('q'),
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: { x: 1 } } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'ok' },
      { role: 'assistant', content: null, function_call: { name: 'g', arguments: '{}' } },
      { role: 'function', name: 'g', content: 'done' },
      { role: 'assistant', content: 'fin', reasoning: 'thought' },
    ],
  });
  assert.deepEqual(out.messages, [
    u('q'),
    { role: 'assistant', content: '', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }] },
    { role: 'tool', content: 'ok', tool_call_id: 'c1' },
    { role: 'assistant', content: '', tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'g', arguments: '{}' } }] },
    { role: 'tool', content: 'done', tool_call_id: 'call_0', name: 'g' },
    { role: 'assistant', content: 'fin', reasoning_content: 'thought' },
  ]);
});

test('prompt-only (RL prompts) and eval turns', () => {
  assert.deepEqual(conv({ data_source: 'gsm8k', prompt: [u('q')], reward_model: { ground_truth: '7' } }), {
    prompt: [u('q')],
    meta: { format: 'prompt_only', extra: { data_source: 'gsm8k', reward_model: { ground_truth: '7' } } },
  });
  assert.deepEqual(conv({ question_id: 1, turns: ['t1', 't2'] }), { prompt: [u('t1')], meta: { format: 'eval_turns', extra: { question_id: 1, follow_up_turns: ['t2'] } } });
  assert.deepEqual(conv({ question_id: 1, turns: ['t1', 't2'], choices: [{ index: 0, turns: ['r1', 'r2'] }] }), {
    messages: [u('t1'), a('r1'), u('t2'), a('r2')],
    meta: { format: 'eval_turns', extra: { question_id: 1, choice: { index: 0 } } },
  });
  assert.equal(rejectReason({ question_id: 1, choices: [{ index: 0, turns: ['r1'] }] }), 'answers_without_questions');
});

test('text rows pass through byte for byte', () => {
  const raw = '{"text":"doc","n":12345678901234567890}';
  const r = convertRow({ value: JSON.parse(raw), raw, file: 't', line: 1 }, DEFAULTS);
  assert.ok(r.ok);
  assert.equal(r.line, raw);
  assert.equal(r.format, 'text');
});

test('validation: every reason, never silently repaired', () => {
  assert.equal(rejectReason({ messages: [u(''), a('r')] }), 'empty_content');
  assert.equal(rejectReason({ messages: [u('q'), a('  ')] }), 'empty_content');
  assert.equal(rejectReason({ messages: [{ role: 'wizard', content: 'x' }, a('r')] }), 'unknown_role');
  assert.equal(rejectReason({ messages: [u('q'), { role: 'tool', content: 'x', tool_call_id: 'nope' }, a('r')] }), 'tool_result_without_call');
  assert.equal(
    rejectReason({
      conversations: [
        { from: 'human', value: 'q' },
        { from: 'observation', value: 'x' },
        { from: 'gpt', value: 'r' },
      ],
    }),
    'tool_result_without_call',
  );
  assert.equal(rejectReason({ messages: [u('q'), { role: 'assistant', content: '', tool_calls: [{ function: { name: 'f', arguments: '{bad' } }] }] }), 'bad_arguments');
  assert.equal(
    rejectReason({
      conversations: [
        { from: 'human', value: 'q' },
        { from: 'function_call', value: 'not json' },
      ],
    }),
    'bad_tool_call',
  );
  assert.equal(rejectReason({ messages: [u('q')] }), 'no_assistant_turn');
  assert.equal(rejectReason({ messages: [u('q'), u('q2'), a('r')] }), 'consecutive_same_role');
  assert.equal(rejectReason({ messages: [u('q'), a('r')], tools: '{oops' }), 'bad_tools');
  assert.equal(rejectReason({ messages: [u('q'), a('r')], meta: 'x' }), 'bad_meta');
  assert.equal(rejectReason({ foo: 1 }), 'unknown_format');
  assert.equal(rejectReason({ messages: [u('q'), a('r')] }, { format: 'alpaca' }), 'format_mismatch');
  assert.equal(rejectReason({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 'x' }] }, a('r')] }), 'unsupported_content');
  assert.equal(rejectReason({ messages: [], label: true }), 'empty_conversation');
});

test('--merge-consecutive joins same-role turns with a blank line; tool results stay separate', () => {
  const out = conv({ messages: [u('a'), u('b'), a('c'), a('d')] }, { mergeConsecutive: true });
  assert.deepEqual(out.messages, [u('a\n\nb'), a('c\n\nd')]);
});

test('--system prepends only when absent; --system-override replaces', () => {
  assert.deepEqual(conv({ messages: [u('q'), a('r')] }, { system: 'S' }).messages, [s('S'), u('q'), a('r')]);
  assert.deepEqual(conv({ messages: [s('old'), u('q'), a('r')] }, { system: 'S' }).messages, [s('old'), u('q'), a('r')]);
  assert.deepEqual(conv({ messages: [s('old'), u('q'), a('r')] }, { system: 'S', systemOverride: true }).messages, [s('S'), u('q'), a('r')]);
  assert.deepEqual(conv({ prompt: 'P', chosen: 'c', rejected: 'r' }, { system: 'S' }).prompt, [s('S'), u('P')]);
});

test('--drop-extra drops source fields; --role maps custom role names', () => {
  assert.deepEqual(conv({ id: 1, messages: [u('q'), a('r')] }, { dropExtra: true }).meta, { format: 'openai' });
  assert.deepEqual(conv({ messages: [{ role: 'bot', content: 'hi' }, u('q'), a('r')] }, { roles: new Map([['bot', 'system']]) }).messages, [s('hi'), u('q'), a('r')]);
});

test('--map: custom field and role keys', () => {
  const out = conv(
    {
      dialog: [
        { speaker: 'person', utterance: 'q' },
        { speaker: 'bot', utterance: 'r' },
      ],
      topic: 't',
    },
    {
      map: { messages: 'dialog', role: 'speaker', content: 'utterance' },
      roles: new Map([
        ['person', 'user'],
        ['bot', 'assistant'],
      ]),
    },
  );
  assert.deepEqual(out, { messages: [u('q'), a('r')], meta: { format: 'custom', extra: { topic: 't' } } });
  assert.deepEqual(conv({ in: { q: 'Q' }, out: 'A' }, { map: { prompt: 'in.q', response: 'out' } }), {
    messages: [u('Q'), a('A')],
    meta: { format: 'custom', extra: { in: { q: 'Q' } } },
  });
});

test('idempotent: converting an output again gives the same line, for every row kind', () => {
  const inputs: unknown[] = [
    { id: 1, messages: [u('q'), a('r')] },
    {
      conversations: [
        { from: 'human', value: 'q' },
        { from: 'function_call', value: '{"name":"f","arguments":{}}' },
        { from: 'observation', value: 'o' },
        { from: 'gpt', value: 'r' },
      ],
      tools: '[{"name":"f"}]',
    },
    { instruction: 'i', input: 'x', output: 'o', extra_field: [1, 2] },
    { chosen: '\n\nHuman: q\n\nAssistant: good', rejected: '\n\nHuman: q\n\nAssistant: bad' },
    { messages: [u('q'), a('r')], label: true },
    { prompt: [u('q')], data_source: 'x' },
    { question_id: 3, turns: ['a', 'b'] },
    { text: 'plain' },
    {
      conversations: [{ from: 'human', value: 'q' }],
      chosen: { from: 'function_call', value: '{"name":"f","arguments":{}}' },
      rejected: { from: 'gpt', value: 'r' },
      images: ['x.jpg'],
    },
    { conversation_id: 1, conversation: [{ human: 'q', assistant: 'r' }], dataset: 'moss' },
  ];
  for (const v of inputs) {
    for (const opts of [{}, { system: 'S' }, { mergeConsecutive: true }]) {
      const r1 = convertRow({ value: v as Record<string, unknown>, raw: JSON.stringify(v), file: 't', line: 1 }, { ...DEFAULTS, ...opts });
      assert.ok(r1.ok);
      const r2 = convertRow({ value: JSON.parse(r1.line), raw: r1.line, file: 't', line: 1 }, { ...DEFAULTS, ...opts });
      assert.ok(r2.ok, JSON.stringify(r2));
      assert.equal(r2.line, r1.line);
    }
  }
});

test('detection order: preference before messages, KTO before openai, dolly before magpie', () => {
  assert.equal(detectFormat({ messages: [u('q')], chosen: [a('x')], rejected: [a('y')], prompt: 'q' }), 'dpo');
  assert.equal(detectFormat({ messages: [u('q')], label: true }), 'kto');
  assert.equal(detectFormat({ instruction: 'i', context: 'c', response: 'r' }), 'dolly');
  assert.equal(detectFormat({ instruction: 'i', response: 'r' }), 'instruction_response');
  assert.equal(detectFormat({ text: 't' }), 'text');
  assert.equal(detectFormat({ text: 't', messages: [u('q'), a('r')] }), 'openai');
});

test('the schema rejects what to-chatml never writes (so validating outputs is a real check)', () => {
  assert.equal(validate({ messages: [u('q'), a('r')] }), false, 'meta is required');
  assert.equal(validate({ messages: [u('q'), a('r')], id: 1, meta: { format: 'x' } }), false, 'extras must be under meta.extra');
  assert.equal(validate({ messages: [{ role: 'human', content: 'q' }, a('r')], meta: { format: 'x' } }), false, 'roles are mapped');
  assert.equal(validate({ messages: [u('q')], meta: { format: 'x' } }), false, 'chat rows need an assistant turn');
  assert.equal(validate({ messages: [u('q'), { role: 'tool', content: 'x' }, a('r')], meta: { format: 'x' } }), false, 'tool results need tool_call_id');
  assert.equal(
    validate({
      messages: [u('q'), { role: 'assistant', content: '', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: {} } }] }],
      meta: { format: 'x' },
    }),
    false,
    'arguments are a string',
  );
  assertValid({ text: 'plain', meta: { anything: 1 } });
});

test('byte fast path writes exactly what the general path writes (escapes, non-ASCII, big numbers, text, extras)', () => {
  const lines = [
    '{"id":"é\\u00e9","messages":[{"role":"system","content":"s"},{"role":"user","content":"q \\"x\\" \\\\"},{"role":"assistant","content":"日本","weight":1.0}],"n":12345678901234567890}',
    '{ "messages" : [ {"content":"q","role":"user"} , {"role":"assistant","content":"r"} ] , "text" : "t" }',
    '{"clé":1,"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"r"}]}',
    '{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"r"}],"id":1,"id":2}',
  ];
  let fast = 0;
  for (const raw of lines) {
    const value = JSON.parse(raw);
    const out: Buffer[] = [];
    const r = convertRow({ value, raw, file: 't', line: 1 }, DEFAULTS);
    assert.ok(r.ok);
    if (fastOpenaiBytes(value, Buffer.from(raw), out)) {
      fast++;
      assert.equal(Buffer.concat(out).toString('utf8'), `${r.line}\n`);
    }
  }
  assert.equal(fast, 2, 'rows 1-2 take the byte path; a non-ASCII key and duplicate keys do not');
  // Duplicate keys: the general path re-serialises (JSON.parse keeps the last value).
  const dup = convertRow({ value: JSON.parse(lines[3]), raw: lines[3], file: 't', line: 1 }, DEFAULTS);
  assert.ok(dup.ok);
  assert.equal(dup.line, '{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"r"}],"meta":{"format":"openai","extra":{"id":2}}}');
});

// issue 23 item 6: LLaMA-Factory preference rows and Firefly conversations, lossless.

/** LLaMA-Factory's ShareGPT preference row back from a to-chatml preference row (the inverse of the conversion). */
function toLlamaFactory(out: Record<string, unknown>): Record<string, unknown> {
  const from = { user: 'human', assistant: 'gpt', system: 'system', tool: 'observation' } as Record<string, string>;
  const msg = (m: { role: string; content: string; tool_calls?: { function: { name: string; arguments: string } }[] }) =>
    m.tool_calls
      ? { from: 'function_call', value: JSON.stringify({ name: m.tool_calls[0].function.name, arguments: JSON.parse(m.tool_calls[0].function.arguments) }) }
      : { from: from[m.role], value: m.content };
  const prompt = out.prompt as Parameters<typeof msg>[0][];
  const meta = out.meta as { extra?: Record<string, unknown> };
  return {
    conversations: prompt.map(msg),
    chosen: msg((out.chosen as Parameters<typeof msg>[0][])[0]),
    rejected: msg((out.rejected as Parameters<typeof msg>[0][])[0]),
    ...meta.extra,
  };
}

test('LLaMA-Factory ShareGPT preference rows: chosen/rejected one message each, the conversation is the prompt; lossless', () => {
  const rows = [
    { conversations: [{ from: 'human', value: 'q' }], chosen: { from: 'gpt', value: 'good' }, rejected: { from: 'gpt', value: 'bad' } },
    {
      conversations: [
        { from: 'system', value: 'S' },
        { from: 'human', value: 'q1' },
        { from: 'gpt', value: 'r1' },
        { from: 'human', value: 'q2' },
      ],
      chosen: { from: 'gpt', value: 'good' },
      rejected: { from: 'gpt', value: 'bad' },
      images: ['a.jpg'],
      id: 7,
    },
    {
      conversations: [{ from: 'human', value: 'weather in Paris?' }],
      chosen: { from: 'function_call', value: '{"name":"get_weather","arguments":{"city":"Paris"}}' },
      rejected: { from: 'gpt', value: 'sunny' },
      tools: '[{"name": "get_weather"}]',
    },
  ];
  for (const row of rows) {
    const out = conv(row);
    assert.equal((out.meta as { format: string }).format, 'sharegpt_preference');
    assert.deepEqual(toLlamaFactory(out), row);
  }
  assert.deepEqual(conv(rows[0]), { prompt: [u('q')], chosen: [a('good')], rejected: [a('bad')], meta: { format: 'sharegpt_preference' } });
  // top-level system; OpenAI tags (messages + {role, content})
  assert.deepEqual(conv({ system: 'S', messages: [u('q')], chosen: a('x'), rejected: a('y') }), {
    prompt: [s('S'), u('q')],
    chosen: [a('x')],
    rejected: [a('y')],
    meta: { format: 'sharegpt_preference' },
  });
  // a function_call chosen gets the same id in chosen and rejected numbering
  const tc = conv(rows[2]);
  assert.deepEqual((tc.chosen as { tool_calls: unknown[] }[])[0].tool_calls, [
    { id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
  ]);
  // rejects
  assert.equal(rejectReason({ conversations: [{ from: 'human', value: 'q' }], chosen: { from: 'human', value: 'x' }, rejected: { from: 'gpt', value: 'y' } }), 'no_assistant_turn');
  assert.equal(
    rejectReason({
      conversations: [
        { from: 'human', value: 'q' },
        { from: 'gpt', value: 'r' },
      ],
      chosen: { from: 'gpt', value: 'x' },
      rejected: { from: 'gpt', value: 'y' },
    }),
    'bad_field',
  );
  assert.equal(rejectReason({ conversations: [{ from: 'human', value: 'q' }], chosen: { from: 'gpt', value: '' }, rejected: { from: 'gpt', value: 'y' } }), 'empty_content');
  assert.equal(rejectReason({ conversations: [], chosen: { from: 'gpt', value: 'x' }, rejected: { from: 'gpt', value: 'y' } }), 'empty_conversation');
  assert.equal(detectFormat({ conversations: [], chosen: { from: 'gpt', value: 'x' }, rejected: { from: 'gpt', value: 'y' } }), 'sharegpt_preference');
  assert.equal(detectFormat({ prompt: 'q', chosen: 'x', rejected: 'y' }), 'dpo');
});

test('Firefly/MOSS conversations: {human, assistant} turns, optional system; other fields to meta.extra; lossless', () => {
  const row = {
    conversation_id: 3,
    category: 'Brainstorming',
    system: 'S',
    conversation: [
      { human: 'q1', assistant: 'r1' },
      { human: 'q2', assistant: 'r2' },
    ],
    dataset: 'moss',
  };
  const out = conv(row);
  assert.deepEqual(out, {
    messages: [s('S'), u('q1'), a('r1'), u('q2'), a('r2')],
    meta: { format: 'firefly', extra: { conversation_id: 3, category: 'Brainstorming', dataset: 'moss' } },
  });
  // inverse: pairs of user/assistant messages back into turns
  const msgs = (out.messages as { role: string; content: string }[]).filter((m) => m.role !== 'system');
  const turns = [];
  for (let i = 0; i < msgs.length; i += 2) turns.push({ human: msgs[i].content, assistant: msgs[i + 1].content });
  const extra = (out.meta as { extra: Record<string, unknown> }).extra;
  assert.deepEqual({ ...extra, system: (out.messages as { content: string }[])[0].content, conversation: turns }, { ...row });
  assert.equal(detectFormat({ conversation: [{ role: 'user', content: 'q' }] }), 'lmsys');
  assert.equal(rejectReason({ conversation: [{ human: 'q' }] }), 'bad_message');
  assert.equal(rejectReason({ conversation: [{ human: 'q', assistant: 'r', score: 1 }] }), 'bad_message');
  assert.equal(rejectReason({ conversation: [{ human: 'q', assistant: ' ' }] }), 'empty_content');
  assert.deepEqual(conv({ conversation: [{ human: 'q', assistant: 'r' }], system: 3 }).meta, { format: 'firefly', extra: { system: 3 } });
});
