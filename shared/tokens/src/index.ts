// Token counting shared by manifest and curriculum-route (and any tool that reports tokens).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DataError, UsageError } from '@ldt/errors';
import { type FieldPath, getPath, type JsonObject, LEGACY_TOKEN_RULE, legacyTokenTexts, recordKind, TOKEN_RULE, tokenTexts } from '@ldt/schema';
import { hfCounter } from './hf.js';
import type { Renderer, TemplateMessage } from './template.js';
import { tiktokenCounter } from './tiktoken.js';

export { GENERATION, MAX_KEY, PieceCache } from './cache.js';
export { BpeMerger, type HfCounter, hfCounter } from './hf.js';
export {
  type ChatTemplate,
  loadTemplate,
  type Renderer,
  recordRenderer,
  renderChatml,
  type TemplateMessage,
  type TemplateRecord,
  TemplateRowError,
  templateRecord,
  templateRenderer,
} from './template.js';
export { type TiktokenName, tiktokenCounter } from './tiktoken.js';

/** Counts tokens of one string. `estimate` is true for the byte-based estimate (no tokenizer). */
export interface TokenCounter {
  /** `o200k_base`, `cl100k_base`, `tokenizer.json:<path>` or `estimate`. */
  readonly name: string;
  readonly estimate: boolean;
  /** What the counts mean, for the manifest and summaries. */
  readonly description: string;
  count(text: string): number;
}

/** The estimate used without --tokenizer: ceil(UTF-8 bytes / 4) per text (OpenAI's rule of thumb for English). */
export const ESTIMATE: TokenCounter = {
  name: 'estimate',
  estimate: true,
  description: 'estimate: ceil(UTF-8 bytes / 4) per text field, not a tokenizer count',
  count: (s) => Math.ceil(Buffer.byteLength(s, 'utf8') / 4),
};

/**
 * Load a token counter: `o200k_base` / `cl100k_base` (gpt-tokenizer, pure JS, ships the
 * encodings), a path to a Hugging Face `tokenizer.json` (@huggingface/tokenizers; a
 * `tokenizer_config.json` beside it is read too), or undefined for the estimate. Special-token
 * text such as `<|endoftext|>` inside data is counted as ordinary text, and no special tokens are
 * added, so counts are of the data only (no chat template).
 */
export async function loadTokenCounter(spec: string | undefined, flag = '--tokenizer'): Promise<TokenCounter> {
  if (spec === undefined) return ESTIMATE;
  if (spec === 'o200k_base' || spec === 'cl100k_base') {
    const count = await tiktokenCounter(spec);
    return { name: spec, estimate: false, description: `${spec} (gpt-tokenizer), special tokens counted as text`, count };
  }
  if (!spec.endsWith('.json')) throw new UsageError(`${flag} must be o200k_base, cl100k_base or a path to a Hugging Face tokenizer.json; got ${JSON.stringify(spec)}`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(spec, 'utf8'));
  } catch (e) {
    throw new DataError(`cannot read tokenizer ${spec}: ${(e as Error).message}`, undefined, 'download it from the model repository on the Hugging Face Hub (tokenizer.json)');
  }
  const cfgPath = join(dirname(spec), 'tokenizer_config.json');
  const config = existsSync(cfgPath) ? JSON.parse(await readFile(cfgPath, 'utf8')) : {};
  const { Tokenizer } = await import('@huggingface/tokenizers');
  let tok: InstanceType<typeof Tokenizer>;
  try {
    tok = new Tokenizer(json as never, config);
  } catch (e) {
    throw new DataError(`${spec} is not a usable Hugging Face tokenizer: ${(e as Error).message}`);
  }
  const { count } = hfCounter(tok);
  return {
    name: `tokenizer.json:${spec}`,
    estimate: false,
    description: `Hugging Face tokenizer ${spec} (@huggingface/tokenizers), no special tokens added`,
    count,
  };
}

