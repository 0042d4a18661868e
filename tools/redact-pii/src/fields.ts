import { type FieldPath, type Json, type JsonObject, WILDCARD } from '@ldt/schema';

/** One string value of a row that redact-pii scans: where it is, and how to replace it. */
export interface TextSlot {
  /** Path segments from the row's root (`['messages', 1, 'content']`). */
  path: (string | number)[];
  value: string;
  /** The container holding the string and its key, for in-place replacement. */
  parent: JsonObject | Json[];
  key: string | number;
}

/** Top-level fields that hold text or message lists in the record model (to-chatml's output). */
const MESSAGE_FIELDS = ['messages', 'prompt', 'chosen', 'rejected', 'completion'] as const;

/**
 * The text of a row as the record model defines it: `text`; `messages`, `prompt`, `chosen`,
 * `rejected` and `completion`, each a string or a list of messages, where a message's text is its
 * `content` (a string, or a list of parts whose `text` is read), its `reasoning_content`, and the
 * `function.arguments` of its `tool_calls` (a JSON string, or every string inside an object). A row
 * with none of these fields (kind `other`) has every string outside `meta` scanned. With `fields`
 * (from --fields), every string at or under those paths is scanned instead. Keys and `meta` never are.
 */
export function textSlots(row: JsonObject, fields?: readonly FieldPath[]): TextSlot[] {
  const out: TextSlot[] = [];
  if (fields !== undefined) {
    for (const f of fields) {
      if (f.segments[0] === 'meta') continue;
      select(row, f.segments, 0, [], out);
    }
    // Overlapping --fields paths must not yield a string twice.
    if (fields.length > 1) {
      const seen = new Set<string>();
      return out.filter((s) => {
        const k = s.path.join('\u0000');
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    }
    return out;
  }
  let known = false;
  if (typeof row.text === 'string') {
    known = true;
    out.push({ path: ['text'], value: row.text, parent: row, key: 'text' });
  }
  for (const f of MESSAGE_FIELDS) {
    const v = row[f];
    if (v === undefined) continue;
    known = true;
    if (typeof v === 'string') out.push({ path: [f], value: v, parent: row, key: f });
    else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) message(v[i], [f, i], v, i, out);
    else if (v !== null && typeof v === 'object') message(v, [f], row, f, out);
  }
  if (!known) for (const k of Object.keys(row)) if (k !== 'meta') all(row[k], [k], row, k, out);
  return out;
}

function message(m: Json, path: (string | number)[], parent: JsonObject | Json[], key: string | number, out: TextSlot[]): void {
  if (typeof m === 'string') {
    out.push({ path, value: m, parent, key });
    return;
  }
  if (m === null || typeof m !== 'object' || Array.isArray(m)) return;
  const c = m.content;
  if (typeof c === 'string') out.push({ path: [...path, 'content'], value: c, parent: m, key: 'content' });
  else if (Array.isArray(c)) {
    c.forEach((part, i) => {
      if (typeof part === 'string') out.push({ path: [...path, 'content', i], value: part, parent: c, key: i });
      else if (part !== null && typeof part === 'object' && !Array.isArray(part) && typeof part.text === 'string')
        out.push({ path: [...path, 'content', i, 'text'], value: part.text, parent: part, key: 'text' });
    });
  }
  if (typeof m.reasoning_content === 'string') out.push({ path: [...path, 'reasoning_content'], value: m.reasoning_content, parent: m, key: 'reasoning_content' });
  const calls = m.tool_calls;
  if (Array.isArray(calls)) {
    calls.forEach((call, i) => {
      if (call === null || typeof call !== 'object' || Array.isArray(call)) return;
      const fn = call.function;
      if (fn === null || typeof fn !== 'object' || Array.isArray(fn)) return;
      if (fn.arguments !== undefined) all(fn.arguments, [...path, 'tool_calls', i, 'function', 'arguments'], fn, 'arguments', out);
    });
  }
}

/** Every string at or under `v`. */
function all(v: Json, path: (string | number)[], parent: JsonObject | Json[], key: string | number, out: TextSlot[]): void {
  if (typeof v === 'string') out.push({ path, value: v, parent, key });
  else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) all(v[i], [...path, i], v, i, out);
  else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) all(v[k], [...path, k], v, k, out);
}

function select(v: Json, segs: FieldPath['segments'], i: number, path: (string | number)[], out: TextSlot[], parent?: JsonObject | Json[], key?: string | number): void {
  if (i === segs.length) {
    if (parent !== undefined && key !== undefined) all(v, path, parent, key, out);
    return;
  }
  const seg = segs[i];
  if (Array.isArray(v)) {
    if (seg === WILDCARD) for (let k = 0; k < v.length; k++) select(v[k], segs, i + 1, [...path, k], out, v, k);
    else if (/^\d+$/.test(seg) && Number(seg) < v.length) select(v[Number(seg)], segs, i + 1, [...path, Number(seg)], out, v, Number(seg));
  } else if (v !== null && typeof v === 'object') {
    if (seg === WILDCARD) {
      for (const k of Object.keys(v)) if (!(i === 0 && k === 'meta')) select(v[k], segs, i + 1, [...path, k], out, v, k);
    } else if (Object.hasOwn(v, seg)) select(v[seg], segs, i + 1, [...path, seg], out, v, seg);
  }
}

/** A path as the dotted text --fields takes (`messages.1.content`; `.`, `*` and `\` in keys escaped). */
export function pathText(path: readonly (string | number)[]): string {
  return path.map((s) => (typeof s === 'number' ? String(s) : s.replace(/[\\.*]/g, (c) => `\\${c}`))).join('.');
}

/** The path with array indices as `*`, for per-field counts (`messages.*.content`). */
export function pathPattern(path: readonly (string | number)[]): string {
  return path.map((s) => (typeof s === 'number' ? '*' : s.replace(/[\\.*]/g, (c) => `\\${c}`))).join('.');
}
