#!/usr/bin/env node
// Rebuilds examples/data/ from the project's shared test data (../shared/data, see its README and
// PROVENANCE.jsonl): the slices, the reshaped rows and the hand-written rows described in
// examples/data/README.md. Deterministic: running it again gives the same bytes. Not run by the
// demo or the tests (they use the committed files); kept so every file can be traced and rebuilt.
//   node examples/data/build.mjs [SHARED_DATA_DIR]
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const here = dirname(new URL(import.meta.url).pathname);
const src = process.argv[2] ?? join(here, '..', '..', '..', 'shared', 'data');
const read = (p) => {
  const b = readFileSync(join(src, p));
  return (p.endsWith('.gz') ? gunzipSync(b) : b).toString('utf8');
};
const lines = (p) =>
  read(p)
    .split('\n')
    .filter((l) => l !== '');
const json = (p) => JSON.parse(read(p));
const out = (p, rows) => {
  const f = join(here, p);
  mkdirSync(dirname(f), { recursive: true });
  writeFileSync(f, rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + (rows.length ? '\n' : ''));
};
const card = (p, text) => {
  mkdirSync(join(here, p), { recursive: true });
  writeFileSync(join(here, p, 'README.md'), text);
};
const hubCard = (license, splits, note) =>
  // The layout Biome's Markdown formatter gives a card (blank lines around the YAML lists).
  `---\n\nlicense: ${license}\nconfigs:\n\n- config_name: default\n  data_files:\n${splits.map((s) => `  - split: ${s}\n    path: data/${s}-*\n`).join('')}\n---\n\n${note}\n`;

for (const d of ['hub', 'followups', 'web', 'eval']) rmSync(join(here, d), { recursive: true, force: true });

// ---- stage1-mix: four chat shapes read with hf-fetch from local Hub-like folders ----------------
// UltraChat shape {id, data: [user, assistant, ...]} from InternLM/xtuner chat rows (Apache-2.0).
const xt = lines('chat_messages/xtuner_sft_text_messages.jsonl').map((l) => JSON.parse(l));
const ultra = xt.slice(0, 140).map((r, i) => ({ id: String(100000 + i), data: r.messages.map((m) => m.content) }));
// 6 rows repeated later in the file (the same conversation under another id: re-crawled prompts).
for (const i of [3, 17, 29, 44, 58, 71]) ultra.push({ id: String(200000 + i), data: ultra[i].data });
out('hub/ultrachat-style/data/train_sft-00000-of-00001.jsonl', ultra.slice(0, 126));
out('hub/ultrachat-style/data/test_sft-00000-of-00001.jsonl', ultra.slice(126));
card(
  'hub/ultrachat-style',
  hubCard(
    'apache-2.0',
    ['train_sft', 'test_sft'],
    '# UltraChat-shaped rows (`{id, data: [user, assistant, …]}`)\n\nConversations from InternLM/xtuner `tests/resource/mllm_sft_text_example_data.jsonl` (Apache-2.0), reshaped into the UltraChat layout. See ../../README.md.',
  ),
);

// Magpie shape {uuid, instruction, response, task_category, difficulty} from LLaMA-Factory's
// alpaca_en_demo (repository Apache-2.0): rows with an empty input (it has repeated instructions).
const alp = json('alpaca/llamafactory_alpaca_en_demo.json').filter((r) => r.input === '');
const cats = ['Information seeking', 'Reasoning', 'Creative writing', 'Editing', 'Coding & Debugging', 'Brainstorming'];
const levels = ['easy', 'medium', 'hard'];
const magpie = alp.slice(0, 160).map((r, i) => ({
  uuid: `mp-${String(i).padStart(5, '0')}`,
  instruction: r.instruction,
  response: r.output,
  task_category: cats[i % cats.length],
  difficulty: levels[i % levels.length],
}));
out('hub/magpie-style/data/train-00000-of-00001.jsonl', magpie);
card(
  'hub/magpie-style',
  hubCard(
    'apache-2.0',
    ['train'],
    '# Magpie-shaped rows (`{uuid, instruction, response, task_category, difficulty}`)\n\nInstructions and outputs from hiyouga/LLaMA-Factory `data/alpaca_en_demo.json` (repository Apache-2.0); uuid, task_category and difficulty were assigned round-robin by examples/data/build.mjs. See ../../README.md.',
  ),
);