/**
 * The rule of `manifest build --template`: the tokens of each row as a trainer renders it with a
 * chat template (see `templateTexts`); the manifest records the template itself.
 */
export const TEMPLATE_TOKEN_RULE = 'chat-template-v1';

/** `TEMPLATE_TOKEN_RULE` with its renderer. */
export interface TemplateTokenRule {
  name: typeof TEMPLATE_TOKEN_RULE;
  render: Renderer;
}

/** A token-counting rule: which texts of a row are counted when no text fields are given. */
export type TokenRule = typeof TOKEN_RULE | typeof LEGACY_TOKEN_RULE | TemplateTokenRule;
export { LEGACY_TOKEN_RULE, TOKEN_RULE };

const isMessages = (v: unknown): v is TemplateMessage[] => Array.isArray(v) && v.every((m) => typeof m === 'object' && m !== null && !Array.isArray(m));

/**
 * The texts a trainer tokenizes for a row, rendered by a chat template (`TEMPLATE_TOKEN_RULE`):
 * - chat → `render(messages, tools)`;
 * - preference → `render(prompt + chosen)` and `render(prompt + rejected)` (both sequences are
 *   trained on); kto → `render(prompt + completion)`; prompt_only → `render(prompt)`;
 *   with `tools` passed when the row has them;
 * - text → `text`; a row whose parts are strings (TRL's standard form), or of kind `other`, is
 *   counted as `tokenTexts` counts it (no template applies to it).
 */
export function templateTexts(row: JsonObject, render: Renderer, out: string[] = []): string[] {
  out.length = 0;
  const tools = Array.isArray(row.tools) ? row.tools : undefined;
  const prompt = row.prompt === undefined ? [] : row.prompt;
  switch (recordKind(row)) {
    case 'chat':
      if (!isMessages(row.messages)) break;
      out.push(render(row.messages, tools));
      return out;
    case 'preference':
      if (!isMessages(prompt) || !isMessages(row.chosen) || !isMessages(row.rejected)) break;
      out.push(render([...prompt, ...row.chosen], tools), render([...prompt, ...row.rejected], tools));
      return out;
    case 'kto': {
      const completion = row.completion ?? row.messages;
      if (!isMessages(prompt) || !isMessages(completion)) break;
      out.push(render([...prompt, ...completion], tools));
      return out;
    }
    case 'prompt_only':
      if (!isMessages(prompt)) break;
      out.push(render(prompt, tools));
      return out;
  }
  return tokenTexts(row, out);
}

/**
 * The texts of a row whose tokens are counted: the strings at `paths` if given, else by the
 * record model (`tokenTexts` of @ldt/schema: message contents, reasoning, tool-call names and
 * arguments, tool definitions, …; see shared/schema/README.md). `rule` `LEGACY_TOKEN_RULE` gives
 * the texts manifests counted before tool calls were counted (for `manifest verify` of old datasets).
 */
export function rowTexts(row: JsonObject, paths: readonly FieldPath[] | undefined, out: string[] = [], rule: TokenRule = TOKEN_RULE): string[] {
  if (paths) {
    out.length = 0;
    for (const p of paths) collectStrings(getPath(row, p), out);
    return out;
  }
  if (typeof rule === 'object') return templateTexts(row, rule.render, out);
  return rule === LEGACY_TOKEN_RULE ? legacyTokenTexts(row, out) : tokenTexts(row, out);
}

function collectStrings(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) collectStrings(x, out);
  else if (typeof v === 'object' && v !== null) for (const k in v as JsonObject) collectStrings((v as JsonObject)[k], out);
}

/** Tokens of a row: the sum over its texts. */
export function countRowTokens(counter: TokenCounter, row: JsonObject, paths: readonly FieldPath[] | undefined, scratch: string[] = [], rule: TokenRule = TOKEN_RULE): number {
  let n = 0;
  for (const s of rowTexts(row, paths, scratch, rule)) n += counter.count(s);
  return n;
}
