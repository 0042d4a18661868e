import { readFileSync } from 'node:fs';
import { DataError, UsageError } from '@ldt/errors';
import type { Msg } from './messages.js';
import { RowReject } from './messages.js';

/**
 * ChatML: `<|im_start|>role\ncontent<|im_end|>\n` per message. Assistant tool calls follow the
 * content as `<tool_call>\n{"name":…,"arguments":…}\n</tool_call>` (the Qwen2.5 convention),
 * `reasoning_content` precedes it as `<think>\n…\n</think>\n\n`.
 */
export function renderChatml(messages: readonly Msg[]): string {
  let s = '';
  for (const m of messages) {
    let body = m.content;
    if (m.reasoning_content !== undefined) body = `<think>\n${m.reasoning_content}\n</think>\n\n${body}`;
    if (m.tool_calls) {
      for (const c of m.tool_calls) {
        let args: unknown = c.function.arguments;
        try {
          args = JSON.parse(c.function.arguments);
        } catch {}
        body += `${body === '' ? '' : '\n'}<tool_call>\n${JSON.stringify({ name: c.function.name, arguments: args })}\n</tool_call>`;
      }
    }
    s += `<|im_start|>${m.role}\n${body}<|im_end|>\n`;
  }
  return s;
}

/** A Hugging Face chat template with the special tokens of its tokenizer_config.json. */
export interface ChatTemplate {
  source: string;
  /** bos_token, eos_token, … as strings (AddedToken objects reduced to their content). */
  tokens: Record<string, string>;
}

/**
 * Load a chat template: a `tokenizer_config.json` (its `chat_template`, a string or the default of
 * a list of named templates, and its special tokens) or a `.jinja` file (the template alone; no
 * special tokens unless given in a tokenizer_config beside it).
 */
export function loadTemplate(path: string): ChatTemplate {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--template: cannot read ${path}: ${(e as Error).message}`);
  }
  if (!path.endsWith('.json')) return { source: text, tokens: {} };
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--template: ${path} is not valid JSON: ${(e as Error).message}`);
  }
  let tpl = cfg.chat_template;
  if (Array.isArray(tpl)) tpl = (tpl.find((t) => t?.name === 'default') ?? tpl[0])?.template;
  if (typeof tpl !== 'string') throw new UsageError(`--template: ${path} has no chat_template`, 'give a tokenizer_config.json with a chat_template, or a .jinja file');
  const tokens: Record<string, string> = {};
  for (const [k, v] of Object.entries(cfg)) {
    if (!k.endsWith('_token')) continue;
    if (typeof v === 'string') tokens[k] = v;
    else if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') tokens[k] = (v as { content: string }).content;
  }
  return { source: tpl, tokens };
}

/** Compile a chat template with @huggingface/jinja into a renderer (messages, tools) → text. */
export async function templateRenderer(t: ChatTemplate): Promise<(messages: Msg[], tools: unknown[] | undefined) => string> {
  const { Template } = await import('@huggingface/jinja');
  let tpl: InstanceType<typeof Template>;
  try {
    tpl = new Template(t.source);
  } catch (e) {
    throw new DataError(`--template: the chat template does not parse: ${(e as Error).message}`);
  }
  return (messages, tools) => {
    try {
      return tpl.render({ messages, ...(tools ? { tools } : {}), add_generation_prompt: false, ...t.tokens });
    } catch (e) {
      // raise_exception() in templates (e.g. "roles must alternate") is a property of the row.
      throw new RowReject('template_error', `the chat template rejected the row: ${(e as Error).message}`);
    }
  };
}