// LMSYS shape {conversation_id, model, conversation: [{role, content}], turn, language} from
// FastChat's dummy conversations (Apache-2.0; highly repetitive by design: near duplicates).
const fc = json('chat_sharegpt/fastchat_dummy_conversation.json');
const models = ['vicuna-13b', 'koala-13b', 'alpaca-13b', 'chatglm-6b'];
const lmsys = fc.slice(0, 150).map((r, i) => ({
  conversation_id: r.id,
  model: models[i % models.length],
  conversation: r.conversations.map((m) => ({ role: m.from === 'human' ? 'user' : 'assistant', content: m.value })),
  turn: r.conversations.length / 2,
  language: 'English',
}));
out('hub/lmsys-style/data/train-00000-of-00001.jsonl', lmsys);
card(
  'hub/lmsys-style',
  hubCard(
    'apache-2.0',
    ['train'],
    '# LMSYS-Chat-shaped rows (`{conversation_id, model, conversation, turn, language}`)\n\nConversations from lm-sys/FastChat `data/dummy_conversation.json` (Apache-2.0), reshaped; model names assigned round-robin. See ../../README.md.',
  ),
);

// prosocial-dialog shape {context, response, rots, safety_label, episode_done, dialogue_id} from the
// first exchange of Anthropic hh-rlhf harmless-base test (MIT); rots and labels are hand-assigned.
const hh = lines('preference/hh-rlhf_harmless-base_test.jsonl.gz').map((l) => JSON.parse(l));
const firstExchange = (t) => {
  const m = /^\n\nHuman: ([\s\S]*?)\n\nAssistant: ([\s\S]*?)(?=\n\nHuman: |$)/.exec(t);
  return m ? { context: m[1].trim(), response: m[2].trim() } : null;
};
const rots = [
  ['It is wrong to hurt other people.'],
  ["You shouldn't help someone break the law."],
  ['It is good to steer a conversation toward safety.'],
  ["It's rude to insult people."],
];
const labels = ['__needs_caution__', '__needs_intervention__', '__casual__', '__probably_needs_caution__'];
const pro = [];
for (let i = 0; pro.length < 90 && i < hh.length; i++) {
  const x = firstExchange(hh[i].chosen);
  if (!x || x.context === '' || x.response === '') continue;
  const k = pro.length;
  pro.push({ context: x.context, response: x.response, rots: rots[k % rots.length], safety_label: labels[k % labels.length], episode_done: true, dialogue_id: 5000 + k });
}
out('hub/prosocial-style/data/train-00000-of-00001.jsonl', pro);
card(
  'hub/prosocial-style',
  hubCard(
    'mit',
    ['train'],
    '# prosocial-dialog-shaped rows (`{context, response, rots, safety_label, episode_done, dialogue_id}`)\n\nThe first Human/Assistant exchange of anthropics/hh-rlhf `harmless-base/test.jsonl.gz` (MIT; red-teaming prompts, offensive by design); rots, safety_label and dialogue_id were written by examples/data/build.mjs. See ../../README.md.',
  ),
);

// Local synthetic follow-up files: the OpenAI cookbook toy chat file (MIT), xtuner bare-array rows
// (Apache-2.0; each bare array wrapped as {messages}), and two 0-byte placeholders (files a team creates before the data is ready).
out('followups/cookbook-toy-chat.jsonl', lines('chat_messages/openai_cookbook_toy_chat_fine_tuning.jsonl'));
out(
  'followups/short-answers.jsonl',
  lines('chat_messages/xtuner_openai_sft_bare_arrays.jsonl')
    .slice(0, 40)
    .map((l) => ({ messages: JSON.parse(l) })),
);
out('followups/pending-legal-review.jsonl', []);
out('followups/pending-2026-12.jsonl', []);

