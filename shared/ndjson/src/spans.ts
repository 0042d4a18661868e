/**
 * Walk the top-level members of a JSON object text in order, calling `member` with each key and
 * the offsets of the member (from the key's opening quote) and of its value [valueStart, end).
 * True when the text is a single object and `member` never returned false. With `trailingComma`,
 * a comma before the closing brace (`{"a":1,}`) is accepted, else such a text is not an object.
 */
function walkMembers(text: string, trailingComma: boolean, member: (key: string, start: number, valueStart: number, end: number) => boolean): boolean {
  let i = skipWs(text, 0);
  if (text.charCodeAt(i) !== 123) return false;
  i++;
  for (let first = true; ; first = false) {
    i = skipWs(text, i);
    if (text.charCodeAt(i) === 125 && (first || trailingComma)) return true;
    if (text.charCodeAt(i) !== 34) return false;
    const start = i;
    const kEnd = skipString(text, i);
    const raw = text.slice(i + 1, kEnd - 1);
    const key = raw.includes('\\') ? (JSON.parse(text.slice(i, kEnd)) as string) : raw;
    i = skipWs(text, kEnd);
    if (text.charCodeAt(i) !== 58) return false;
    i = skipWs(text, i + 1);
    const end = skipValue(text, i);
    if (!member(key, start, i, end)) return false;
    i = skipWs(text, end);
    const c = text.charCodeAt(i);
    if (c === 44) i++;
    else return c === 125;
  }
}

/**
 * The [start, end) span of each top-level key's value in a JSON object text, in one pass.
 * Returns undefined when the text is not a single object or a key occurs twice (JSON.parse keeps
 * the last one; callers then re-serialise instead of guessing). A trailing comma before the
 * closing brace is tolerated (callers pass lines JSON.parse accepted).
 */
export function topLevelSpans(text: string): Map<string, [number, number]> | undefined {
  const spans = new Map<string, [number, number]>();
  const ok = walkMembers(text, true, (key, _start, valueStart, end) => {
    if (spans.has(key)) return false;
    spans.set(key, [valueStart, end]);
    return true;
  });
  return ok ? spans : undefined;
}

/**
 * Every top-level member of a JSON object text, duplicate keys included, in order: its key and
 * the [start, end) of the member text (from the key's opening quote to the end of its value).
 * Undefined when the text is not a single object (a trailing comma included: the members are
 * joined again into a new object, which must be valid JSON).
 */
export function topLevelMembers(text: string): { key: string; start: number; end: number }[] | undefined {
  const out: { key: string; start: number; end: number }[] = [];
  const ok = walkMembers(text, false, (key, start, _valueStart, end) => {
    out.push({ key, start, end });
    return true;
  });
  return ok ? out : undefined;
}

function skipWs(t: string, i: number): number {
  for (;;) {
    const c = t.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) i++;
    else return i;
  }
}

function skipString(t: string, i: number): number {
  i++;
  for (;;) {
    const q = t.indexOf('"', i);
    if (q < 0) return t.length;
    let b = q - 1;
    let bs = 0;
    while (t.charCodeAt(b) === 92) {
      bs++;
      b--;
    }
    if (bs % 2 === 0) return q + 1;
    i = q + 1;
  }
}

