// Rendering: --render chatml and Hugging Face chat templates via @huggingface/jinja. Expected texts
// are written by hand from each template's definition (see test/fixtures/README.md).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseNdjson, runInProcess } from '@ldt/testkit';
import { loadTemplate, type Msg, main, renderChatml, templateRenderer } from '@ldt/to-chatml';

const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
const conversation: Msg[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi there ' },
  { role: 'assistant', content: 'Hello!' },
];

test('--render chatml: <|im_start|>role\\ncontent<|im_end|>\\n per message', () => {
  assert.equal(renderChatml(conversation), '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there <|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n');
});

test('chatml rendering of tool calls and reasoning', () => {
  const msgs: Msg[] = [
    { role: 'user', content: 'q' },
    { role: 'assistant', content: '', reasoning_content: 'think', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"x": 1}' } }] },
    { role: 'tool', content: 'r', tool_call_id: 'c' },
    { role: 'assistant', content: 'done' },
  ];
  assert.equal(
    renderChatml(msgs),
    '<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n<think>\nthink\n</think>\n\n\n<tool_call>\n{"name":"f","arguments":{"x":1}}\n</tool_call><|im_end|>\n<|im_start|>tool\nr<|im_end|>\n<|im_start|>assistant\ndone<|im_end|>\n',
  );
});

test('ChatML jinja template (.jinja file) renders like --render chatml', async () => {
  const render = await templateRenderer(loadTemplate(join(fixtures, 'chatml.jinja')));
  const expected = '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there <|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n';
  assert.equal(render(conversation, undefined), expected);
  assert.equal(render(conversation, undefined), renderChatml(conversation));
});

test('Llama-3 tokenizer_config.json: its bos_token, headers, trimmed content, <|eot_id|>', async () => {
  const t = loadTemplate(join(fixtures, 'llama3_tokenizer_config.json'));
  assert.equal(t.tokens.bos_token, '<|begin_of_text|>');
  const render = await templateRenderer(t);
  assert.equal(
    render(conversation, undefined),
    '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>',
  );
});

test('--template through the CLI adds text to chat rows; a template that raises rejects the row', async () => {
  const input = `${JSON.stringify({
    messages: [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'r' },
    ],
  })}\n`;
  const r = await runInProcess(main, ['--quiet', '--template', join(fixtures, 'llama3_tokenizer_config.json')], { stdin: input });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    parseNdjson(r.stdout)[0].text,
    '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nq<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nr<|eot_id|>',
  );
  const dir = (await import('@ldt/testkit')).tmpDir();
  const { writeFileSync } = await import('node:fs');
  const tpl = join(dir, 'strict.jinja');
  writeFileSync(tpl, "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{{ m.content }}{% endfor %}");
  const bad = `${JSON.stringify({
    messages: [
      { role: 'system', content: 's' },
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'r' },
    ],
  })}\n`;
  const r2 = await runInProcess(main, ['--template', tpl], { stdin: bad + input });
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /^to-chatml: <stdin>:1: the chat template rejected the row: System role not supported \(template_error\)/);
});
