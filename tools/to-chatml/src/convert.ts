import { DataError } from '@ldt/errors';
import type { JsonInputRow as InRow, Rejector } from '@ldt/ndjson';
import { byteSkipString, byteSkipValue, byteSkipWs, byteSpansInOrder, spansInOrder, topLevelSpans } from '@ldt/ndjson';
import type { FieldMap } from './format-parts.js';
import { convertAs, detectFormat, FORMATS, type FormatName } from './formats.js';
import { applySystem, ConvState, type Msg, type Role, RowReject } from './messages.js';

/** Options of the to-chatml core. Defaults: detect per row, keep extras, reject same-role runs. */
export interface ToChatmlOptions {
  /** Force one source format instead of detecting it per row (`--format`). */
  format?: FormatName;
  /** Field mapping for custom shapes (`--map`); implies format `custom`. */
  map?: FieldMap;
  /** Extra role aliases (`--role VALUE=ROLE`). */
  roles: ReadonlyMap<string, Role>;
  /** Join consecutive same-role turns (`--merge-consecutive`); off: such rows are rejected. */
  mergeConsecutive: boolean;
  /** System prompt to prepend when a conversation has none (`--system`). */
  system?: string;
  /** Replace an existing system prompt with `system` (`--system-override`). */
  systemOverride: boolean;
  /** Drop source fields the schema does not hold instead of keeping them under meta.extra (`--drop-extra`). */
  dropExtra: boolean;
  /** Render chat rows into `text` (`--render chatml` / `--template FILE`); undefined: no rendering. */
  render?: (messages: Msg[], tools: unknown[] | undefined) => string;
}

/** The outcome of converting one row. */
export type RowResult = { ok: true; format: FormatName; line: string; droppedExtra?: boolean } | { ok: false; reject: RowReject };

/**
 * Convert one row into the schema. Returns the output line, or the reason it cannot be converted.
 * Rows already in the schema come out unchanged (idempotent); OpenAI rows whose messages need no
 * change keep their bytes (the messages text is spliced from the input line).
 */
