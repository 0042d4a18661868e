/**
 * Source formats: detection and conversion into a `Converted` value (one of the schema's row
 * kinds). Each converter names the top-level fields it consumes; every other field is kept under
 * `meta.extra` by the caller.
 */
import { getPath, parsePath } from '@ldt/schema';
import { ConvState, describe, type MessageOptions, type Msg, mapRole, normalizeMessages, normalizeTools, RowReject, type SourceMsg, toolCall } from './messages.js';

/** Every format name to-chatml detects (the value of `meta.format`, and of `--format`). */
export const FORMATS = [
  'openai',
  'openai_array',
  'sharegpt',
  'sharegpt_preference',
  'firefly',
  'alpaca',
  'dolly',
  'prompt_completion',
  'prompt_response',
  'query_response',
  'question_answer',
  'instruction_response',
  'humaneval',
  'ultrachat',
  'lmsys',
  'prosocial',
  'hh_rlhf',
  'dpo',
  'kto',
  'glaive',
  'prompt_only',
  'eval_turns',
  'text',
] as const;
export type FormatName = (typeof FORMATS)[number] | 'custom';

/** The schema's row kinds. `text` rows pass through unchanged. */
export type Converted =
  | { kind: 'chat'; messages: Msg[]; tools?: unknown[] }
  | { kind: 'preference'; prompt: Msg[]; chosen: Msg[]; rejected: Msg[] }
  | { kind: 'kto'; prompt: Msg[]; completion: Msg[]; label: boolean }
  | { kind: 'prompt'; prompt: Msg[] }
  | { kind: 'text' };

/** A converter's result: the row kind, the top-level fields it used, and extra facts for meta.extra. */
export interface Conversion {
  value: Converted;
  consumed: readonly string[];
  /** Extra entries for meta.extra that are not source fields (e.g. eval follow-up turns). */
  extra?: Record<string, unknown>;
}

/** `--map` field mapping for custom shapes. */
export interface FieldMap {
  messages?: string;
  role?: string;
  content?: string;
  system?: string;
  tools?: string;
  prompt?: string;
  response?: string;
}

