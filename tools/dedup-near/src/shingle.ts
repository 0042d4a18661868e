import { DataError, type Position, quote } from '@ldt/errors';
import { type FieldPath, getPath, type JsonObject, parsePaths, recordKind } from '@ldt/schema';
import { normalizeText } from '@ldt/text';
import { xxh32 } from './xxh32.js';

/** How a row's compared text is cut into shingles. */
export interface ShingleOptions {
  /** Word n-gram size (default 5). */
  ngram: number;
  /** Character n-gram size for every row; 0 = word n-grams, with char n-grams chosen automatically for CJK/Thai-dominant rows (default 0). */
  charNgram: number;
  /** Character n-gram size used for rows detected as CJK/Thai-dominant when `charNgram` is 0 (default 5). */
  autoCharNgram: number;
}

export const DEFAULT_SHINGLE: ShingleOptions = { ngram: 5, charNgram: 0, autoCharNgram: 5 };

const CHAT_CONTENT = parsePaths('messages.*.content');
const PREFERENCE = parsePaths('prompt,chosen');
const TEXT = parsePaths('text');

/**
 * The compared text of a row: the strings at `fields` (default: `text` for text rows, every
 * message's content for chat rows, prompt + chosen for preference rows), joined with newlines.
 * Message objects contribute their `content` only. Throws a positioned `DataError` when a field is
 * missing or the row has no default text.
 */
export function comparedText(row: JsonObject, fields: FieldPath[] | undefined, pos?: Position, flag = '--fields'): string {
  let paths = fields;
  if (!paths) {
    const kind = recordKind(row);
    if (kind === 'chat') paths = CHAT_CONTENT;
    else if (kind === 'preference') paths = PREFERENCE.filter((p) => getPath(row, p) !== undefined);
    else if (kind === 'text') paths = TEXT;
    else {
      const keys = Object.keys(row).filter((k) => k !== 'meta');
      throw new DataError(
        'row has no text to compare (not a text, chat or preference row)',
        pos,
        `give the fields with ${flag}, e.g. ${flag} ${keys[0] ?? 'question'}; this row's fields are: ${keys.slice(0, 12).join(', ')}`,
      );
    }
  }
  const parts: string[] = [];
  for (const p of paths) {
    const v = getPath(row, p);
    if (v === undefined) {
      const keys = Object.keys(row).filter((k) => k !== 'meta');
      throw new DataError(`row has no field ${quote(p.text)}`, pos, `is ${flag} correct? this row's fields are: ${keys.slice(0, 12).join(', ')}${keys.length > 12 ? ', …' : ''}`);
    }
    collectStrings(v, parts);
  }
  return parts.join('\n');
}

function collectStrings(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
  else if (Array.isArray(v)) for (const x of v) collectStrings(x, out);
  else if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('content' in o) collectStrings(o.content, out);
    else for (const k of Object.keys(o)) collectStrings(o[k], out);
  }
}

/**
 * True when a text is dominated by scripts written without spaces between words, so that word
 * n-grams would make one "word" of a whole sentence: more than half of its ASCII letters and
 * non-ASCII characters (in normalised text: letters, marks and a few symbols) are Thai, Lao, Tibetan,
 * Myanmar (U+0E00–U+109F), Khmer (U+1780–U+17FF), Hiragana/Katakana (U+3040–U+30FF) or CJK
 * ideographs (U+3400–U+9FFF, U+F900–U+FAFF, supplementary U+20000–U+3FFFF). Hangul is not among them:
 * Korean separates words with spaces. One pass over the code units, no regular expression (a
 * Unicode-property regex over a 6 KB text cost ~100 µs here).
 */
export function isNoSpaceScript(s: string): boolean {
  let ns = 0;
  let other = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) other++;
      continue;
    }
    if (c >= 0x0e00 && (c <= 0x109f || (c >= 0x1780 && c <= 0x17ff) || (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff))) ns++;
    else if (c >= 0xd840 && c <= 0xd8bf) {
      ns++;
      i++; // the low surrogate
    } else if (c >= 0xdc00 && c <= 0xdfff) continue;
    else other++;
  }
  return ns > other;
}

let scratch = Buffer.allocUnsafe(1 << 16);
let hashes = new Uint32Array(1 << 12);
let startsBuf = new Int32Array(1 << 12);

/** What shingling a text gives. */
export interface Shingles {
  /** Sorted, distinct XXH32 hashes of the shingles (a fresh array). */
  set: Uint32Array;
  /** True when character n-grams were used. */
  charMode: boolean;
}

/**
 * Normalise `text` (the shared `aggressive` normalisation: NFKC, lower-case, punctuation and white
 * space folded to single spaces) and return the set of its shingle hashes: XXH32 (seed 0) of the
 * UTF-8 bytes of each word n-gram (words joined by one space), or of each character n-gram (code
 * points, spaces included) for `charNgram` or CJK/Thai-dominant text. A text shorter than one
 * n-gram is one shingle; an empty text gives an empty set.
 */
export function shingle(text: string, opts: ShingleOptions): Shingles {
  const norm = normalizeText(text, 'aggressive');
  const charN = opts.charNgram > 0 ? opts.charNgram : isNoSpaceScript(norm) ? opts.autoCharNgram : 0;
  return { set: shingleNormalized(norm, charN > 0 ? charN : opts.ngram, charN > 0), charMode: charN > 0 };
}

/** Shingle hashes of already-normalised text (see `shingle`). */
export function shingleNormalized(norm: string, n: number, charMode: boolean): Uint32Array {
  if (norm.length === 0) return new Uint32Array(0);
  if (norm.length * 3 > scratch.length) scratch = Buffer.allocUnsafe(Math.max(norm.length * 3, scratch.length * 2));
  const len = scratch.write(norm, 0, 'utf8');
  const buf = scratch;
  // Start offsets of units (words or code points), plus a sentinel end.
  if (len + 2 > startsBuf.length) startsBuf = new Int32Array(Math.max(len + 2, startsBuf.length * 2));
  const starts = startsBuf;
  let u = 0;
  if (charMode) {
    for (let i = 0; i < len; i++) if ((buf[i] & 0xc0) !== 0x80) starts[u++] = i;
    starts[u++] = len;
  } else {
    starts[u++] = 0;
    for (let i = 0; i < len; i++) if (buf[i] === 32) starts[u++] = i + 1;
    starts[u++] = len + 1; // one past the (virtual) separator after the last word
  }
  const units = u - 1;
  const count = Math.max(1, units - n + 1);
  if (count > hashes.length) hashes = new Uint32Array(Math.max(count, hashes.length * 2));
  if (units <= n) {
    hashes[0] = xxh32(buf, 0, len);
  } else {
    const sep = charMode ? 0 : 1;
    for (let i = 0; i < count; i++) hashes[i] = xxh32(buf, starts[i], starts[i + n] - sep);
  }
  const h = hashes.subarray(0, count);
  h.sort();
  let k = 0;
  for (let i = 0; i < count; i++) if (i === 0 || h[i] !== h[k - 1]) h[k++] = h[i];
  return h.slice(0, k);
}

/** Jaccard similarity |A ∩ B| / |A ∪ B| of two sorted, distinct arrays (0 when both are empty). */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < a.length && j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x === y) {
      inter++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  const union = a.length + b.length - inter;
  return union === 0 ? 0 : inter / union;
}