export function convertRow(row: InRow, opts: ToChatmlOptions): RowResult {
  const v = row.value;
  let format: FormatName | undefined = opts.map ? 'custom' : opts.format;
  if (!format && !opts.render && opts.system === undefined && !opts.dropExtra && !Array.isArray(v)) {
    const line = fastOpenai(v, row.raw);
    if (line !== undefined) return { ok: true, format: 'openai', line };
  }
  try {
    if (!format) {
      format = detectFormat(v);
      if (!format)
        throw new RowReject(
          'unknown_format',
          `cannot tell the format of a row with fields ${Object.keys(v).slice(0, 10).join(', ')}`,
          `force one with --format (${FORMATS.join(', ')}) or map fields with --map messages=PATH,role=KEY,content=KEY`,
        );
    }
    const state = new ConvState();
    const conv = convertAs(format, v, { ...opts, state });
    const value = conv.value;
    if (value.kind === 'text') return { ok: true, format, line: row.raw };
    // meta: the input's own meta object is kept; meta.format is added unless a previous run set it.
    const obj = Array.isArray(v) ? undefined : v;
    let meta: Record<string, unknown> = {};
    if (obj && obj.meta !== undefined) {
      if (typeof obj.meta !== 'object' || obj.meta === null || Array.isArray(obj.meta))
        throw new RowReject('bad_meta', 'field "meta" must be an object', 'ldt tools keep their facts under meta; rename the field first');
      meta = { ...(obj.meta as Record<string, unknown>) };
    }
    if (meta.format === undefined) meta.format = format;
    const consumed = new Set(conv.consumed);
    consumed.add('meta');
    // A chat row's `text` (a rendering) is a schema field: it stays where it is.
    if (value.kind === 'chat') consumed.add('text');
    const extraKeys = obj ? Object.keys(obj).filter((k) => !consumed.has(k)) : [];
    const extras: [string, unknown][] = extraKeys.map((k) => [k, obj?.[k]]);
    if (conv.extra) for (const [k, x] of Object.entries(conv.extra)) extras.push([k, x]);
    const droppedExtra = extras.length > 0 && opts.dropExtra;
    const keepExtras = opts.dropExtra ? [] : extras;
    let metaText: string;
    if (obj && obj.meta === undefined && !conv.extra) {
      // No meta in the input: write meta.extra from the raw spans, so big integers, `1.0` and
      // escapes in the source fields survive as they were.
      metaText = metaFromSpans(format, keepExtras, keepExtras.length > 0 ? topLevelSpans(row.raw) : undefined, row.raw);
    } else if (obj && obj.meta !== undefined && meta.format === (obj.meta as Record<string, unknown>).format && keepExtras.length === 0 && !conv.extra) {
      // Nothing to add (e.g. a second run over to-chatml output): the input's meta, byte for byte.
      const ms = topLevelSpans(row.raw)?.get('meta');
      metaText = ms ? row.raw.slice(ms[0], ms[1]) : JSON.stringify(meta);
    } else {
      if (keepExtras.length > 0) {
        const prev = meta.extra;
        if (prev !== undefined && (typeof prev !== 'object' || prev === null || Array.isArray(prev))) throw new RowReject('bad_meta', 'field "meta.extra" must be an object');
        const extra: Record<string, unknown> = prev ? { ...(prev as Record<string, unknown>) } : {};
        for (const [k, x] of keepExtras) {
          if (k in extra && JSON.stringify(extra[k]) !== JSON.stringify(x))
            throw new RowReject('extra_conflict', `source field ${JSON.stringify(k)} differs from meta.extra.${k} of an earlier run`);
          extra[k] = x;
        }
        meta.extra = extra;
      }
      metaText = JSON.stringify(meta);
    }

    if (value.kind === 'chat') {
      let messages = applySystem(value.messages, opts.system, opts.systemOverride, state);
      if (!messages.some((m) => m.role === 'assistant'))
        throw new RowReject('no_assistant_turn', 'messages: no assistant turn to train on', 'prompt-only rows belong in a "prompt" field (TRL prompt-only form)');
      let text: unknown = obj?.text;
      if (opts.render) text = opts.render(messages, value.tools);
      // Byte-preserving path: messages unchanged from the input line (the common OpenAI case).
      if (!state.changed && obj && format === 'openai' && !opts.render) {
        const spans = topLevelSpans(row.raw);
        const ms = spans?.get('messages');
        if (spans && ms) {
          let s = `{"messages":${row.raw.slice(ms[0], ms[1])}`;
          const ts = spans.get('tools');
          if (value.tools) s += `,"tools":${ts ? row.raw.slice(ts[0], ts[1]) : JSON.stringify(value.tools)}`;
          const xs = spans.get('text');
          if (text !== undefined) s += `,"text":${xs ? row.raw.slice(xs[0], xs[1]) : JSON.stringify(text)}`;
          return { ok: true, format, line: `${s},"meta":${metaText}}`, droppedExtra };
        }
      }
      messages = messages.map(ordered);
      const out: Record<string, unknown> = { messages };
      if (value.tools) out.tools = value.tools;
      if (text !== undefined) out.text = text;
      return { ok: true, format, line: withMeta(JSON.stringify(out), metaText), droppedExtra };
    }
    if (value.kind === 'preference') {
      const prompt = applySystem(value.prompt, opts.system, opts.systemOverride, state);
      return {
        ok: true,
        format,
        line: withMeta(JSON.stringify({ prompt: prompt.map(ordered), chosen: value.chosen.map(ordered), rejected: value.rejected.map(ordered) }), metaText),
        droppedExtra,
      };
    }
    if (value.kind === 'kto') {
      const prompt = applySystem(value.prompt, opts.system, opts.systemOverride, state);
      return {
        ok: true,
        format,
        line: withMeta(JSON.stringify({ prompt: prompt.map(ordered), completion: value.completion.map(ordered), label: value.label }), metaText),
        droppedExtra,
      };
    }
    const prompt = applySystem(value.prompt, opts.system, opts.systemOverride, state);
    return { ok: true, format, line: withMeta(JSON.stringify({ prompt: prompt.map(ordered) }), metaText), droppedExtra };
  } catch (e) {
    if (e instanceof RowReject) return { ok: false, reject: e };
    throw e;
  }
}

