// The record model: the kinds of rows that ldt tools read (everything to-chatml writes, and the
// raw rows before it), and per kind the text that each tool works on. Every tool asks these
// functions instead of keeping its own copy; shared/schema/README.md ("Record kinds") documents
// the same tables.
import type { FieldPath } from './path.js';
import { getPath } from './path.js';
import type { JsonObject } from './record.js';

/** Every record kind (`recordKind` tests kto first, then preference, chat, prompt_only, text). */
export const RECORD_KINDS = ['text', 'chat', 'preference', 'kto', 'prompt_only', 'other'] as const;
/** The kind of a record. */
export type RecordKind = (typeof RECORD_KINDS)[number];

/**
 * The kind of a record:
 * - `kto`: a boolean `label` with `completion` (to-chatml's KTO rows) or a `messages` list;
 * - `preference`: `chosen` and `rejected`;
 * - `chat`: a `messages` array (OpenAI/TRL form; tool calls, reasoning and content parts inside);
 * - `prompt_only`: `prompt` (a string or a message list) and no other field outside `meta`
 *   (to-chatml's prompt-only rows; raw rows with more fields are `other`);
 * - `text`: a string `text`;
 * - `other`: anything else (raw rows before to-chatml).
 */
export function recordKind(row: JsonObject): RecordKind {
  if (typeof row.label === 'boolean' && (row.completion !== undefined || Array.isArray(row.messages))) return 'kto';
  if (row.chosen !== undefined && row.rejected !== undefined) return 'preference';
  if (Array.isArray(row.messages)) return 'chat';
  if ((typeof row.prompt === 'string' || Array.isArray(row.prompt)) && onlyPrompt(row)) return 'prompt_only';
  if (typeof row.text === 'string') return 'text';
  return 'other';
}

function onlyPrompt(row: JsonObject): boolean {
  for (const k in row) if (k !== 'prompt' && k !== 'meta') return false;
  return true;
}

/** The top-level fields that make up each kind's compared value (see `comparedValue`). */
export const COMPARED_FIELDS: Readonly<Record<Exclude<RecordKind, 'other'>, readonly string[]>> = {
  text: ['text'],
  chat: ['messages', 'tools'],
  preference: ['prompt', 'chosen', 'rejected'],
  kto: ['prompt', 'completion', 'label'],
  prompt_only: ['prompt'],
};

/**
 * What a row is compared by as a whole: the value whose canonical key is dedup-exact's default key
 * (and so `meta.content_hash`) and split-holdout's default group when the row has no content hash.
 * - text → the `text` string;
 * - chat → the `messages` array, or `{messages, tools}` when the row has tool definitions;
 * - preference → `{prompt, chosen, rejected}` (those present); kto → `{prompt, completion, label}`;
 *   prompt_only → `{prompt}`;
 * - other → the row without `meta`.
 * Fields outside these (a rendered `text` beside `messages`, ids) are not compared. For
 * to-chatml's rows the value is the row without `meta`, except a chat row's `text`.
 */
export function comparedValue(row: JsonObject, kind: RecordKind = recordKind(row)): unknown {
  switch (kind) {
    case 'text':
      return row.text;
    case 'chat':
      return row.tools === undefined ? row.messages : { messages: row.messages, tools: row.tools };
    case 'other': {
      if (row.meta === undefined) return row;
      const { meta: _meta, ...rest } = row;
      return rest;
    }
    default: {
      const out: JsonObject = {};
      for (const k of COMPARED_FIELDS[kind]) if (row[k] !== undefined) out[k] = row[k];
      return out;
    }
  }
}

/** What the text walk of a message list takes from each message. */
interface MessageParts {
  /** `reasoning_content` (and the `reasoning`/`thinking` spellings of raw rows). */
  reasoning: boolean;
}

/** What `kindTexts` takes from a row besides its messages' texts. */
interface TextRule extends MessageParts {
  /** The tool definitions in `tools` (chat, preference, kto rows), as compact JSON. */
  tools: boolean;
  /** The `rejected` answer of a preference row. */
  rejected: boolean;
}

const COMPARE_TEXTS: TextRule = { reasoning: false, tools: false, rejected: false };
const TOKEN_TEXTS: TextRule = { reasoning: true, tools: true, rejected: true };

