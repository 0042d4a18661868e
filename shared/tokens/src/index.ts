// Token counting shared by manifest and curriculum-route (and any tool that reports tokens).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DataError, UsageError } from '@ldt/errors';
import { type FieldPath, getPath, type JsonObject, recordKind } from '@ldt/schema';

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
    const mod = (spec === 'o200k_base' ? await import('gpt-tokenizer/encoding/o200k_base') : await import('gpt-tokenizer/encoding/cl100k_base')) as {
      countTokens: (s: string, o: { disallowedSpecial: Set<string> }) => number;
    };
    const opts = { disallowedSpecial: new Set<string>() };
    return { name: spec, estimate: false, description: `${spec} (gpt-tokenizer), special tokens counted as text`, count: (s) => mod.countTokens(s, opts) };
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
  return {
    name: `tokenizer.json:${spec}`,
    estimate: false,
    description: `Hugging Face tokenizer ${spec} (@huggingface/tokenizers), no special tokens added`,
    count: (s) => tok.encode(s, { add_special_tokens: false }).ids.length,
  };
}

/**
 * The texts of a row whose tokens are counted: the strings at `paths` if given, else by kind:
 * chat → `messages.*.content`; preference → `prompt`, `chosen`, `rejected` (strings, or the
 * contents of message lists); text → `text`; otherwise every string outside `meta`.
 */
export function rowTexts(row: JsonObject, paths: readonly FieldPath[] | undefined, out: string[] = []): string[] {
  out.length = 0;
  if (paths) {
    for (const p of paths) collectStrings(getPath(row, p), out);
    return out;
  }
  switch (recordKind(row)) {
    case 'chat':
      for (const m of row.messages as unknown[]) {
        const c = (m as JsonObject | null)?.content;
        collectStrings(c, out);
      }
      return out;
    case 'preference':
      for (const k of ['prompt', 'chosen', 'rejected']) collectContent(row[k], out);
      return out;
    case 'text':
      out.push(row.text as string);
      return out;
    default:
      for (const k in row) if (k !== 'meta') collectStrings(row[k], out);
      return out;
  }
}

function collectContent(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const m of v) collectStrings(typeof m === 'object' && m !== null && !Array.isArray(m) ? (m as JsonObject).content : m, out);
}

function collectStrings(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) collectStrings(x, out);
  else if (typeof v === 'object' && v !== null) for (const k in v as JsonObject) collectStrings((v as JsonObject)[k], out);
}

/** Tokens of a row: the sum over its texts. */
export function countRowTokens(counter: TokenCounter, row: JsonObject, paths: readonly FieldPath[] | undefined, scratch: string[] = []): number {
  let n = 0;
  for (const s of rowTexts(row, paths, scratch)) n += counter.count(s);
  return n;
}
