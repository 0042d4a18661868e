/** The preference and KTO source formats: TRL/UltraFeedback `dpo`, LLaMA-Factory `sharegpt_preference`, `kto`. */
import { type Conversion, type Converted, type FormatContext, isStr, need, type Obj, oneMessage, sourceList, system, turnList } from './format-parts.js';
import { ConvState, describe, type Msg, mapRole, normalizeMessages, RowReject, type SourceMsg } from './messages.js';

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

export function dpo(v: Obj, ctx: FormatContext): Conversion {
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

/**
 * LLaMA-Factory's preference rows (`ranking: true`, ShareGPT or OpenAI tags): the prompt turns in
 * `conversations` (or `messages`), an optional top-level `system`, and `chosen` / `rejected` as
 * one assistant message object each (`{"from":"gpt","value":…}`, or a `function_call` turn). As
 * LLaMA-Factory's converter requires, the prompt ends on a user or tool turn.
 */
export function sharegptPreference(v: Obj, ctx: FormatContext): Conversion {
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

export function kto(v: Obj, ctx: FormatContext): Conversion {
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