/** The texts of a row of kind `kind` (not `other`) under `rule`, appended to `out`, in field order. */
function kindTexts(row: JsonObject, out: string[], kind: Exclude<RecordKind, 'other'>, rule: TextRule): string[] {
  switch (kind) {
    case 'text':
      out.push(row.text as string);
      return out;
    case 'chat':
      messagesTexts(row.messages, out, rule);
      break;
    case 'preference':
      messagesTexts(row.prompt, out, rule);
      messagesTexts(row.chosen, out, rule);
      if (rule.rejected) messagesTexts(row.rejected, out, rule);
      break;
    case 'kto':
      messagesTexts(row.prompt, out, rule);
      messagesTexts(row.completion ?? row.messages, out, rule);
      break;
    case 'prompt_only':
      messagesTexts(row.prompt, out, rule);
      return out;
  }
  if (rule.tools) toolsTexts(row.tools, out);
  return out;
}

/**
 * The texts dedup-near compares by default (joined with newlines by the caller), or undefined for
 * a row of kind `other` (it has no default text: the caller rejects it, naming `--fields`):
 * - text → `text`;
 * - chat → per message its `content` (a string, or the `text` of each text part of a multimodal
 *   content list; image/audio parts have no text) and each tool call's function name and
 *   `arguments`;
 * - preference → `prompt` and `chosen` (strings or message lists; `rejected` is not compared);
 * - kto → `prompt` and `completion`; prompt_only → `prompt`.
 */
export function comparedTexts(row: JsonObject, out: string[] = [], kind: RecordKind = recordKind(row)): string[] | undefined {
  out.length = 0;
  return kind === 'other' ? undefined : kindTexts(row, out, kind, COMPARE_TEXTS);
}

/**
 * The texts whose tokens manifest and curriculum-route count by default (rule `TOKEN_RULE`):
 * - text → `text`;
 * - chat → per message its content (text parts), `reasoning_content`, and each tool call's
 *   function name and `arguments`; plus each tool definition in `tools` as compact JSON (what a
 *   chat template puts into the prompt);
 * - preference → `prompt`, `chosen` and `rejected` (each as above); kto → `prompt`, `completion`
 *   (or `messages`); prompt_only → `prompt`;
 * - other → every string value outside `meta`.
 */
export function tokenTexts(row: JsonObject, out: string[] = [], kind: RecordKind = recordKind(row)): string[] {
  out.length = 0;
  if (kind !== 'other') return kindTexts(row, out, kind, TOKEN_TEXTS);
  for (const k in row) if (k !== 'meta') allStrings(row[k], out);
  return out;
}

/** The name of the default token-counting rule of `tokenTexts`, recorded in manifests. */
export const TOKEN_RULE = 'record-model-v2';
/**
 * The rule of manifests written before `TOKEN_RULE` (no rule recorded): chat → `messages.*.content`
 * only; preference → `prompt`, `chosen`, `rejected` message contents; text → `text`; otherwise
 * every string outside `meta`. Kept so that `manifest verify` recomputes old datasets' counts the
 * way they were made.
 */
export const LEGACY_TOKEN_RULE = 'messages-content-v1';

/** The texts of `LEGACY_TOKEN_RULE` (see there). */
export function legacyTokenTexts(row: JsonObject, out: string[] = []): string[] {
  out.length = 0;
  if (Array.isArray(row.messages)) {
    for (const m of row.messages) allStrings(m !== null && typeof m === 'object' && !Array.isArray(m) ? m.content : undefined, out);
    return out;
  }
  if (row.chosen !== undefined && row.rejected !== undefined) {
    for (const k of ['prompt', 'chosen', 'rejected']) {
      const v = row[k];
      if (typeof v === 'string') out.push(v);
      else if (Array.isArray(v)) for (const m of v) allStrings(m !== null && typeof m === 'object' && !Array.isArray(m) ? m.content : m, out);
    }
    return out;
  }
  if (typeof row.text === 'string') {
    out.push(row.text);
    return out;
  }
  for (const k in row) if (k !== 'meta') allStrings(row[k], out);
  return out;
}

/**
 * The texts of a message list (or a plain string, as TRL's string prompts and completions):
 * each message's content and tool calls, and its reasoning when `parts.reasoning`.
 */
