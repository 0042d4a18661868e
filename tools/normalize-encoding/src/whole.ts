import { SEQ_FLAGS, WHOLE_PAGES, type WholePage } from './charmaps.js';
import { isOdd } from './oddness.js';

/**
 * Whole-line repair: the line, every character of it, is encoded in a single-byte code page and
 * the bytes are read as UTF-8. It succeeds only when the bytes are UTF-8 from start to end (ASCII
 * around multi-byte sequences, no stray lead or continuation byte anywhere), which text that was
 * not mojibake almost never is once it has two non-ASCII characters. Three kinds of damage on the
 * way are undone here, as ftfy's decoder does:
 *
 * - CESU-8 (Java's "modified UTF-8", some databases): a character above U+FFFF written as two
 *   3-byte surrogate sequences, `ED A0–AF xx ED B0–BF xx`, is read as the one character.
 * - Lost bytes: in the pages where a decoder turns undefined bytes into U+FFFD, U+FFFD stands for
 *   one lost byte (0x1A here), and so may a `?` where a continuation byte was due; a sequence
 *   with a lost byte becomes one U+FFFD (`â€œ like this â€�` → `“ like this �`).
 * - NBSP collapsed to a space: a space where the continuation byte 0xA0 was due after the leads
 *   that commonly precede it (`Ã ` for `à`, `Â ` for NBSP), except in MacRoman, where a space
 *   after its leads is a plain dash and space.
 */

const QUESTION = 0x3f;
const LOST = 0x1a;

/** Encode `line` in `page`: undefined when a character is not in it. */
function encodeLine(line: string, page: WholePage): Uint8Array | undefined {
  const n = line.length;
  const out = new Uint8Array(n);
  let high = false;
  for (let i = 0; i < n; i++) {
    const c = line.charCodeAt(i);
    if (c < 0x80) {
      if (c === LOST) return undefined; // a real U+001A: 0x1A cannot also mean a lost byte
      out[i] = c;
      continue;
    }
    const b = page.encode[c];
    if (b === 0) {
      if (c === 0xfffd && page.lossy) {
        out[i] = LOST;
        continue;
      }
      return undefined;
    }
    out[i] = b;
    high = true;
  }
  return high ? out : undefined;
}

const isCont = (b: number) => b >= 0x80 && b <= 0xbf;
/** A continuation byte that is not 0x85 or 0xA0 (which the NBSP rule must not create next to). */
const isPlainCont = (b: number) => isCont(b) && b !== 0x85 && b !== 0xa0;
const lostOrCont = (b: number) => b === LOST || isCont(b);

/**
 * Read `bytes` as UTF-8 (with the repairs above); undefined when they are not UTF-8. `lossy` and
 * `a0` as in WholePage.
 */
function decodeUtf8(bytes: Uint8Array, lossy: boolean, a0: boolean): string | undefined {
  const n = bytes.length;
  let out = '';
  let i = 0;
  let runStart = 0;
  const flush = (to: number) => {
    if (to > runStart) out += String.fromCharCode.apply(null, Array.from(bytes.subarray(runStart, to)));
  };
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80 && b !== LOST) {
      i++;
      continue;
    }
    flush(i);
    const r = decodeOne(bytes, i, lossy, a0);
    if (r === undefined) return undefined;
    out += r.text;
    i = r.end;
    runStart = i;
  }
  flush(n);
  return out;
}