/** `{…}` + `,"meta":META}`. */
function withMeta(json: string, metaText: string): string {
  return `${json.slice(0, -1)},"meta":${metaText}}`;
}

/** `{"format":F,"extra":{k: raw value text, …}}`, the extra values sliced from the input line where possible. */
function metaFromSpans(format: string, extras: readonly [string, unknown][], spans: Map<string, [number, number]> | undefined, raw: string): string {
  let s = `{"format":${JSON.stringify(format)}`;
  if (extras.length > 0) {
    s += ',"extra":{';
    for (let i = 0; i < extras.length; i++) {
      const [k, x] = extras[i];
      const sp = spans?.get(k);
      s += `${i > 0 ? ',' : ''}${JSON.stringify(k)}:${sp ? raw.slice(sp[0], sp[1]) : JSON.stringify(x)}`;
    }
    s += '}';
  }
  return `${s}}`;
}

const NON_SPACE = /\S/;

/**
 * The common case, checked without building anything: an OpenAI row whose messages have
 * system/user/assistant roles and string contents (other message keys are kept as they are), non-blank
 * contents, no two same-role turns in a row and an assistant turn; no meta, tools or forced
 * options. Its output is the input's messages text plus meta, exactly what the general path
 * writes for it; anything else takes the general path.
 */
/** The keys of `v` when its messages and fields qualify for the fast path, else undefined. */
function fastKeys(v: Record<string, unknown>): string[] | undefined {
  const msgs = v.messages;
  if (!Array.isArray(msgs) || msgs.length === 0) return undefined;
  let prev: unknown;
  let assistant = false;
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i];
    if (typeof m !== 'object' || m === null || Array.isArray(m)) return undefined;
    const role = m.role;
    if ((role !== 'user' && role !== 'assistant' && role !== 'system') || role === prev) return undefined;
    const c = m.content;
    if (typeof c !== 'string' || !NON_SPACE.test(c)) return undefined;
    // Keys the general path rewrites (tool calls, reasoning) send the row there.
    if (m.tool_calls !== undefined || m.function_call !== undefined || m.tool_call_id !== undefined || m.reasoning !== undefined || m.thinking !== undefined) return undefined;
    if (role === 'assistant') assistant = true;
    prev = role;
  }
  if (!assistant) return undefined;
  const keys = Object.keys(v);
  for (const k of keys) if (k === 'meta' || k === 'tools' || k === 'label' || k === 'chosen' || k === 'rejected') return undefined;
  return keys;
}

function fastOpenai(v: Record<string, unknown>, raw: string): string | undefined {
  const keys = fastKeys(v);
  if (!keys) return undefined;
  const sp = spansInOrder(raw, keys);
  if (!sp) return undefined;
  let s = '';
  let text = '';
  let extra = '';
  for (let j = 0; j < keys.length; j++) {
    const k = keys[j];
    const value = raw.slice(sp[2 * j], sp[2 * j + 1]);
    if (k === 'messages') s = `{"messages":${value}`;
    else if (k === 'text') text = `,"text":${value}`;
    else extra += `${extra === '' ? '' : ','}${JSON.stringify(k)}:${value}`;
  }
  return `${s}${text},"meta":{"format":"openai"${extra === '' ? '' : `,"extra":{${extra}}`}}}`;
}

const B_MESSAGES = Buffer.from('{"messages":');
const B_TEXT = Buffer.from(',"text":');
const B_META = Buffer.from(',"meta":{"format":"openai"');
const B_EXTRA = Buffer.from(',"extra":{');
const B_COMMA = Buffer.from(',');
const B_END1 = Buffer.from('}}\n');
const B_END2 = Buffer.from('}}}\n');
const keyBytes = new Map<string, Buffer>();

/**
 * `fastOpenai` on the line's bytes: appends the output line (with its `\n`) to `out` as slices of
 * the input buffer, so the messages are neither scanned as a string nor re-encoded. Returns false
 * when the row does not qualify (nothing appended).
 */
export function fastOpenaiBytes(v: Record<string, unknown>, bytes: Buffer, out: Buffer[]): boolean {
  const keys = fastKeys(v);
  if (!keys) return false;
  const sp = byteSpansInOrder(bytes, keys);
  if (!sp) return false;
  emitOpenai(keys, sp, bytes, out);
  return true;
}

