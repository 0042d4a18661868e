/**
 * What every source-format converter is built from: the result types, the field checks (each
 * failure a `RowReject` naming the field) and the message-list builders.
 */
import { type ConvState, describe, type MessageOptions, type Msg, normalizeMessages, normalizeTools, RowReject, type SourceMsg } from './messages.js';

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

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isStr = (v: unknown): v is string => typeof v === 'string';
export const isMsgList = (v: unknown): v is Obj[] => Array.isArray(v) && v.length > 0 && v.every(isObj);
export const isStrList = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every(isStr);

export function need(v: Obj, fmt: string, ...keys: string[]): void {
  for (const k of keys)
    if (v[k] === undefined)
      throw new RowReject('format_mismatch', `not a ${fmt} row: field ${JSON.stringify(k)} is missing`, `fields present: ${Object.keys(v).slice(0, 12).join(', ')}`);
}

export function str(v: Obj, k: string): string {
  const x = v[k];
  if (typeof x !== 'string') throw new RowReject('bad_field', `field ${JSON.stringify(k)}: expected a string, got ${describe(x)}`);
  return x;
}

export const user = (content: string): SourceMsg => ({ item: { role: 'user', content }, roleKey: 'role', contentKey: 'content' });
export const assistant = (content: string): SourceMsg => ({ item: { role: 'assistant', content }, roleKey: 'role', contentKey: 'content' });
export const system = (content: string): SourceMsg => ({ item: { role: 'system', content }, roleKey: 'role', contentKey: 'content' });

export function sourceList(list: unknown, field: string): SourceMsg[] {
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
export function turnList(v: unknown, field: string, role: 'user' | 'assistant'): SourceMsg[] {
  if (isStr(v)) return [role === 'user' ? user(v) : assistant(v)];
  return sourceList(v, field);
}

export function chat(ctx: FormatContext, src: SourceMsg[], field: string, tools?: unknown): Converted {
  const messages = normalizeMessages(src, ctx, ctx.state, field);
  const t = normalizeTools(tools, ctx.state);
  return t ? { kind: 'chat', messages, tools: t } : { kind: 'chat', messages };
}

export function optStr(v: Obj, k: string): string | undefined {
  if (v[k] === undefined || v[k] === null) return undefined;
  return str(v, k);
}

/** Instruction and input/context in one user turn, separated by a blank line (Alpaca's own template keeps them in separate sections). */
export function joinInput(instruction: string, input: string | undefined): string {
  return input !== undefined && input !== '' ? `${instruction}\n\n${input}` : instruction;
}

/** One message object (`{from, value}` or `{role, content}`) as a source message. */
export function oneMessage(m: unknown, field: string): SourceMsg {
  if (!isObj(m)) throw new RowReject('bad_message', `${field}: expected one message object, got ${describe(m)}`);
  return 'from' in m && 'value' in m ? { item: m, roleKey: 'from', contentKey: 'value' } : { item: m, roleKey: 'role', contentKey: 'content' };
}