export interface FormatContext extends MessageOptions {
  state: ConvState;
  map?: FieldMap;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isMsgList = (v: unknown): v is Obj[] => Array.isArray(v) && v.length > 0 && v.every(isObj);
const isStrList = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every(isStr);

/**
 * Detect the format of a row from its fields (first match wins; the order puts the more specific
 * shapes first: preference and KTO before plain messages, Dolly before Magpie, …).
 */
export function detectFormat(v: Obj | unknown[]): FormatName | undefined {
  if (Array.isArray(v)) return 'openai_array';
  const has = (k: string) => v[k] !== undefined;
  if (has('chosen') && has('rejected')) {
    if (isStr(v.chosen) && isStr(v.rejected) && /^\s*(\n\n)?Human:/.test(v.chosen) && /\n\nAssistant:/.test(v.chosen)) return 'hh_rlhf';
    // LLaMA-Factory's preference form: chosen and rejected are one message object each.
    if (isObj(v.chosen) && isObj(v.rejected)) return 'sharegpt_preference';
    return 'dpo';
  }
  if (typeof v.label === 'boolean' && (isMsgList(v.messages) || (has('prompt') && has('completion')))) return 'kto';
  if (Array.isArray(v.messages)) {
    if (isStrList(v.messages)) return 'ultrachat';
    const first = v.messages[0];
    if (isObj(first) && 'from' in first) return 'sharegpt';
    return 'openai';
  }
  if (Array.isArray(v.conversations)) return 'sharegpt';
  if (Array.isArray(v.conversation)) {
    const first = v.conversation[0];
    // Firefly (MOSS, and its other sources): turns are {human, assistant} pairs, not messages.
    if (isObj(first) && first.role === undefined && (isStr(first.human) || isStr(first.assistant))) return 'firefly';
    return 'lmsys';
  }
  if (isStrList(v.data)) return 'ultrachat';
  if (isStr(v.system) && isStr(v.chat)) return 'glaive';
  if (has('instruction')) {
    if (has('output') || Array.isArray(v.instances)) return 'alpaca';
    if (has('response') && has('context')) return 'dolly';
    if (has('response')) return 'instruction_response';
  }
  if (has('prompt') && has('completion')) return 'prompt_completion';
  if (has('prompt') && has('response')) return 'prompt_response';
  if (has('query') && has('response')) return 'query_response';
  if (has('question') && has('answer')) return 'question_answer';
  if (has('prompt') && isStr(v.canonical_solution)) return 'humaneval';
  if (has('context') && has('response')) return 'prosocial';
  if (isStrList(v.turns)) return 'eval_turns';
  if (Array.isArray(v.choices) && isObj(v.choices[0]) && isStrList(v.choices[0].turns))
    throw new RowReject(
      'answers_without_questions',
      'an MT-Bench-style answer row (choices[].turns) without the question turns it answers',
      "join it with its question file first, e.g. jq -c -n --slurpfile q question.jsonl '($q | map({key: (.question_id|tostring), value: .}) | from_entries) as $m | inputs | $m[.question_id|tostring] + .' answers.jsonl",
    );
  if (has('prompt')) return 'prompt_only';
  if (isStr(v.text)) return 'text';
  return undefined;
}

function need(v: Obj, fmt: string, ...keys: string[]): void {
  for (const k of keys)
    if (v[k] === undefined)
      throw new RowReject('format_mismatch', `not a ${fmt} row: field ${JSON.stringify(k)} is missing`, `fields present: ${Object.keys(v).slice(0, 12).join(', ')}`);
}

function str(v: Obj, k: string): string {
  const x = v[k];
  if (typeof x !== 'string') throw new RowReject('bad_field', `field ${JSON.stringify(k)}: expected a string, got ${describe(x)}`);
  return x;
}

const user = (content: string): SourceMsg => ({ item: { role: 'user', content }, roleKey: 'role', contentKey: 'content' });
const assistant = (content: string): SourceMsg => ({ item: { role: 'assistant', content }, roleKey: 'role', contentKey: 'content' });
const system = (content: string): SourceMsg => ({ item: { role: 'system', content }, roleKey: 'role', contentKey: 'content' });

function sourceList(list: unknown, field: string): SourceMsg[] {
  if (!Array.isArray(list)) throw new RowReject('bad_field', `field ${JSON.stringify(field)}: expected a list of messages, got ${describe(list)}`);
  if (list.length === 0) throw new RowReject('empty_conversation', `field ${JSON.stringify(field)}: the list of messages is empty`);
  const out: SourceMsg[] = [];
  for (let i = 0; i < list.length; i++) {
    const m = list[i];
    if (!isObj(m)) throw new RowReject('bad_message', `${field}[${i}]: expected a message object, got ${describe(m)}`);
    const keys = 'from' in m && 'value' in m ? { roleKey: 'from', contentKey: 'value' } : { roleKey: 'role', contentKey: 'content' };
    out.push({ item: m, ...keys });
  }
  return out;
}

/** A string or a message list: a string becomes one message of `role`. */
function turnList(v: unknown, field: string, role: 'user' | 'assistant'): SourceMsg[] {
  if (isStr(v)) return [role === 'user' ? user(v) : assistant(v)];
  return sourceList(v, field);
}

function chat(ctx: FormatContext, src: SourceMsg[], field: string, tools?: unknown): Converted {
  const messages = normalizeMessages(src, ctx, ctx.state, field);
  const t = normalizeTools(tools, ctx.state);
  return t ? { kind: 'chat', messages, tools: t } : { kind: 'chat', messages };
}

/** Convert `v` as format `fmt`. Throws `RowReject` when the row does not fit. */
export function convertAs(fmt: FormatName, v: Obj | unknown[], ctx: FormatContext): Conversion {
  const state = ctx.state;
  if (Array.isArray(v)) {
    if (fmt !== 'openai_array') throw new RowReject('format_mismatch', `not a ${fmt} row: the line is an array`);
    state.changed = true;
    return { value: chat(ctx, sourceList(v, 'messages'), 'messages'), consumed: [] };
  }
  if (fmt !== 'openai' && fmt !== 'text') state.changed = true;
  switch (fmt) {
    case 'openai_array':
      throw new RowReject('format_mismatch', 'not an openai_array row: the line is an object');
    case 'openai':
    case 'lmsys': {
      const field = fmt === 'openai' ? 'messages' : 'conversation';
      need(v, fmt, field);
      const consumed = [field, 'tools'];
      // UltraChat-200k and similar rows repeat the first user turn as `prompt`: consumed only when it is a copy.
      return { value: chat(ctx, sourceList(v[field], field), field, v.tools), consumed };
    }
    case 'sharegpt': {
      const field = v.conversations !== undefined ? 'conversations' : 'messages';
      need(v, fmt, field);
      const src = sourceList(v[field], field);
      const consumed = [field, 'tools'];
      if (isStr(v.system) && v.system !== '') {
        src.unshift(system(v.system));
        consumed.push('system');
      } else if (v.system === '') consumed.push('system');
      return { value: chat(ctx, src, field, v.tools), consumed };
    }
    case 'sharegpt_preference':
      return sharegptPreference(v, ctx);
    case 'firefly':
      return firefly(v, ctx);
    case 'alpaca': {
      need(v, fmt, 'instruction');
      const consumed = ['instruction', 'input', 'output', 'system', 'history'];
      let input = v.input;
      let output = v.output;
      if (output === undefined && Array.isArray(v.instances)) {
        // self-instruct seed tasks: {instruction, instances:[{input, output}]}
        if (v.instances.length !== 1 || !isObj(v.instances[0]))
          throw new RowReject(
            'multiple_instances',
            `field "instances": expected exactly one {input, output}, got ${v.instances.length}`,
            'split the instances into rows first, e.g. with jq',
          );
        input = v.instances[0].input;
        output = v.instances[0].output;
        consumed.push('instances');
      }
      if (typeof output !== 'string') throw new RowReject('bad_field', `field "output": expected a string, got ${describe(output)}`);
      if (input !== undefined && typeof input !== 'string') throw new RowReject('bad_field', `field "input": expected a string, got ${describe(input)}`);
      const src: SourceMsg[] = [];
      if (isStr(v.system) && v.system !== '') src.push(system(v.system));
      if (v.history !== undefined) {
        if (!Array.isArray(v.history)) throw new RowReject('bad_field', `field "history": expected a list of [instruction, response] pairs, got ${describe(v.history)}`);
        for (const [i, pair] of v.history.entries()) {
          if (!Array.isArray(pair) || pair.length !== 2 || !isStr(pair[0]) || !isStr(pair[1])) throw new RowReject('bad_field', `history[${i}]: expected a pair of strings`);
          src.push(user(pair[0]), assistant(pair[1]));
        }
      }
      src.push(user(joinInput(str(v, 'instruction'), input as string | undefined)), assistant(output));
      return { value: chat(ctx, src, 'messages'), consumed };
    }
    case 'dolly':
      need(v, fmt, 'instruction', 'response');
      return {
        value: chat(ctx, [user(joinInput(str(v, 'instruction'), optStr(v, 'context'))), assistant(str(v, 'response'))], 'messages'),
        consumed: ['instruction', 'context', 'response'],
      };
    case 'instruction_response':
      return pair(v, ctx, fmt, 'instruction', 'response');
    case 'prompt_completion':
      return pair(v, ctx, fmt, 'prompt', 'completion');
    case 'prompt_response':
      return pair(v, ctx, fmt, 'prompt', 'response');
    case 'query_response':
      return pair(v, ctx, fmt, 'query', 'response');
    case 'question_answer':
      return pair(v, ctx, fmt, 'question', 'answer');
    case 'humaneval':
      return pair(v, ctx, fmt, 'prompt', 'canonical_solution');
    case 'prosocial':
      return pair(v, ctx, fmt, 'context', 'response');
    case 'ultrachat': {
      const field = isStrList(v.data) ? 'data' : 'messages';
      need(v, fmt, field);
      const list = v[field];
      if (!isStrList(list)) throw new RowReject('bad_field', `field ${JSON.stringify(field)}: expected a list of strings (alternating user/assistant turns)`);
      return {
        value: chat(
          ctx,
          list.map((s, i) => (i % 2 === 0 ? user(s) : assistant(s))),
          field,
        ),
        consumed: [field],
      };
    }
    case 'glaive':
      need(v, fmt, 'system', 'chat');
      return { value: glaive(str(v, 'system'), str(v, 'chat'), ctx), consumed: ['system', 'chat'] };
    case 'hh_rlhf': {
      need(v, fmt, 'chosen', 'rejected');
      const c = normalizeMessages(parseHH(str(v, 'chosen'), 'chosen'), ctx, state, 'chosen');
      const r = normalizeMessages(parseHH(str(v, 'rejected'), 'rejected'), ctx, state, 'rejected');
      return { value: splitPrompt(c, r), consumed: ['chosen', 'rejected'] };
    }
    case 'dpo':
      return dpo(v, ctx);
    case 'kto':
      return kto(v, ctx);
    case 'prompt_only': {
      need(v, fmt, 'prompt');
      const prompt = normalizeMessages(turnList(v.prompt, 'prompt', 'user'), ctx, state, 'prompt');
      return { value: { kind: 'prompt', prompt }, consumed: ['prompt'] };
    }
    case 'eval_turns': {
      need(v, fmt, 'turns');
      if (!isStrList(v.turns)) throw new RowReject('bad_field', 'field "turns": expected a list of strings');
      // MT-Bench joined with its reference answers: user and assistant turns interleaved.
      const answers = Array.isArray(v.choices) && v.choices.length === 1 && isObj(v.choices[0]) ? v.choices[0].turns : undefined;
      if (answers !== undefined) {
        if (!isStrList(answers) || answers.length !== v.turns.length) throw new RowReject('bad_field', `choices[0].turns: expected ${v.turns.length} answer strings, one per turn`);
        const src = v.turns.flatMap((t, i) => [user(t), assistant(answers[i])]);
        const { turns: _t, ...rest } = (v.choices as Obj[])[0];
        return { value: chat(ctx, src, 'turns'), consumed: ['turns', 'choices'], extra: Object.keys(rest).length > 0 ? { choice: rest } : undefined };
      }
      // MT-Bench/Vicuna-bench questions: user turns whose answers are not in the data. The first
      // turn is the prompt; later turns (asked after an answer the data does not have) stay in meta.extra.
      const prompt = normalizeMessages([user(v.turns[0])], ctx, state, 'turns');
      return { value: { kind: 'prompt', prompt }, consumed: ['turns'], extra: v.turns.length > 1 ? { follow_up_turns: v.turns.slice(1) } : undefined };
    }
    case 'text':
      need(v, fmt, 'text');
      if (!isStr(v.text)) throw new RowReject('bad_field', `field "text": expected a string, got ${describe(v.text)}`);
      return { value: { kind: 'text' }, consumed: [] };
    case 'custom':
      return custom(v, ctx);
  }
}

function optStr(v: Obj, k: string): string | undefined {
  if (v[k] === undefined || v[k] === null) return undefined;
  return str(v, k);
}

/** Instruction and input/context in one user turn, separated by a blank line (Alpaca's own template keeps them in separate sections). */
export function joinInput(instruction: string, input: string | undefined): string {
  return input !== undefined && input !== '' ? `${instruction}\n\n${input}` : instruction;
}

/** One exchange from two fields; each may be a string or (TRL conversational prompt-completion) a message list. */
function pair(v: Obj, ctx: FormatContext, fmt: string, p: string, r: string): Conversion {
  need(v, fmt, p, r);
  const src = [...turnList(v[p], p, 'user'), ...turnList(v[r], r, 'assistant')];
  return { value: chat(ctx, src, 'messages'), consumed: [p, r] };
}

/**
 * Split a shared prefix off a chosen/rejected pair into `prompt`, as TRL's `extract_prompt` does:
 * the longest common prefix of messages, shortened so that it does not end with an assistant turn.
 */
export function splitPrompt(chosen: Msg[], rejected: Msg[]): Converted {
  const n = Math.min(chosen.length, rejected.length);
  let i = 0;
  while (i < n && JSON.stringify(chosen[i]) === JSON.stringify(rejected[i])) i++;
  if (i === chosen.length || i === rejected.length) i = Math.max(0, Math.min(chosen.length, rejected.length) - 1);
  while (i > 0 && chosen[i - 1].role === 'assistant') i--;
  const out = { kind: 'preference' as const, prompt: chosen.slice(0, i), chosen: chosen.slice(i), rejected: rejected.slice(i) };
  for (const k of ['chosen', 'rejected'] as const) {
    if (!out[k].some((m) => m.role === 'assistant')) throw new RowReject('no_assistant_turn', `${k}: no assistant turn after the prompt`);
  }
  return out;
}

function dpo(v: Obj, ctx: FormatContext): Conversion {
  const state = ctx.state;
  need(v, 'dpo', 'chosen', 'rejected');
  const consumed = ['chosen', 'rejected'];
  const cSrc = turnList(v.chosen, 'chosen', 'assistant');
  const rSrc = turnList(v.rejected, 'rejected', 'assistant');
  if (v.prompt !== undefined) {
    consumed.push('prompt');
    const promptSrc = turnList(v.prompt, 'prompt', 'user');
    const completionOnly = (s: SourceMsg[]) => s.every((m) => m.item[m.roleKey] !== 'user' && m.item[m.roleKey] !== 'human');
    if (completionOnly(cSrc) && completionOnly(rSrc)) {
      const prompt = normalizeMessages(promptSrc, ctx, state, 'prompt');
      const chosen = normalizeMessages([...promptSrc, ...cSrc], ctx, state, 'chosen').slice(prompt.length);
      const rejected = normalizeMessages([...promptSrc, ...rSrc], ctx, state, 'rejected').slice(prompt.length);
      return { value: { kind: 'preference', prompt, chosen, rejected }, consumed };
    }
    // UltraFeedback-binarized: chosen/rejected hold the whole conversation and `prompt` repeats its
    // first user turn. The prompt field is consumed only if it is that copy; otherwise it is kept.
    const c = normalizeMessages(cSrc, ctx, state, 'chosen');
    const r = normalizeMessages(rSrc, ctx, state, 'rejected');
    const value = splitPrompt(c, r) as Extract<Converted, { kind: 'preference' }>;
    const firstUser = value.prompt.find((m) => m.role === 'user');
    const copy = isStr(v.prompt) ? firstUser?.content === v.prompt : JSON.stringify(v.prompt) === JSON.stringify(value.prompt);
    if (!copy) consumed.pop();
    return { value, consumed };
  }
  if (isStr(v.chosen) || isStr(v.rejected))
    throw new RowReject('no_prompt', 'chosen/rejected are strings but the row has no "prompt" field', 'give the prompt as a "prompt" field, or use message lists');
  const c = normalizeMessages(cSrc, ctx, state, 'chosen');
  const r = normalizeMessages(rSrc, ctx, state, 'rejected');
  return { value: splitPrompt(c, r), consumed };
}

/** One message object (`{from, value}` or `{role, content}`) as a source message. */
function oneMessage(m: unknown, field: string): SourceMsg {
  if (!isObj(m)) throw new RowReject('bad_message', `${field}: expected one message object, got ${describe(m)}`);
  return 'from' in m && 'value' in m ? { item: m, roleKey: 'from', contentKey: 'value' } : { item: m, roleKey: 'role', contentKey: 'content' };
}

/**
 * LLaMA-Factory's preference rows (`ranking: true`, ShareGPT or OpenAI tags): the prompt turns in
 * `conversations` (or `messages`), an optional top-level `system`, and `chosen` / `rejected` as
 * one assistant message object each (`{"from":"gpt","value":…}`, or a `function_call` turn). As
 * LLaMA-Factory's converter requires, the prompt ends on a user or tool turn.
 */
function sharegptPreference(v: Obj, ctx: FormatContext): Conversion {
  const field = v.conversations !== undefined ? 'conversations' : v.messages !== undefined ? 'messages' : 'prompt';
  need(v, 'sharegpt_preference', field, 'chosen', 'rejected');
  const promptSrc = field === 'prompt' ? turnList(v.prompt, 'prompt', 'user') : sourceList(v[field], field);
  const consumed = [field, 'chosen', 'rejected'];
  if (isStr(v.system)) {
    if (v.system !== '') promptSrc.unshift(system(v.system));
    consumed.push('system');
  }
  const prompt = normalizeMessages(promptSrc, ctx, ctx.state, field);
  const last = prompt[prompt.length - 1];
  if (last.role !== 'user' && last.role !== 'tool')
    throw new RowReject(
      'bad_field',
      `${field}: the prompt ends with ${last.role === 'assistant' ? 'an' : 'a'} ${last.role} turn; the chosen and rejected responses must answer a user or tool turn`,
    );
  // Each response is checked in the context of the prompt (its tool calls, its role after the
  // last turn) with a fresh state, so that both number their missing tool-call ids alike.
  const response = (k: 'chosen' | 'rejected'): Msg[] => {
    const m = oneMessage(v[k], k);
    const { role, sourceRole } = mapRole(m.item[m.roleKey], ctx, k);
    if (role !== 'assistant')
      throw new RowReject('no_assistant_turn', `${k}: expected an assistant message ("gpt" or "function_call"), got role ${JSON.stringify(sourceRole).slice(0, 40)}`);
    return normalizeMessages([...promptSrc, m], ctx, new ConvState(), k).slice(prompt.length);
  };
  return { value: { kind: 'preference', prompt, chosen: response('chosen'), rejected: response('rejected') }, consumed };
}

/**
 * Firefly's conversations (its MOSS, UltraChat and other sources): `conversation` is a list of
 * `{human, assistant}` turns, with an optional top-level `system`. A turn with any other key is
 * rejected rather than losing the key, and so is a turn without both strings (Firefly's own loader
 * reads `human` and `assistant` of every turn).
 */
function firefly(v: Obj, ctx: FormatContext): Conversion {
  need(v, 'firefly', 'conversation');
  const turns = v.conversation;
  if (!Array.isArray(turns)) throw new RowReject('bad_field', `field "conversation": expected a list of {human, assistant} turns, got ${describe(turns)}`);
  if (turns.length === 0) throw new RowReject('empty_conversation', 'field "conversation": the list of turns is empty');
  const src: SourceMsg[] = [];
  const consumed = ['conversation'];
  if (isStr(v.system)) {
    if (v.system !== '') src.push(system(v.system));
    consumed.push('system');
  }
  for (let i = 0; i < turns.length; i++) {
    const t = turns[i];
    const where = `conversation[${i}]`;
    if (!isObj(t)) throw new RowReject('bad_message', `${where}: expected a {human, assistant} turn, got ${describe(t)}`);
    for (const k of Object.keys(t))
      if (k !== 'human' && k !== 'assistant')
        throw new RowReject('bad_message', `${where}: a Firefly turn holds "human" and "assistant" only, got ${JSON.stringify(k).slice(0, 40)}`);
    if (!isStr(t.human) || !isStr(t.assistant))
      throw new RowReject('bad_message', `${where}: expected "human" and "assistant" strings, got ${describe(t.human)} and ${describe(t.assistant)}`);
    src.push(user(t.human), assistant(t.assistant));
  }
  return { value: chat(ctx, src, 'conversation'), consumed };
}

function kto(v: Obj, ctx: FormatContext): Conversion {
  const state = ctx.state;
  const label = v.label;
  if (typeof label !== 'boolean') throw new RowReject('bad_label', `field "label": expected true or false, got ${describe(label)}`);
  if (v.messages !== undefined && v.completion === undefined) {
    // LLaMA-Factory KTO: the label rates the last assistant turn.
    const msgs = normalizeMessages(sourceList(v.messages, 'messages'), ctx, state, 'messages');
    const last = msgs[msgs.length - 1];
    if (last.role !== 'assistant') throw new RowReject('no_assistant_turn', 'messages: a KTO row must end with the assistant turn its label rates');
    return { value: { kind: 'kto', prompt: msgs.slice(0, -1), completion: [last], label }, consumed: ['messages', 'label'] };
  }
  need(v, 'kto', 'prompt', 'completion');
  const pSrc = turnList(v.prompt, 'prompt', 'user');
  const prompt = normalizeMessages(pSrc, ctx, state, 'prompt');
  const completion = normalizeMessages([...pSrc, ...turnList(v.completion, 'completion', 'assistant')], ctx, state, 'completion').slice(prompt.length);
  if (!completion.some((m) => m.role === 'assistant')) throw new RowReject('no_assistant_turn', 'completion: no assistant turn');
  return { value: { kind: 'kto', prompt, completion, label }, consumed: ['prompt', 'completion', 'label'] };
}

/** Parse an HH-RLHF transcript: `\n\nHuman: …\n\nAssistant: …`. */
export function parseHH(s: string, field: string): SourceMsg[] {
  const re = /(?:^|\n\n)(Human|Assistant):[ ]?/g;
  const marks = [...s.matchAll(re)];
  if (marks.length === 0 || s.slice(0, marks[0].index).trim() !== '') throw new RowReject('bad_transcript', `${field}: expected a transcript starting with "\\n\\nHuman: "`);
  const out: SourceMsg[] = [];
  for (let i = 0; i < marks.length; i++) {
    const m = marks[i];
    const start = (m.index ?? 0) + m[0].length;
    const end = i + 1 < marks.length ? (marks[i + 1].index ?? s.length) : s.length;
    const content = s.slice(start, end);
    out.push(m[1] === 'Human' ? user(content) : assistant(content));
  }
  return out;
}

/** glaive-function-calling-v2: `SYSTEM: … -\n{function json}…` and `USER: …\n\n\nASSISTANT: <functioncall> {…} <|endoftext|>…`. */
function glaive(sys: string, text: string, ctx: FormatContext): Converted {
  const state = ctx.state;
  let s = sys.replace(/^\s*SYSTEM:\s*/, '');
  const tools: unknown[] = [];
  const brace = s.indexOf('{');
  if (brace >= 0) {
    let rest = s.slice(brace);
    s = s.slice(0, brace).trimEnd();
    while (rest.trim() !== '') {
      rest = rest.trimStart();
      const end = jsonValueEnd(rest);
      let fn: unknown;
      try {
        fn = JSON.parse(rest.slice(0, end));
      } catch {
        throw new RowReject('bad_tools', `system: a function definition is not valid JSON: ${JSON.stringify(rest.slice(0, 60))}`);
      }
      tools.push(fn);
      rest = rest.slice(end);
    }
  }
  const src: SourceMsg[] = [];
  if (s !== '') src.push(system(s));
  const re = /(?:^|\n+)\s*(USER|ASSISTANT|FUNCTION RESPONSE):[ ]?/g;
  const marks = [...text.matchAll(re)];
  if (marks.length === 0) throw new RowReject('bad_transcript', 'chat: expected USER:/ASSISTANT: turns');
  const taken = new Set<string>();
  for (let i = 0; i < marks.length; i++) {
    const m = marks[i];
    const start = (m.index ?? 0) + m[0].length;
    const end = i + 1 < marks.length ? (marks[i + 1].index ?? text.length) : text.length;
    let content = text.slice(start, end).replace(/\s*<\|endoftext\|>\s*$/, '');
    if (m[1] === 'USER') src.push(user(content));
    else if (m[1] === 'FUNCTION RESPONSE') src.push({ item: { role: 'tool', content }, roleKey: 'role', contentKey: 'content' });
    else {
      const fc = /<functioncall>\s*/.exec(content);
      if (!fc) {
        src.push(assistant(content));
        continue;
      }
      const call = parseGlaiveCall(content.slice(fc.index + fc[0].length));
      content = content.slice(0, fc.index).trimEnd();
      const tc = toolCall(call, `chat turn ${i}`, state, taken);
      src.push({ item: { role: 'assistant', content, tool_calls: [tc] }, roleKey: 'role', contentKey: 'content' });
    }
  }
  return chat(ctx, src, 'messages', tools.length > 0 ? tools : undefined);
}

/** `{"name": "f", "arguments": '{"a": 1}'}`: glaive quotes the arguments JSON with single quotes. */
function parseGlaiveCall(s: string): unknown {
  const t = s.trim();
  try {
    return JSON.parse(t);
  } catch {}
  const m = /^(\{[\s\S]*"arguments"\s*:\s*)'([\s\S]*)'(\s*\})$/.exec(t);
  if (m) {
    try {
      return JSON.parse(`${m[1]}${JSON.stringify(m[2])}${m[3]}`);
    } catch {}
  }
  throw new RowReject('bad_tool_call', `a <functioncall> that is not {"name","arguments"}: ${JSON.stringify(t.slice(0, 80))}`);
}

/** End index of the JSON value at the start of `s` (brace/bracket matching, strings skipped). */
function jsonValueEnd(s: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return s.length;
}

function custom(v: Obj, ctx: FormatContext): Conversion {
  const map = ctx.map ?? {};
  const consumed: string[] = [];
  const get = (p: string) => {
    const path = parsePath(p);
    if (path.segments.length === 1) consumed.push(path.segments[0] as string);
    return getPath(v, path);
  };
  const src: SourceMsg[] = [];
  if (map.system) {
    const s = get(map.system);
    if (s !== undefined && s !== '') {
      if (!isStr(s)) throw new RowReject('bad_field', `--map system=${map.system}: expected a string, got ${describe(s)}`);
      src.push(system(s));
    }
  }
  if (map.messages) {
    const list = get(map.messages);
    if (!Array.isArray(list)) throw new RowReject('format_mismatch', `--map messages=${map.messages}: expected a list of messages, got ${describe(list)}`);
    const roleKey = map.role ?? 'role';
    const contentKey = map.content ?? 'content';
    for (const [i, m] of list.entries()) {
      if (!isObj(m)) throw new RowReject('bad_message', `${map.messages}[${i}]: expected a message object, got ${describe(m)}`);
      src.push({ item: m, roleKey, contentKey });
    }
  } else if (map.prompt && map.response) {
    const p = get(map.prompt);
    const r = get(map.response);
    if (!isStr(p) || !isStr(r))
      throw new RowReject('format_mismatch', `--map prompt=${map.prompt},response=${map.response}: expected two strings, got ${describe(p)} and ${describe(r)}`);
    src.push(user(p), assistant(r));
  } else throw new RowReject('format_mismatch', '--map needs messages=PATH, or prompt=PATH and response=PATH');
  const tools = map.tools ? get(map.tools) : undefined;
  return { value: chat(ctx, src, map.messages ?? 'messages', tools), consumed };
}
