// Chat templates: ChatML and Hugging Face (Jinja) templates, rendered the way a trainer renders a
// row before tokenizing it. Used by to-chatml (--render, --template: a `text` field) and manifest
// (--template: tokens of the rendered template). Moved here from to-chatml (issue 23 item 5).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { DataError, UsageError } from '@ldt/errors';

/** A chat message as the templates see it (the schema's messages: role, content, tool calls, reasoning). */
export interface TemplateMessage {
  role: string;
  content: string;
  reasoning_content?: string;
  tool_calls?: { function: { name: string; arguments: string } }[];
  [key: string]: unknown;
}

/** A row a template refuses (`raise_exception(...)` in the template, e.g. "roles must alternate"). */
export class TemplateRowError extends Error {}

/**
 * ChatML: `<|im_start|>role\ncontent<|im_end|>\n` per message. Assistant tool calls follow the
 * content as `<tool_call>\n{"name":…,"arguments":…}\n</tool_call>` (the Qwen2.5 convention),
 * `reasoning_content` precedes it as `<think>\n…\n</think>\n\n`.
 */
export function renderChatml(messages: readonly TemplateMessage[]): string {
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
 * special tokens). `flag` names the option in messages.
 */
export function loadTemplate(path: string, flag = '--template'): ChatTemplate {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`${flag}: cannot read ${path}: ${(e as Error).message}`);
  }
  if (!path.endsWith('.json')) return { source: text, tokens: {} };
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${flag}: ${path} is not valid JSON: ${(e as Error).message}`);
  }
  let tpl = cfg.chat_template;
  if (Array.isArray(tpl)) tpl = (tpl.find((t) => t?.name === 'default') ?? tpl[0])?.template;
  if (typeof tpl !== 'string') throw new UsageError(`${flag}: ${path} has no chat_template`, 'give a tokenizer_config.json with a chat_template, or a .jinja file');
  const tokens: Record<string, string> = {};
  for (const [k, v] of Object.entries(cfg)) {
    if (!k.endsWith('_token')) continue;
    if (typeof v === 'string') tokens[k] = v;
    else if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') tokens[k] = (v as { content: string }).content;
  }
  return { source: tpl, tokens };
}

/** Renders one conversation (messages and tool definitions) into the text a trainer tokenizes. */
export type Renderer = (messages: readonly TemplateMessage[], tools: unknown[] | undefined) => string;

/**
 * Compile a chat template with @huggingface/jinja into a renderer. `add_generation_prompt` is
 * false. A row the template refuses throws `TemplateRowError`; a template that does not parse is a
 * `DataError`.
 */
export async function templateRenderer(t: ChatTemplate): Promise<Renderer> {
  const { Template } = await import('@huggingface/jinja');
  let tpl: InstanceType<typeof Template>;
  try {
    tpl = new Template(t.source);
  } catch (e) {
    throw new DataError(`the chat template does not parse: ${(e as Error).message}`);
  }
  return (messages, tools) => {
    try {
      return tpl.render({ messages, ...(tools ? { tools } : {}), add_generation_prompt: false, ...t.tokens });
    } catch (e) {
      throw new TemplateRowError(`the chat template rejected the row: ${(e as Error).message}`);
    }
  };
}

/**
 * A chat template as a manifest records it, so that `manifest verify` renders rows the same way
 * without the file: `chatml` (built in), or a Jinja template with its special tokens and the
 * SHA-256 of both.
 */
export interface TemplateRecord {
  /** `chatml`, or the file's base name. */
  name: string;
  /** SHA-256 of the template source and tokens (canonical JSON), to tell templates apart. */
  sha256?: string;
  source?: string;
  tokens?: Record<string, string>;
}

/** `--template NAME|FILE`: `chatml`, or a tokenizer_config.json / .jinja file. */
export function templateRecord(spec: string, flag = '--template'): TemplateRecord {
  if (spec === 'chatml') return { name: 'chatml' };
  const t = loadTemplate(spec, flag);
  const sha256 = createHash('sha256')
    .update(JSON.stringify({ source: t.source, tokens: Object.fromEntries(Object.entries(t.tokens).sort((a, b) => (a[0] < b[0] ? -1 : 1))) }))
    .digest('hex');
  return { name: basename(spec), sha256, source: t.source, tokens: t.tokens };
}

/** The renderer of a recorded template. */
export async function recordRenderer(r: TemplateRecord): Promise<Renderer> {
  if (r.name === 'chatml' && r.source === undefined) return (messages) => renderChatml(messages);
  if (typeof r.source !== 'string') throw new DataError(`chat template ${JSON.stringify(r.name)}: the manifest records no template source`);
  return templateRenderer({ source: r.source, tokens: r.tokens ?? {} });
}
