/**
 * Source formats: detection and conversion into a `Converted` value (one of the schema's row
 * kinds). Each converter names the top-level fields it consumes; every other field is kept under
 * `meta.extra` by the caller.
 */
import { getPath, parsePath } from '@ldt/schema';
import {
  assistant,
  type Conversion,
  chat,
  type FormatContext,
  isMsgList,
  isObj,
  isStr,
  isStrList,
  joinInput,
  need,
  type Obj,
  optStr,
  sourceList,
  str,
  system,
  turnList,
  user,
} from './format-parts.js';
import { dpo, kto, sharegptPreference, splitPrompt } from './formats-preference.js';
import { glaive, parseHH } from './formats-transcripts.js';
import { describe, normalizeMessages, RowReject, type SourceMsg } from './messages.js';

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
    case 'prompt_completion':
    case 'prompt_response':
    case 'query_response':
    case 'question_answer':
    case 'humaneval':
    case 'prosocial': {
      const [prompt, response] = PAIR_FIELDS[fmt];
      return pair(v, ctx, fmt, prompt, response);
    }
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

/** The prompt and response fields of the formats that are one exchange (`pair`). */
const PAIR_FIELDS = {
  instruction_response: ['instruction', 'response'],
  prompt_completion: ['prompt', 'completion'],
  prompt_response: ['prompt', 'response'],
  query_response: ['query', 'response'],
  question_answer: ['question', 'answer'],
  humaneval: ['prompt', 'canonical_solution'],
  prosocial: ['context', 'response'],
} as const;

/** One exchange from two fields; each may be a string or (TRL conversational prompt-completion) a message list. */
function pair(v: Obj, ctx: FormatContext, fmt: string, p: string, r: string): Conversion {
  need(v, fmt, p, r);
  const src = [...turnList(v[p], p, 'user'), ...turnList(v[r], r, 'assistant')];
  return { value: chat(ctx, src, 'messages'), consumed: [p, r] };
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
