import type { Position } from '@ldt/errors';
import { findTopLevelValue, serializeWithMeta } from '@ldt/ndjson';
import { type FieldPath, type JsonObject, setMeta, WILDCARD } from '@ldt/schema';
import { type FixOptions, fixText } from './fix.js';

/** Options of `fixRowLine`. */
export interface RowFixOptions {
  fix: FixOptions;
  /** Only string values at (or under) these paths are fixed; undefined = every string outside `meta`. */
  fields: readonly FieldPath[] | undefined;
  /** Add `meta.fixes` to changed rows. */
  explain: boolean;
}

export interface RowFixResult {
  /** The output line: `raw` itself when nothing changed. */
  line: string;
  /** Union of the fixes applied to the row's strings, in FIX_KINDS order of first appearance. */
  fixes: string[];
}

// A raw line of printable ASCII holds no string that any fix can change unless it has a `\u`, `\r`,
// `\b` or `\f` escape (JSON escapes every control character; `\n`, `\t`, `\"`, `\\`, `\/` are
// harmless): written as read, without a scan. (`\\u` also matches: a needless scan, never a miss.)
const RAW_NEEDS_SCAN = /[^\x20-\x7e]|\\[urbf]/;
const RAW_NEEDS_SCAN_HTML = /[^\x20-\x7e]|\\[urbf]|&/;
const RAW_NEEDS_SCAN_G = /[^\x20-\x7e]|\\[urbf]/g;
const RAW_NEEDS_SCAN_HTML_G = /[^\x20-\x7e]|\\[urbf]|&/g;

type Seg = string | number;

/**
 * Fix every string value of one row, working on the raw line so that every byte outside the
 * changed strings (numbers, escapes, key order, white space) is kept: each string token in scope
 * is decoded, passed through `fixText`, and replaced by `JSON.stringify` of the result only if it
 * changed. Object keys and everything under the top-level `meta` are never touched. `pos` names
 * the row in the error thrown when `explain` is on and the row's `meta` is not an object.
 */
export function fixRowLine(raw: string, value: JsonObject, opts: RowFixOptions, pos?: Position): RowFixResult {
  if (!(opts.fix.htmlEntities ? RAW_NEEDS_SCAN_HTML : RAW_NEEDS_SCAN).test(raw)) return { line: raw, fixes: [] };
  const fixes: string[] = [];
  const parts: string[] = [];
  let last = 0;
  const path: Seg[] = [];
  // Per open container: is it an object, the pending key, the next array index.
  const kinds: boolean[] = [];
  const idx: number[] = [];
  let expectKey = false;
  let pendingKey = '';
  const n = raw.length;
  const needScan = opts.fix.htmlEntities ? RAW_NEEDS_SCAN_HTML_G : RAW_NEEDS_SCAN_G;
  let nextNeed = -1;
  let i = 0;
  while (i < n) {
    const c = raw.charCodeAt(i);
    if (c === 34 /* " */) {
      const start = i;
      let j = i + 1;
      for (;;) {
        const q = raw.indexOf('"', j);
        if (q < 0) {
          j = n;
          break;
        }
        let b = q - 1;
        let bs = 0;
        while (b >= j && raw.charCodeAt(b) === 92) {
          bs++;
          b--;
        }
        if (bs % 2 === 0) {
          j = q + 1;
          break;
        }
        j = q + 1;
      }
      if (!expectKey) {
        // A value token whose raw text has nothing any fix can change (RAW_NEEDS_SCAN: no character
        // outside printable ASCII, no `\u` `\r` `\b` `\f` escape) is passed over without being sliced
        // or parsed: `fixText` would return it as it is. The next such position is found once and
        // kept while tokens end before it, so the line is searched once in all. On the 3,333 rows of
        // the 20 MB bench chat corpus that need a scan, fixRowLine takes 31 ms of CPU instead of 40
        // (best of 7, in process); end to end the difference is within the noise.
        if (nextNeed < start) {
          needScan.lastIndex = start;
          nextNeed = needScan.exec(raw)?.index ?? n;
        }
        if (nextNeed >= j) {
          i = j;
          continue;
        }
      }
      const token = raw.slice(start, j);
      const str = token.includes('\\') ? (JSON.parse(token) as string) : token.slice(1, -1);
      if (expectKey) {
        pendingKey = str;
        expectKey = false;
      } else {
        const depth = kinds.length;
        const inScope = depth > 0 && !(path.length >= 1 && path[0] === 'meta') && selected(opts.fields, path);
        if (inScope) {
          const r = fixText(str, opts.fix);
          if (r.fixes.length > 0) {
            parts.push(raw.slice(last, start), JSON.stringify(r.text));
            last = j;
            for (const f of r.fixes) if (!fixes.includes(f)) fixes.push(f);
          }
        }
      }
      i = j;
      continue;
    }
    if (c === 123 /* { */ || c === 91 /* [ */) {
      // An object's level gets its path segment at each `:`; an array's at once (index 0).
      path.length = kinds.length;
      kinds.push(c === 123);
      idx.push(0);
      expectKey = c === 123;
      if (c === 91) path.push(0);
      i++;
      continue;
    }
    if (c === 125 /* } */ || c === 93 /* ] */) {
      kinds.pop();
      idx.pop();
      path.length = kinds.length;
      i++;
      continue;
    }
    if (c === 58 /* : */) {
      // The value of pendingKey starts: replace the path's last segment.
      path.length = kinds.length - 1;
      path.push(pendingKey);
      i++;
      continue;
    }
    if (c === 44 /* , */) {
      const top = kinds.length - 1;
      if (!kinds[top]) {
        idx[top]++;
        path.length = top;
        path.push(idx[top]);
      }
      expectKey = kinds[top];
      i++;
      continue;
    }
    i++;
  }
  if (fixes.length === 0) return { line: raw, fixes };
  parts.push(raw.slice(last));
  let line = parts.join('');
  if (opts.explain) {
    const hadMeta = value.meta !== undefined;
    setMeta(value, 'fixes', fixes, pos);
    if (hadMeta && findTopLevelValue(line, 'meta') === undefined) {
      // Duplicate `meta` keys: re-serialise (the contract's fallback), from the fixed text.
      const fixed = JSON.parse(line) as JsonObject;
      fixed.meta = value.meta;
      line = JSON.stringify(fixed);
    } else line = serializeWithMeta(line, value, hadMeta);
  }
  return { line, fixes };
}

function selected(fields: readonly FieldPath[] | undefined, path: readonly Seg[]): boolean {
  if (fields === undefined) return true;
  for (const f of fields) {
    if (f.segments.length > path.length) continue;
    let ok = true;
    for (let k = 0; k < f.segments.length && ok; k++) {
      const seg = f.segments[k];
      if (seg === WILDCARD) continue;
      ok = String(path[k]) === seg;
    }
    if (ok) return true;
  }
  return false;
}