function messagesTexts(v: unknown, out: string[], parts: MessageParts): void {
  if (typeof v === 'string') {
    out.push(v);
    return;
  }
  if (!Array.isArray(v)) return;
  for (const m of v) {
    if (typeof m === 'string') {
      out.push(m);
      continue;
    }
    if (m === null || typeof m !== 'object' || Array.isArray(m)) continue;
    const msg = m as JsonObject;
    if (parts.reasoning) {
      const r = msg.reasoning_content ?? msg.reasoning ?? msg.thinking;
      if (typeof r === 'string' && r !== '') out.push(r);
    }
    contentTexts(msg.content, out);
    const calls = msg.tool_calls;
    if (Array.isArray(calls)) for (const c of calls) toolCallTexts(c, out);
    else if (msg.function_call !== undefined) toolCallTexts({ function: msg.function_call }, out);
  }
}

/** A content string, or the `text` of each text part of an OpenAI content-part list. */
function contentTexts(c: unknown, out: string[]): void {
  if (typeof c === 'string') {
    if (c !== '') out.push(c);
    return;
  }
  if (!Array.isArray(c)) return;
  for (const p of c) {
    if (typeof p === 'string') out.push(p);
    else if (p !== null && typeof p === 'object' && typeof (p as JsonObject).text === 'string') out.push((p as JsonObject).text as string);
  }
}

/** A tool call's function name and arguments (a JSON string, or an object serialised compactly). */
function toolCallTexts(c: unknown, out: string[]): void {
  if (c === null || typeof c !== 'object' || Array.isArray(c)) return;
  const fn = ((c as JsonObject).function ?? c) as JsonObject;
  if (fn === null || typeof fn !== 'object') return;
  if (typeof fn.name === 'string') out.push(fn.name);
  const args = fn.arguments;
  if (typeof args === 'string') out.push(args);
  else if (args !== undefined && args !== null) out.push(JSON.stringify(args));
}

/** Each tool definition as compact JSON (a string `tools` field, as raw LLaMA-Factory rows store it, as is). */
function toolsTexts(t: unknown, out: string[]): void {
  if (typeof t === 'string') {
    if (t !== '') out.push(t);
  } else if (Array.isArray(t)) for (const d of t) out.push(typeof d === 'string' ? d : JSON.stringify(d));
}

function allStrings(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) allStrings(x, out);
  else if (typeof v === 'object' && v !== null) for (const k in v as JsonObject) allStrings((v as JsonObject)[k], out);
}

/**
 * The value of a row at a user's field list (`--key`, `--fields`), path by path as the row has
 * them, or undefined when the row has none of them:
 * - one path → its value;
 * - several, all present → the array of their values (as before per-row lists, so saved indexes
 *   keep matching);
 * - several, some present → an object from each present path's text to its value, so that the key
 *   names the paths: `{"a":"x"}` and `{"b":"x"}` under `--key a,b` differ.
 */
export function valuesAt(row: JsonObject, paths: readonly FieldPath[]): unknown {
  if (paths.length === 1) return getPath(row, paths[0]);
  let present = 0;
  const values: unknown[] = new Array(paths.length);
  for (let i = 0; i < paths.length; i++) {
    values[i] = getPath(row, paths[i]);
    if (values[i] !== undefined) present++;
  }
  if (present === paths.length) return values;
  if (present === 0) return undefined;
  const named: Record<string, unknown> = {};
  for (let i = 0; i < paths.length; i++) if (values[i] !== undefined) named[paths[i].text] = values[i];
  return named;
}

/**
 * The strings at a user's field list (`--fields`), path by path as the row has them: message
 * objects give their text as in `comparedTexts` (content, tool calls), other objects every string
 * inside. Returns the number of paths the row has (0: the caller rejects the row).
 */
export function textsAt(row: JsonObject, paths: readonly FieldPath[], out: string[]): number {
  out.length = 0;
  let present = 0;
  for (const p of paths) {
    const v = getPath(row, p);
    if (v === undefined) continue;
    present++;
    fieldStrings(v, out);
  }
  return present;
}

function fieldStrings(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
  else if (Array.isArray(v)) for (const x of v) fieldStrings(x, out);
  else if (v !== null && typeof v === 'object') {
    const o = v as JsonObject;
    if ('content' in o || 'tool_calls' in o) messagesTexts([o], out, COMPARE_TEXTS);
    else for (const k of Object.keys(o)) fieldStrings(o[k], out);
  }
}