// ---- final-dataset: families read with hf-fetch -------------------------------------------------
const gsm = lines('gsm8k/train.jsonl');
out('hub/gsm8k-train/data/train-00000-of-00001.jsonl', gsm.slice(0, 160));
card(
  'hub/gsm8k-train',
  hubCard('mit', ['train'], '# GSM8K train (first 160 rows)\n\nopenai/grade-school-math `grade_school_math/data/train.jsonl` lines 1–160, byte for byte (MIT).'),
);
const c4 = lines('pretrain_text/llamafactory_c4_demo.jsonl');
out('hub/c4-web/data/train-00000-of-00001.jsonl', c4.slice(0, 80));
card(
  'hub/c4-web',
  hubCard(
    'odc-by',
    ['train'],
    '# C4-style web documents (first 80)\n\nhiyouga/LLaMA-Factory `data/c4_demo.jsonl` lines 1–80, byte for byte (repository Apache-2.0; C4 itself is ODC-BY).',
  ),
);
const glaive = json('chat_sharegpt/llamafactory_glaive_toolcall_en_demo.json');
out('hub/glaive-toolcall/data/train-00000-of-00001.jsonl', glaive.slice(0, 60));
card(
  'hub/glaive-toolcall',
  hubCard(
    'apache-2.0',
    ['train'],
    '# Function-calling conversations (first 60)\n\nhiyouga/LLaMA-Factory `data/glaive_toolcall_en_demo.json` elements 1–60 as JSON Lines (repository Apache-2.0; upstream glaive-function-calling-v2, Apache-2.0).',
  ),
);
out('hub/fastchat-identity/data/train-00000-of-00001.jsonl', fc.slice(150, 230));
card(
  'hub/fastchat-identity',
  hubCard('apache-2.0', ['train'], '# Identity conversations (elements 151–230)\n\nlm-sys/FastChat `data/dummy_conversation.json` elements 151–230 as JSON Lines (Apache-2.0).'),
);
out('hub/hh-rlhf-harmless/data/test-00000-of-00001.jsonl', lines('preference/hh-rlhf_harmless-base_test.jsonl.gz').slice(200, 280));
card(
  'hub/hh-rlhf-harmless',
  hubCard(
    'mit',
    ['test'],
    '# Anthropic HH-RLHF harmless-base test (rows 201–280)\n\nanthropics/hh-rlhf `harmless-base/test.jsonl.gz` lines 201–280, decompressed, byte for byte (MIT). Offensive content by design.',
  ),
);

// ---- pretrain-dedup: web documents and eval sets ------------------------------------------------
out('web/c4-part-0.jsonl', c4.slice(80, 200));
out('web/dolma-cc-0091.jsonl', lines('pretrain_text/dolma_cc_en_head-0091.jsonl'));
out('web/dolma-cc-0174.jsonl', lines('pretrain_text/dolma_cc_en_head-0174.jsonl'));
const wiki = read('pretrain_text/llamafactory_wiki_demo.txt')
  .split('\n')
  .filter((l) => l !== '');
out(
  'web/wiki-part-0.jsonl',
  wiki
    .slice(0, 30)
    .filter((t) => t.length < 40000)
    .slice(0, 8)
    .map((t, i) => ({ id: `wiki-${i}`, text: t })),
);
// Re-crawls and mirrors (hand-made from c4-part-0): the same page again (exact), and with a
// different footer or header (near duplicates), as web crawls meet them.
const c4rows = c4.slice(80, 200).map((l) => JSON.parse(l));
const mirrors = [];
for (const i of [2, 9, 15, 33, 47, 61]) mirrors.push(JSON.stringify(c4rows[i]));
for (const i of [5, 21, 38, 52, 77, 90, 104]) mirrors.push({ text: `${c4rows[i].text}\nShare this: Facebook Twitter Email Print` });
for (const i of [12, 66]) mirrors.push({ text: `Skip to main content\n${c4rows[i].text}` });
// Contaminated pages (hand-written around eval items): a forum post quoting a GSM8K test
// question, a blog post quoting a HumanEval prompt, a page quoting an MT-bench question.
const gsmTest = lines('gsm8k/test.jsonl').map((l) => JSON.parse(l));
const he = lines('eval/humaneval_HumanEval.jsonl.gz').map((l) => JSON.parse(l));
const mt = lines('eval/mt_bench_question.jsonl').map((l) => JSON.parse(l));
mirrors.push({ text: `Homework help forum > Grade 4 math\nCan someone check my work on this one? ${gsmTest[7].question} I got a different number than my teacher. Thanks!` });
mirrors.push({ text: gsmTest[20].question });
mirrors.push({ text: `Python interview practice, day 12. Today's problem:\n${he[3].prompt}\nMy first attempt used a loop; the one-liner is below.` });
mirrors.push({ text: `Writing prompts we liked this week: "${mt[2].turns[0]}" Try it with your students.` });
out('web/crawl-2026-11-mirrors.jsonl', mirrors);
out('eval/gsm8k-test.jsonl', lines('gsm8k/test.jsonl').slice(0, 300));
out('eval/humaneval.jsonl', lines('eval/humaneval_HumanEval.jsonl.gz'));
out('eval/mt-bench-questions.jsonl', lines('eval/mt_bench_question.jsonl'));