function decodeOne(bytes: Uint8Array, i: number, lossy: boolean, a0: boolean): { text: string; end: number } | undefined {
  const n = bytes.length;
  const b = bytes[i];
  const at = (k: number) => (k < n ? bytes[k] : -1);
  if (b === LOST) return { text: '\ufffd', end: i + 1 };
  if (b >= 0xc2 && b <= 0xdf) {
    const c1 = at(i + 1);
    if (isCont(c1)) return { text: String.fromCharCode(((b & 0x1f) << 6) | (c1 & 0x3f)), end: i + 2 };
    if (lossy && (c1 === LOST || (c1 === QUESTION && b <= 0xc3))) return { text: '\ufffd', end: i + 2 };
    if (a0 && c1 === 0x20) {
      if (b === 0xc3) {
        // `Ã ` is `à` then a space (`voilÃ le` → `voilà le`), unless a second space or a word that
        // starts with the à follows (Portuguese `àquele`, `às`).
        const rest = String.fromCharCode(...bytes.subarray(i + 2, i + 7));
        const glued = rest.startsWith(' ') || rest.startsWith('quele') || rest.startsWith('quela') || rest.startsWith('quilo') || rest.startsWith('s ');
        return { text: 'à', end: glued ? i + 2 : i + 1 };
      }
      if (b === 0xc2 || b === 0xc5 || b === 0xce || b === 0xd0 || b === 0xd9) return { text: String.fromCharCode(((b & 0x1f) << 6) | 0x20), end: i + 2 };
    }
    return undefined;
  }
  if (b >= 0xe0 && b <= 0xef) {
    let c1 = at(i + 1);
    let c2 = at(i + 2);
    // CESU-8: a high surrogate then a low one.
    if (b === 0xed && c1 >= 0xa0 && c1 <= 0xaf) {
      const d0 = at(i + 3);
      const d1 = at(i + 4);
      const d2 = at(i + 5);
      if (isCont(c2) && d0 === 0xed && d1 >= 0xb0 && d1 <= 0xbf && isCont(d2)) {
        const hi = 0xd000 | ((c1 & 0x3f) << 6) | (c2 & 0x3f);
        const lo = 0xd000 | ((d1 & 0x3f) << 6) | (d2 & 0x3f);
        return { text: String.fromCharCode(hi, lo), end: i + 6 };
      }
      if (lossy && d0 === 0xed && d1 >= 0xb0 && d1 <= 0xbf) {
        const lostHi = c2 === LOST || c2 === QUESTION;
        const lostLo = d2 === LOST || d2 === QUESTION;
        if ((lostHi && (lostLo || isCont(d2))) || (isCont(c2) && lostLo)) return { text: '\ufffd', end: i + 6 };
      }
      return undefined;
    }
    if (a0 && b <= 0xe3) {
      if (c1 === 0x20 && b >= 0xe2 && isPlainCont(c2)) c1 = 0xa0;
      else if (c2 === 0x20 && isPlainCont(c1)) c2 = 0xa0;
    }
    if (isCont(c1) && isCont(c2)) {
      const cp = ((b & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f);
      if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
      return { text: String.fromCharCode(cp), end: i + 3 };
    }
    if (lossy && lostSequence([c1, c2])) return { text: '\ufffd', end: i + 3 };
    return undefined;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    const cs = [at(i + 1), at(i + 2), at(i + 3)];
    if (a0 && b === 0xf0) {
      const spaces = cs.filter((c) => c === 0x20).length;
      if (spaces === 1 && cs.every((c) => c === 0x20 || isCont(c))) cs[cs.indexOf(0x20)] = 0xa0;
    }
    if (cs.every(isCont)) {
      const cp = ((b & 0x07) << 18) | ((cs[0] & 0x3f) << 12) | ((cs[1] & 0x3f) << 6) | (cs[2] & 0x3f);
      if (cp < 0x10000 || cp > 0x10ffff) return undefined;
      return { text: String.fromCodePoint(cp), end: i + 4 };
    }
    if (lossy && lostSequence(cs)) return { text: '\ufffd', end: i + 4 };
    return undefined;
  }
  return undefined;
}

/** Continuation slots of which one or more were lost (0x1A), at most one of them as `?`, the rest continuation bytes. */
function lostSequence(cs: number[]): boolean {
  let questions = 0;
  let lost = 0;
  for (const c of cs) {
    if (c === QUESTION) questions++;
    else if (c === LOST) lost++;
    else if (!lostOrCont(c)) return false;
  }
  return questions + lost > 0 && questions <= 1;
}

/**
 * Try the pages of WHOLE_PAGES on `line` in order; the first in which it encodes and decodes as
 * UTF-8 to something else gives the repair. Undefined when none does.
 */
export function decodeWholeLine(line: string): { text: string; page: string } | undefined {
  for (const page of WHOLE_PAGES) {
    const bytes = encodeLine(line, page);
    if (bytes === undefined) continue;
    const text = decodeUtf8(bytes, page.lossy, page.a0);
    if (text !== undefined && text !== line) return { text, page: page.name };
  }
  return undefined;
}

const SEQ_CONT = 16;
/** A continuation character, or a space (that stood for byte 0xA0), or `?` (a lost byte). */
const contAt = (s: string, i: number) => {
  if (i >= s.length) return false;
  const c = s.charCodeAt(i);
  return c === 0x20 || c === 0x3f || (SEQ_FLAGS[c] & SEQ_CONT) !== 0;
};

/**
 * Runs of characters that look like UTF-8 read through some code page of WHOLE_PAGES: a lead
 * followed by as many continuation characters as it needs, repeated. A run does not start right
 * after a continuation character (`…` and `™` are continuations in windows-1252; a run cut out of
 * a longer garble would be mis-split). Each run is [start, end).
 */
function sequenceRuns(s: string): [number, number][] {
  const runs: [number, number][] = [];
  const n = s.length;
  let i = 0;
  while (i < n - 1) {
    const c = s.charCodeAt(i);
    if (c < 0x80 || (i > 0 && s.charCodeAt(i - 1) >= 0x80 && (SEQ_FLAGS[s.charCodeAt(i - 1)] & SEQ_CONT) !== 0)) {
      i++;
      continue;
    }
    let end = i;
    for (;;) {
      const f = SEQ_FLAGS[s.charCodeAt(end)];
      let len = 0;
      for (const [bitv, l] of [
        [2, 2],
        [4, 3],
        [8, 4],
      ] as const) {
        if ((f & bitv) === 0) continue;
        let ok = end + l <= n;
        for (let k = 1; k < l && ok; k++) ok = contAt(s, end + k);
        if (ok) {
          len = l;
          break;
        }
      }
      if (len === 0) break;
      end += len;
      if (end >= n || s.charCodeAt(end) < 0x80) break;
    }
    if (end > i) {
      runs.push([i, end]);
      i = end;
    } else i++;
  }
  return runs;
}

/**
 * Partial mojibake, ftfy's way: each run of UTF-8-looking characters (sequenceRuns) that is
 * implausible as written on its own is read back through the code pages like a whole line (and
 * again, while it stays implausible: text broken twice). Returns the text (the input itself when
 * nothing changed) and the pages used.
 */
export function decodeRuns(line: string): { text: string; pages: string[] } {
  const runs = sequenceRuns(line);
  const pages: string[] = [];
  if (runs.length === 0) return { text: line, pages };
  let out = '';
  let pos = 0;
  for (const [a, b] of runs) {
    if (b - a >= line.length) continue;
    let run = line.slice(a, b);
    let changed = false;
    for (let round = 0; round < 4 && isOdd(run); round++) {
      const w = decodeWholeLine(run);
      if (w === undefined) break;
      run = w.text;
      changed = true;
      if (!pages.includes(w.page)) pages.push(w.page);
    }
    if (!changed) continue;
    out += line.slice(pos, a) + run;
    pos = b;
  }
  if (pos === 0) return { text: line, pages };
  return { text: out + line.slice(pos), pages };
}