/** The output line of a fast row (with its `\n`), appended to `out` as slices of its bytes. */
function emitOpenai(keys: readonly string[], sp: ArrayLike<number>, bytes: Buffer, out: Buffer[]): void {
  let m = -1;
  let t = -1;
  let extras = 0;
  for (let j = 0; j < keys.length; j++) {
    if (keys[j] === 'messages') m = j;
    else if (keys[j] === 'text') t = j;
    else extras++;
  }
  out.push(B_MESSAGES, bytes.subarray(sp[2 * m], sp[2 * m + 1]));
  if (t >= 0) out.push(B_TEXT, bytes.subarray(sp[2 * t], sp[2 * t + 1]));
  out.push(B_META);
  if (extras > 0) {
    out.push(B_EXTRA);
    let first = true;
    for (let j = 0; j < keys.length; j++) {
      if (j === m || j === t) continue;
      let kb = keyBytes.get(keys[j]);
      if (!kb) {
        kb = Buffer.from(`${JSON.stringify(keys[j])}:`);
        if (keyBytes.size < 1024) keyBytes.set(keys[j], kb);
      }
      if (!first) out.push(B_COMMA);
      out.push(kb, bytes.subarray(sp[2 * j], sp[2 * j + 1]));
      first = false;
    }
    out.push(B_END2);
  } else out.push(B_END1);
}

/** Top-level keys that keep a row off the fast path (`fastKeys`). */
const NOT_FAST_KEYS = new Set(['meta', 'tools', 'label', 'chosen', 'rejected']);
/** Message keys that keep a row off the fast path (`fastKeys`). */
const NOT_FAST_MSG_KEYS = ['tool_calls', 'function_call', 'tool_call_id', 'reasoning', 'thinking'].map((k) => Buffer.from(k));
const B_ROLE = Buffer.from('role');
const B_CONTENT = Buffer.from('content');
const B_USER = Buffer.from('user');
const B_ASSISTANT = Buffer.from('assistant');
const B_SYSTEM = Buffer.from('system');
const KEY_OTHER = 0;
const KEY_ROLE = 1;
const KEY_CONTENT = 2;
const KEY_NOT_FAST = 3;
const ROLE_USER = 1;
const ROLE_ASSISTANT = 2;
const ROLE_SYSTEM = 3;

/** Which of the message keys the fast path looks at the key bytes [s, e) are (no string is made). */
function msgKey(b: Buffer, s: number, e: number): number {
  const n = e - s;
  if (n === 4 && same(b, s, B_ROLE)) return KEY_ROLE;
  if (n === 7 && same(b, s, B_CONTENT)) return KEY_CONTENT;
  for (const k of NOT_FAST_MSG_KEYS) if (n === k.length && same(b, s, k)) return KEY_NOT_FAST;
  return KEY_OTHER;
}

/** The bytes at `s` of `b` start with `k`. */
function same(b: Buffer, s: number, k: Buffer): boolean {
  for (let x = 0; x < k.length; x++) if (b[s + x] !== k[x]) return false;
  return true;
}

/**
 * `fastOpenaiBytes` for a line that is not parsed: `line` (its bytes, without the line end) must
 * be one JSON object as JSON.parse accepts it (the JsonChecker passed it). Appends what
 * `fastOpenaiBytes(JSON.parse(line), line, out)` appends, and returns true, only where that one
 * would; returns false, appending nothing, for every row `fastKeys` refuses and also wherever
 * telling would need the parse: a key or role with an escape, a top-level key that is not plain
 * ASCII or starts with a digit (Object.keys puts array-index keys first), a top-level key, a role
 * or a content twice (JSON.parse keeps the last). The caller then parses the line and goes the
 * usual way.
 * Why (issue 17): on the 64 MB pipe input JSON.parse and the garbage it leaves were ~0.25 of
 * to-chatml's ~0.75 CPU-s, and every row of it is a fast row.
 */
