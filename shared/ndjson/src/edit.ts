import type { Json, JsonObject } from '@ldt/schema';

/**
 * Serialise a row after a tool added or changed keys under `meta`, keeping every byte of the
 * input line outside `meta` as it was. Re-serialising the whole row with JSON.stringify would
 * silently change data the tool does not own: integers beyond 2^53 lose digits
 * (`12345678901234567890` → `12345678901234567000`), `1.0` becomes `1`, escapes are rewritten.
 * Splicing is also cheaper than a full JSON.stringify (no walk over the row).
 *
 * `row.meta` must already hold the updated meta object (use `setMeta`). Falls back to
 * JSON.stringify of the row only if the raw line's `meta` span cannot be located exactly (e.g.
 * duplicate `meta` keys), which keeps the output correct whatever the input looks like.
 */
export function serializeWithMeta(raw: string, row: JsonObject, hadMeta: boolean): string {
  const meta = row.meta as Json;
  const metaText = JSON.stringify(meta);
  let end = raw.length - 1;
  while (end > 0 && isWs(raw.charCodeAt(end))) end--;
  if (raw.charCodeAt(end) !== 125 /* } */) return JSON.stringify(row);
  if (!hadMeta) {
    // `meta` was appended as the last key: insert it before the closing brace.
    const empty = Object.keys(row).length === 1;
    return `${raw.slice(0, end)}${empty ? '' : ','}"meta":${metaText}}`;
  }
  const span = findTopLevelValue(raw, 'meta');
  if (!span) return JSON.stringify(row);
  return `${raw.slice(0, span[0])}${metaText}${raw.slice(span[1])}`;
}

function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/**
 * Find the [start, end) span of the value of top-level key `key` in a JSON object text. Returns
 * undefined when the key is absent or present more than once (JSON.parse keeps the last one; we
 * would rather re-serialise than guess).
 */
export function findTopLevelValue(text: string, key: string): [number, number] | undefined {
  let depth = 0;
  let found: [number, number] | undefined;
  let i = 0;
  const n = text.length;
  let expectKey = false;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const start = i;
      i = skipString(text, i);
      if (depth === 1 && expectKey) {
        let j = i;
        while (j < n && isWs(text.charCodeAt(j))) j++;
        if (text.charCodeAt(j) === 58 /* : */ && JSON.parse(text.slice(start, i)) === key) {
          if (found) return undefined;
          j++;
          while (j < n && isWs(text.charCodeAt(j))) j++;
          const vEnd = skipValue(text, j);
          found = [j, vEnd];
          i = vEnd;
        }
        expectKey = false;
      }
      continue;
    }
    if (c === 123 /* { */) {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
    else if (c === 91 /* [ */) depth++;
    else if (c === 44 /* , */ && depth === 1) expectKey = true;
    i++;
  }
  return found;
}

function skipString(text: string, i: number): number {
  // text[i] is the opening quote; return the index after the closing quote.
  i++;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return text.length;
    let b = q - 1;
    let backslashes = 0;
    while (b >= i && text.charCodeAt(b) === 92) {
      backslashes++;
      b--;
    }
    if (backslashes % 2 === 0) return q + 1;
    i = q + 1;
  }
}

function skipValue(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 34) return skipString(text, i);
  if (c === 123 || c === 91) {
    let depth = 0;
    while (i < text.length) {
      const d = text.charCodeAt(i);
      if (d === 34) {
        i = skipString(text, i);
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
  // number, true, false, null
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === 44 || d === 125 || d === 93 || isWs(d)) break;
    i++;
  }
  return i;
}