function skipValue(t: string, i: number): number {
  const c = t.charCodeAt(i);
  if (c === 34) return skipString(t, i);
  if (c === 123 || c === 91) {
    let depth = 0;
    const n = t.length;
    while (i < n) {
      const d = t.charCodeAt(i);
      if (d === 34) {
        i = skipString(t, i);
        continue;
      }
      if (d === 123 || d === 91) depth++;
      else if (d === 125 || d === 93) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return i;
  }
  while (i < t.length) {
    const d = t.charCodeAt(i);
    if (d === 44 || d === 125 || d === 93 || d === 32 || d === 9 || d === 10 || d === 13) break;
    i++;
  }
  return i;
}

/**
 * Spans of the values of `keys` (a parsed object's keys, in order) in its JSON text: start/end
 * pairs in one Int32Array, or undefined when the text's top-level keys are not exactly `keys` in
 * that order (duplicates, escaped key names). Cheaper than `topLevelSpans`: no Map, no key strings.
 */
export function spansInOrder(text: string, keys: readonly string[]): Int32Array | undefined {
  const out = new Int32Array(keys.length * 2);
  let i = skipWs(text, 0);
  if (text.charCodeAt(i) !== 123) return undefined;
  i++;
  for (let j = 0; j < keys.length; j++) {
    i = skipWs(text, i);
    const k = keys[j];
    if (text.charCodeAt(i) !== 34 || !text.startsWith(k, i + 1) || text.charCodeAt(i + 1 + k.length) !== 34) return undefined;
    i = skipWs(text, i + 2 + k.length);
    if (text.charCodeAt(i) !== 58) return undefined;
    i = skipWs(text, i + 1);
    const end = skipValue(text, i);
    out[2 * j] = i;
    out[2 * j + 1] = end;
    i = skipWs(text, end);
    const c = text.charCodeAt(i);
    if (c === 44) i++;
    else if (c !== 125 || j !== keys.length - 1) return undefined;
  }
  return text.charCodeAt(skipWs(text, i)) === 125 ? out : undefined;
}

/**
 * `spansInOrder` over the line's UTF-8 bytes (the same offsets the output is sliced from).
 * Keys must be plain ASCII without quotes or backslashes, else undefined (the caller falls back).
 */
export function byteSpansInOrder(b: Uint8Array, keys: readonly string[]): Int32Array | undefined {
  const out = new Int32Array(keys.length * 2);
  let i = bSkipWs(b, 0);
  if (b[i] !== 123) return undefined;
  i++;
  for (let j = 0; j < keys.length; j++) {
    i = bSkipWs(b, i);
    const k = keys[j];
    if (b[i] !== 34) return undefined;
    const kl = k.length;
    for (let x = 0; x < kl; x++) {
      const c = k.charCodeAt(x);
      if (c >= 128 || c === 34 || c === 92 || b[i + 1 + x] !== c) return undefined;
    }
    if (b[i + 1 + kl] !== 34) return undefined;
    i = bSkipWs(b, i + 2 + kl);
    if (b[i] !== 58) return undefined;
    i = bSkipWs(b, i + 1);
    const end = bSkipValue(b, i);
    out[2 * j] = i;
    out[2 * j + 1] = end;
    i = bSkipWs(b, end);
    const c = b[i];
    if (c === 44) i++;
    else if (c !== 125 || j !== keys.length - 1) return undefined;
  }
  return b[bSkipWs(b, i)] === 125 ? out : undefined;
}

/**
 * `topLevelSpans(text)?.get(key)` over the line's UTF-8 bytes, without decoding the line: the
 * [start, end) byte span of the value of the top-level `key` (plain ASCII, no quote or
 * backslash). Undefined exactly where the text form is (not one object, a key twice, `key`
 * absent), and also when any key holds an escape (the caller falls back to the text form).
 */
export function byteTopLevelValue(b: Buffer, key: string): [number, number] | undefined {
  const n = b.length;
  const kl = key.length;
  const seen: string[] = [];
  let found: [number, number] | undefined;
  let i = bSkipWs(b, 0);
  if (b[i] !== 123) return undefined;
  i++;
  for (;;) {
    i = bSkipWs(b, i);
    if (b[i] === 125) return found;
    if (b[i] !== 34) return undefined;
    const kEnd = bSkipString(b, i);
    for (let x = i + 1; x < kEnd - 1; x++) if (b[x] === 92) return undefined;
    // Distinct UTF-8 byte strings are distinct latin1 strings: duplicates found as topLevelSpans finds them.
    const k = b.toString('latin1', i + 1, kEnd - 1);
    if (seen.includes(k)) return undefined;
    seen.push(k);
    i = bSkipWs(b, kEnd);
    if (b[i] !== 58) return undefined;
    i = bSkipWs(b, i + 1);
    const vEnd = bSkipValue(b, i);
    if (k.length === kl && k === key) found = [i, vEnd];
    i = bSkipWs(b, vEnd);
    const c = b[i];
    if (c === 44) i++;
    else if (c === 125) return found;
    else return undefined;
    if (i >= n) return undefined;
  }
}

/**
 * Byte walkers over a line known to be valid JSON (one the JsonChecker passed, or JSON.parse
 * accepted): the index after the white space at `i`, after the string at `i` (its opening quote),
 * after the value at `i`. On other text they return some index, never throw.
 */
export { bSkipString as byteSkipString, bSkipValue as byteSkipValue, bSkipWs as byteSkipWs };

function bSkipWs(b: Uint8Array, i: number): number {
  for (;;) {
    const c = b[i];
    if (c === 32 || c === 9 || c === 10 || c === 13) i++;
    else return i;
  }
}

function bSkipString(b: Uint8Array, i: number): number {
  i++;
  const n = b.length;
  for (;;) {
    const q = b.indexOf(34, i);
    if (q < 0) return n;
    let p = q - 1;
    let bs = 0;
    while (b[p] === 92) {
      bs++;
      p--;
    }
    if (bs % 2 === 0) return q + 1;
    i = q + 1;
  }
}

function bSkipValue(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c === 34) return bSkipString(b, i);
  const n = b.length;
  if (c === 123 || c === 91) {
    let depth = 0;
    while (i < n) {
      const d = b[i];
      if (d === 34) {
        i = bSkipString(b, i);
        continue;
      }
      if (d === 123 || d === 91) depth++;
      else if (d === 125 || d === 93) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return i;
  }
  while (i < n) {
    const d = b[i];
    if (d === 44 || d === 125 || d === 93 || d === 32 || d === 9 || d === 10 || d === 13) break;
    i++;
  }
  return i;
}