export function fastOpenaiChecked(line: Buffer, out: Buffer[]): boolean {
  const b = line;
  let i = byteSkipWs(b, 0);
  if (b[i] !== 123) return false;
  i = byteSkipWs(b, i + 1);
  if (b[i] === 125) return false;
  const keys: string[] = [];
  const sp: number[] = [];
  let messages = false;
  for (;;) {
    if (b[i] !== 34) return false;
    const kEnd = byteSkipString(b, i);
    const k0 = b[i + 1];
    if (k0 >= 48 && k0 <= 57) return false;
    for (let x = i + 1; x < kEnd - 1; x++) if (b[x] === 92 || b[x] >= 128) return false;
    const key = b.toString('latin1', i + 1, kEnd - 1);
    if (NOT_FAST_KEYS.has(key) || keys.includes(key)) return false;
    i = byteSkipWs(b, kEnd);
    if (b[i] !== 58) return false;
    i = byteSkipWs(b, i + 1);
    let vEnd: number;
    if (key === 'messages') {
      vEnd = fastMessages(b, i);
      if (vEnd < 0) return false;
      messages = true;
    } else vEnd = byteSkipValue(b, i);
    keys.push(key);
    sp.push(i, vEnd);
    i = byteSkipWs(b, vEnd);
    if (b[i] === 44) i = byteSkipWs(b, i + 1);
    else if (b[i] === 125) break;
    else return false;
  }
  if (!messages) return false;
  emitOpenai(keys, sp, line, out);
  return true;
}

/**
 * Where the messages array at `s` ends, when it qualifies for the fast path (see `fastKeys`), told
 * from its bytes; -1 when it does not, or cannot be told without the parse.
 */
function fastMessages(b: Buffer, s: number): number {
  if (b[s] !== 91) return -1;
  let i = byteSkipWs(b, s + 1);
  if (b[i] === 93) return -1;
  let prev = 0;
  let assistant = false;
  for (;;) {
    if (b[i] !== 123) return -1;
    let role = 0;
    let contents = 0;
    i = byteSkipWs(b, i + 1);
    if (b[i] !== 125)
      for (;;) {
        if (b[i] !== 34) return -1;
        const kEnd = byteSkipString(b, i);
        for (let x = i + 1; x < kEnd - 1; x++) if (b[x] === 92) return -1;
        const key = msgKey(b, i + 1, kEnd - 1);
        i = byteSkipWs(b, kEnd);
        if (b[i] !== 58) return -1;
        i = byteSkipWs(b, i + 1);
        const vEnd = byteSkipValue(b, i);
        if (key === KEY_ROLE) {
          if (role !== 0) return -1;
          role = roleOf(b, i, vEnd);
          if (role === 0) return -1;
        } else if (key === KEY_CONTENT) {
          if (contents++ > 0 || b[i] !== 34 || !nonBlank(b, i, vEnd)) return -1;
        } else if (key === KEY_NOT_FAST) return -1;
        i = byteSkipWs(b, vEnd);
        if (b[i] === 44) i = byteSkipWs(b, i + 1);
        else if (b[i] === 125) break;
        else return -1;
      }
    if (role === 0 || contents === 0 || role === prev) return -1;
    if (role === ROLE_ASSISTANT) assistant = true;
    prev = role;
    i = byteSkipWs(b, i + 1);
    if (b[i] === 44) i = byteSkipWs(b, i + 1);
    else if (b[i] === 93) return assistant ? i + 1 : -1;
    else return -1;
  }
}

/** ROLE_* of the string at [s, e) when it is exactly "user", "assistant" or "system", else 0. */
function roleOf(b: Buffer, s: number, e: number): number {
  if (b[s] !== 34) return 0;
  const n = e - s - 2;
  if (n === 4 && same(b, s + 1, B_USER)) return ROLE_USER;
  if (n === 9 && same(b, s + 1, B_ASSISTANT)) return ROLE_ASSISTANT;
  if (n === 6 && same(b, s + 1, B_SYSTEM)) return ROLE_SYSTEM;
  return 0;
}

/**
 * The JSON string at [s, e) holds a character that is not white space for `/\S/` (`NON_SPACE`),
 * told from its bytes: a character or `\uXXXX` escape that is not in JavaScript's white space
 * set (TAB, LF, VT, FF, CR, space, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F,
 * U+205F, U+3000, U+FEFF). Exact, so `fastKeys`' content test and this one agree on every string.
 */
