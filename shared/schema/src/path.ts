import { UsageError } from '@ldt/errors';

/**
 * A dotted field path such as `meta.cluster`, `messages.*.content` or `extra_info.question`.
 * `*` matches every element of an array (or every value of an object). A literal dot or star in a
 * key is written `\.` / `\*`. Numeric segments index arrays (`messages.0.content`).
 */
export interface FieldPath {
  /** The path as the user wrote it, for messages. */
  readonly text: string;
  /** Segments; `WILDCARD` for `*`. */
  readonly segments: readonly (string | typeof WILDCARD)[];
  /** True when the path contains a `*` and so can match several values. */
  readonly multi: boolean;
}

export const WILDCARD: unique symbol = Symbol('*');

/** Parse one dotted path. Throws `UsageError` on an empty path or empty segment. */
export function parsePath(text: string): FieldPath {
  if (text.length === 0) throw new UsageError('a field path must not be empty');
  const segments: (string | typeof WILDCARD)[] = [];
  let cur = '';
  let literal = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      literal = true;
      continue;
    }
    if (c === '.') {
      pushSegment();
      continue;
    }
    cur += c;
  }
  pushSegment();
  return { text, segments, multi: segments.includes(WILDCARD) };

  function pushSegment() {
    if (cur.length === 0) throw new UsageError(`field path ${JSON.stringify(text)} has an empty segment`, "write paths like 'meta.cluster' or 'messages.*.content'");
    segments.push(cur === '*' && !literal ? WILDCARD : cur);
    cur = '';
    literal = false;
  }
}

/** Parse a comma-separated list of paths (`a.b,c`). Each path may also be given separately by repeating the flag. */
export function parsePaths(texts: string | readonly string[]): FieldPath[] {
  const list = typeof texts === 'string' ? [texts] : texts;
  const out: FieldPath[] = [];
  for (const t of list) for (const part of splitUnescaped(t, ',')) out.push(parsePath(part));
  return out;
}

function splitUnescaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length) {
      cur += s[i] + s[i + 1];
      i++;
    } else if (s[i] === sep) {
      parts.push(cur);
      cur = '';
    } else cur += s[i];
  }
  parts.push(cur);
  return parts;
}

/**
 * Get the value at `path`. For a path without `*`: the value, or `undefined` when any segment is
 * missing. For a path with `*`: an array of every matched value (in document order), or
 * `undefined` when nothing matched.
 */
export function getPath(value: unknown, path: FieldPath): unknown {
  if (!path.multi) {
    let cur: unknown = value;
    for (const seg of path.segments) {
      if (cur === null || typeof cur !== 'object') return undefined;
      cur = Array.isArray(cur) ? (isIndex(seg as string) ? cur[Number(seg)] : undefined) : (cur as Record<string, unknown>)[seg as string];
      if (cur === undefined) return undefined;
    }
    return cur;
  }
  const out: unknown[] = [];
  collect(value, path.segments, 0, out);
  return out.length === 0 ? undefined : out;
}

function collect(cur: unknown, segs: FieldPath['segments'], i: number, out: unknown[]): void {
  if (i === segs.length) {
    if (cur !== undefined) out.push(cur);
    return;
  }
  if (cur === null || typeof cur !== 'object') return;
  const seg = segs[i];
  if (seg === WILDCARD) {
    const values = Array.isArray(cur) ? cur : Object.values(cur as Record<string, unknown>);
    for (const v of values) collect(v, segs, i + 1, out);
    return;
  }
  const next = Array.isArray(cur) ? (isIndex(seg) ? cur[Number(seg)] : undefined) : (cur as Record<string, unknown>)[seg];
  collect(next, segs, i + 1, out);
}

function isIndex(s: string): boolean {
  return /^(0|[1-9][0-9]*)$/.test(s);
}
