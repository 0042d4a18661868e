import { DataError, type Position, quote } from '@ldt/errors';
import { comparedTexts, type FieldPath, type JsonObject, textsAt } from '@ldt/schema';
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

const scratchTexts: string[] = [];

/**
 * The compared text of a row, joined with newlines: the strings at `fields`, path by path as the
 * row has them (`textsAt` of @ldt/schema: message objects give their content and tool calls), or
 * by default the row's compared texts by record kind (`comparedTexts`: `text`; every message's
 * content and tool calls for chat rows; prompt + chosen for preference rows; prompt + completion
 * for KTO rows; prompt for prompt-only rows). Throws a positioned `DataError` when the row has none
 * of `fields`, or no default text (a row of kind `other`).
 */
export function comparedText(row: JsonObject, fields: FieldPath[] | undefined, pos?: Position, flag = '--fields'): string {
  if (fields) {
    if (textsAt(row, fields, scratchTexts) === 0) {
      const keys = Object.keys(row).filter((k) => k !== 'meta');
      throw new DataError(
        `row has no field ${fields.length === 1 ? quote(fields[0].text) : `of ${fields.map((p) => quote(p.text)).join(', ')}`}`,
        pos,
        `is ${flag} correct? this row's fields are: ${keys.slice(0, 12).join(', ')}${keys.length > 12 ? ', …' : ''}`,
      );
    }
    return scratchTexts.join('\n');
  }
  if (comparedTexts(row, scratchTexts) === undefined) {
    const keys = Object.keys(row).filter((k) => k !== 'meta');
    throw new DataError(
      'row has no text to compare (not a text, chat, preference, KTO or prompt-only row)',
      pos,
      `give the fields with ${flag}, e.g. ${flag} ${keys[0] ?? 'question'}; this row's fields are: ${keys.slice(0, 12).join(', ')}`,
    );
  }
  return scratchTexts.join('\n');
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

/**
 * |A ∩ B| of two sorted, distinct arrays, or less than `need` as soon as the elements left cannot
 * bring it to `need` (0: always the exact count). With `need` > 0 it also stops at `need`.
 */
function overlap(a: Uint32Array, b: Uint32Array, need: number): number {
  const na = a.length;
  const nb = b.length;
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < na && j < nb) {
    const x = a[i];
    const y = b[j];
    if (x === y) {
      inter++;
      if (inter === need) return inter;
      i++;
      j++;
      continue;
    }
    if (x < y) i++;
    else j++;
    // A miss leaves one element fewer that can still match (a match keeps the bound as it was).
    if (need > 0 && inter + Math.min(na - i, nb - j) < need) return inter;
  }
  return inter;
}

/** Jaccard similarity |A ∩ B| / |A ∪ B| of two sorted, distinct arrays (0 when both are empty). */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  const inter = overlap(a, b, 0);
  const union = a.length + b.length - inter;
  return union === 0 ? 0 : inter / union;
}

/**
 * The least intersection size m (at most min(na, nb)) for which `jaccard` of sets of sizes na and
 * nb is >= t, as the same floating-point division computes it; -1 when there is none (the size
 * ratio alone rules the pair out: J <= min/max). m / (na + nb - m) grows with m, and rounding is
 * monotone, so `jaccard(a, b) >= t` exactly when |A ∩ B| >= m.
 */
export function minOverlap(na: number, nb: number, t: number): number {
  const lo = Math.min(na, nb);
  const s = na + nb;
  if (s === 0) return 0 >= t ? 0 : -1;
  const at = (m: number) => m / (s - m) >= t;
  if (!at(lo)) return -1;
  let m = Math.min(lo, Math.max(0, Math.ceil((t * s) / (1 + t))));
  while (m > 0 && at(m - 1)) m--;
  while (!at(m)) m++;
  return m;
}

/**
 * `jaccard(a, b) >= t`, exactly, without always walking both sets: false at once when the sizes
 * alone rule it out, and the merge stops as soon as the intersection reaches the least size that
 * passes (`minOverlap`) or can no longer reach it. On the 64 MB bench corpus most candidate pairs
 * are decided this way in a fraction of the merge (issue 17).
 */
export function jaccardAtLeast(a: Uint32Array, b: Uint32Array, t: number): boolean {
  const m = minOverlap(a.length, b.length, t);
  if (m < 0) return false;
  if (m === 0) return true;
  return overlap(a, b, m) >= m;
}