function nonBlank(b: Buffer, s: number, e: number): boolean {
  for (let x = s + 1; x < e - 1; ) {
    const c = b[x];
    if (c === 92) {
      const d = b[x + 1];
      if (d === 117) {
        if (!isSpaceCode(Number.parseInt(b.toString('latin1', x + 2, x + 6), 16))) return true;
        x += 6;
      } else if (d === 110 || d === 116 || d === 114 || d === 102) x += 2;
      else return true;
    } else if (c < 128) {
      if (c !== 32) return true;
      x++;
    } else {
      // A UTF-8 sequence (the reader checked the encoding): its code point.
      const len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
      const cp = len === 2 ? ((c & 0x1f) << 6) | (b[x + 1] & 0x3f) : len === 3 ? ((c & 0x0f) << 12) | ((b[x + 1] & 0x3f) << 6) | (b[x + 2] & 0x3f) : 0x10000;
      if (!isSpaceCode(cp)) return true;
      x += len;
    }
  }
  return false;
}

/** The code unit is white space for JavaScript's `\s`. */
function isSpaceCode(c: number): boolean {
  return (
    (c >= 9 && c <= 13) ||
    c === 32 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** Message keys in a fixed order: role, content, reasoning_content, tool_calls, tool_call_id, then the rest as read. */
function ordered(m: Msg): Msg {
  const out: Msg = { role: m.role, content: m.content };
  if (m.reasoning_content !== undefined) out.reasoning_content = m.reasoning_content;
  if (m.tool_calls !== undefined) out.tool_calls = m.tool_calls;
  if (m.tool_call_id !== undefined) out.tool_call_id = m.tool_call_id;
  for (const k of Object.keys(m)) if (!(k in out)) out[k] = m[k];
  return out;
}

/** Per-run state of the CLI core: rows per detected format, rows with dropped extras. */
export class ToChatml {
  readonly formats = new Map<string, number>();
  /** Rows whose extra source fields were dropped (--drop-extra). */
  droppedExtra = 0;
  constructor(readonly opts: ToChatmlOptions) {}

  /**
   * Convert a batch: converted lines are returned; a row that cannot be converted goes verbatim to
   * the rejector (counted by reason), or throws a positioned `DataError` without --rejects.
   * Returns the output lines of the batch as one buffer (each line ends with `\n`) and their count.
   */
  convertBatch(batch: readonly InRow[], rejector: Rejector): { bytes: Buffer; written: number } {
    const out: Buffer[] = [];
    let lines: string[] = [];
    let written = 0;
    const fast = this.fast;
    let fastRows = 0;
    for (const row of batch) {
      if (fast && row.bytes && !Array.isArray(row.value)) {
        if (lines.length > 0) {
          out.push(Buffer.from(`${lines.join('\n')}\n`));
          lines = [];
        }
        if (fastOpenaiBytes(row.value, row.bytes, out)) {
          fastRows++;
          written++;
          continue;
        }
      }
      const r = convertRow(row, this.opts);
      if (r.ok) {
        lines.push(r.line);
        written++;
        this.formats.set(r.format, (this.formats.get(r.format) ?? 0) + 1);
        if (r.droppedExtra) this.droppedExtra++;
        continue;
      }
      const pos = { file: row.file, line: row.line };
      const err = new DataError(`${r.reject.message} (${r.reject.reason})`, pos, r.reject.hint);
      rejector.reject(r.reject.reason, row.raw, pos, err);
    }
    if (lines.length > 0) out.push(Buffer.from(`${lines.join('\n')}\n`));
    this.addFast(fastRows);
    return { bytes: out.length === 1 ? out[0] : Buffer.concat(out), written };
  }

  /** Whether OpenAI rows may take the fast path: no option changes what such a row becomes. */
  get fast(): boolean {
    return !this.opts.format && !this.opts.map && !this.opts.render && this.opts.system === undefined && !this.opts.dropExtra;
  }

  /** Count `n` rows written by the fast path (format openai). */
  addFast(n: number): void {
    if (n > 0) this.formats.set('openai', (this.formats.get('openai') ?? 0) + n);
  }

  /** Rows per detected format, sorted by name: `alpaca 999, sharegpt 3`. */
  formatSummary(): string {
    return [...this.formats]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  }
}
