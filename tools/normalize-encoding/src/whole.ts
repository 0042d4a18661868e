import { WHOLE_PAGES, type WholePage } from './charmaps.js';
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
let scratch = new Uint8Array(1024);
function encodeLine(line: string, page: WholePage): Uint8Array | undefined {
  const n = line.length;
  if (scratch.length < n) scratch = new Uint8Array(Math.max(n, scratch.length * 2));
  const out = scratch.subarray(0, n);
  let high = false;
  // windows-1252 and latin-1 share a table: bytes 0x80–0x9F read as latin-1 are C1 controls, read
  // as windows-1252 they are `€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ`. One line was read one way, so a line
  // holding both kinds (`âŠ` from ISO-8859-2, whose C1 controls sit beside its `Š`) is not this
  // page's mojibake.
  let c1 = false;
  let w1252 = false;
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
    if (b <= 0x9f) {
      if (c > 0xff) w1252 = true;
      else if (b !== 0x81 && b !== 0x8d && b !== 0x8f && b !== 0x90 && b !== 0x9d) c1 = true;
    }
    out[i] = b;
    high = true;
  }
  if (c1 && w1252 && page.name === 'windows-1252') return undefined;
  return high ? out : undefined;
}

const isCont = (b: number) => b >= 0x80 && b <= 0xbf;
/** A continuation byte that is not 0x85 or 0xA0 (which the NBSP rule must not create next to). */
const isPlainCont = (b: number) => isCont(b) && b !== 0x85 && b !== 0xa0;

/**
 * Read `bytes` (`line` encoded) as UTF-8 (with the repairs above); undefined when they are not
 * UTF-8. `lossy` and `a0` as in WholePage.
 */
function decodeUtf8(line: string, bytes: Uint8Array, lossy: boolean, a0: boolean): string | undefined {
  const n = bytes.length;
  let out = '';
  let i = 0;
  let runStart = 0;
  // ASCII bytes are the line's own characters at the same index (encodeLine maps one to one).
  const flush = (to: number) => {
    if (to > runStart) out += line.slice(runStart, to);
  };
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80 && b !== LOST) {
      i++;
      continue;
    }
    flush(i);
    const cp = decodeOne(bytes, i, lossy, a0);
    if (cp === FAIL) return undefined;
    out += cp >= 0x10000 ? String.fromCodePoint(cp) : String.fromCharCode(cp);
    i = decEnd;
    runStart = i;
  }
  flush(n);
  return out;
}

/** Where the sequence decoded by the last decodeOne call ends. */
let decEnd = 0;
const FAIL = -1;

/** Decode the sequence at `i`: its code point (U+FFFD for a sequence with a lost byte), or FAIL; sets decEnd. */
function decodeOne(bytes: Uint8Array, i: number, lossy: boolean, a0: boolean): number {
  const n = bytes.length;
  const b = bytes[i];
  const at = (k: number) => (k < n ? bytes[k] : -1);
  if (b === LOST) {
    decEnd = i + 1;
    return 0xfffd;
  }
  if (b >= 0xc2 && b <= 0xdf) {
    const c1 = at(i + 1);
    decEnd = i + 2;
    if (isCont(c1)) return ((b & 0x1f) << 6) | (c1 & 0x3f);
    if (lossy && (c1 === LOST || (c1 === QUESTION && b <= 0xc3))) return 0xfffd;
    if (a0 && c1 === 0x20) {
      if (b === 0xc3) {
        // `Ã ` is `à` then a space (`voilÃ le` → `voilà le`), unless a second space or a word that
        // starts with the à follows (Portuguese `àquele`, `às`).
        const rest = String.fromCharCode(...bytes.subarray(i + 2, i + 7));
        const glued = rest.startsWith(' ') || rest.startsWith('quele') || rest.startsWith('quela') || rest.startsWith('quilo') || rest.startsWith('s ');
        decEnd = glued ? i + 2 : i + 1;
        return 0xe0;
      }
      if (b === 0xc2 || b === 0xc5 || b === 0xce || b === 0xd0 || b === 0xd9) return ((b & 0x1f) << 6) | 0x20;
    }
    return FAIL;
  }
  if (b >= 0xe0 && b <= 0xef) {
    let c1 = at(i + 1);
    let c2 = at(i + 2);
    // CESU-8: a high surrogate then a low one.
    if (b === 0xed && c1 >= 0xa0 && c1 <= 0xaf) {
      const d0 = at(i + 3);
      const d1 = at(i + 4);
      const d2 = at(i + 5);
      decEnd = i + 6;
      if (isCont(c2) && d0 === 0xed && d1 >= 0xb0 && d1 <= 0xbf && isCont(d2)) {
        const hi = 0xd000 | ((c1 & 0x3f) << 6) | (c2 & 0x3f);
        const lo = 0xd000 | ((d1 & 0x3f) << 6) | (d2 & 0x3f);
        return 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
      }
      if (lossy && d0 === 0xed && d1 >= 0xb0 && d1 <= 0xbf) {
        const lostHi = c2 === LOST || c2 === QUESTION;
        const lostLo = d2 === LOST || d2 === QUESTION;
        if ((lostHi && (lostLo || isCont(d2))) || (isCont(c2) && lostLo)) return 0xfffd;
      }
      return FAIL;
    }
    if (a0 && b <= 0xe3) {
      if (c1 === 0x20 && b >= 0xe2 && isPlainCont(c2)) c1 = 0xa0;
      else if (c2 === 0x20 && isPlainCont(c1)) c2 = 0xa0;
    }
    decEnd = i + 3;
    if (isCont(c1) && isCont(c2)) {
      const cp = ((b & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f);
      if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) return FAIL;
      return cp;
    }
    if (lossy && lostSequence3(c1, c2, -2)) return 0xfffd;
    return FAIL;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    let c1 = at(i + 1);
    let c2 = at(i + 2);
    let c3 = at(i + 3);
    if (a0 && b === 0xf0) {
      // One space among three continuation bytes stood for 0xA0.
      if (c1 === 0x20 && isCont(c2) && isCont(c3)) c1 = 0xa0;
      else if (c2 === 0x20 && isCont(c1) && isCont(c3)) c2 = 0xa0;
      else if (c3 === 0x20 && isCont(c1) && isCont(c2)) c3 = 0xa0;
    }
    decEnd = i + 4;
    if (isCont(c1) && isCont(c2) && isCont(c3)) {
      const cp = ((b & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f);
      if (cp < 0x10000 || cp > 0x10ffff) return FAIL;
      return cp;
    }
    if (lossy && lostSequence3(c1, c2, c3)) return 0xfffd;
    return FAIL;
  }
  return FAIL;
}

/** Continuation slots (c3 = -2: none) of which one or more were lost (0x1A), at most one of them as `?`, the rest continuation bytes. */
function lostSequence3(c1: number, c2: number, c3: number): boolean {
  let questions = 0;
  let lost = 0;
  for (const c of c3 === -2 ? [c1, c2] : [c1, c2, c3]) {
    if (c === QUESTION) questions++;
    else if (c === LOST) lost++;
    else if (!isCont(c)) return false;
  }
  return questions + lost > 0 && questions <= 1;
}

/**
 * Try the pages of WHOLE_PAGES on `line` in order; the first in which it encodes and decodes as
 * UTF-8 to something else gives the repair, unless its reading holds rare letters or a capital glued
 * after a small letter (`rarity`) and a later page's holds fewer (`De Ă¤ro med fĂśrnuft` is
 * `De äro med förnuft` in ISO-8859-2, `fÜrnuft` in windows-1250, the earlier page). Undefined when
 * none does.
 */
export function decodeWholeLine(line: string): { text: string; page: string } | undefined {
  let best: { text: string; page: string } | undefined;
  let bestRarity = 0;
  for (const page of WHOLE_PAGES) {
    const text = decodeWith(line, page);
    if (text === undefined) continue;
    const r = rarity(text, 0, text.length, text);
    if (best === undefined || r < bestRarity) {
      best = { text, page: page.name };
      bestRarity = r;
      if (r === 0) break;
    }
  }
  return best;
}

function decodeWith(line: string, page: WholePage): string | undefined {
  const bytes = encodeLine(line, page);
  if (bytes === undefined) return undefined;
  const text = decodeUtf8(line, bytes, page.lossy, page.a0);
  return text !== undefined && text !== line ? text : undefined;
}

/** Lead length of byte `b` (2, 3, or 4 for F0 only: U+10000–U+3FFFF, emoji and historic scripts; F1–F4 are rarely meant), or 0. */
const leadLength = (b: number) => (b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b === 0xf0 ? 4 : 0);

/**
 * A continuation character of `page`, or a space (that stood for byte 0xA0). Not U+FFFD or `?` (a
 * lost byte): a run is judged on what it holds, and a lost byte is evidence only when the whole line
 * decodes around it (`decodeWholeLine`); in a run, `Ð¼Ñ?Ð³` would keep `Ð¼` and `Ð³` from being
 * read (`мÑ?г`), and a letter beside a U+FFFD of an earlier round would be eaten (`а��` → `�`).
 */
function contAt(s: string, i: number, page: WholePage): boolean {
  if (i >= s.length) return false;
  const c = s.charCodeAt(i);
  if (c === 0x20) return page.a0;
  if (c < 0x80) return false;
  const b = page.encode[c];
  return b >= 0x80 && b <= 0xbf;
}

/** Are the `l - 1` characters after `s[at]` continuations of `page` (and inside `s`)? */
function seqFits(s: string, at: number, l: number, page: WholePage): boolean {
  if (at + l > s.length) return false;
  for (let k = 1; k < l; k++) if (!contAt(s, at + k, page)) return false;
  return true;
}

/**
 * Runs of characters that look like UTF-8 read through `page`: a lead of that page followed by as
 * many of its continuation characters as it needs, repeated. One page at a time: a run found over
 * the union of the pages would mix characters of several (`ß‡` is a windows-1250 sequence cut out
 * of MacRoman Thai `∏ß‡∏±`, and `ј` of correct Serbian, a windows-1251 continuation, would keep a
 * windows-1250 run glued to it from starting). A run does not start right after a continuation
 * character of the page (`…` and `™` are continuations in windows-1252; a run cut out of a longer
 * garble would be mis-split). Each run is [start, end).
 */
function pageRuns(s: string, page: WholePage): [number, number][] {
  const runs: [number, number][] = [];
  const n = s.length;
  const enc = page.encode;
  let i = 0;
  while (i < n - 1) {
    const c = s.charCodeAt(i);
    if (c < 0x80 || (i > 0 && s.charCodeAt(i - 1) >= 0x80 && contAt(s, i - 1, page))) {
      i++;
      continue;
    }
    let end = i;
    for (;;) {
      const len = leadLength(enc[s.charCodeAt(end)]);
      if (len === 0 || !seqFits(s, end, len, page)) break;
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
 * Latin Extended-B letters that written languages use (Romanian ș ț, Vietnamese ơ ư, pinyin ǎ ǐ ǒ
 * ǔ ǚ ǜ, the African alphabets' Ɓ Ɔ Ɗ Ɛ Ƒ Ɣ Ɩ Ƙ Ɲ Ʋ Ƴ, click letters ǀ ǁ ǂ ǃ); the rest of the block
 * (U+0180–U+024F: Ʈ Ƥ Ʃ Ƭ Ʊ …) is what a wrong page makes of Latin-1 letters (`Ć®` is `î` in
 * windows-1257, `Ʈ` in windows-1250).
 */
const COMMON_EXT_B = new Set([
  0x181, 0x186, 0x18a, 0x190, 0x191, 0x192, 0x194, 0x196, 0x198, 0x199, 0x19d, 0x1a0, 0x1a1, 0x1af, 0x1b0, 0x1b2, 0x1b3, 0x1b4, 0x1c0, 0x1c1, 0x1c2, 0x1c3, 0x1cd, 0x1ce, 0x1cf,
  0x1d0, 0x1d1, 0x1d2, 0x1d3, 0x1d4, 0x1d5, 0x1d6, 0x1d7, 0x1d8, 0x1d9, 0x1da, 0x1db, 0x1dc, 0x218, 0x219, 0x21a, 0x21b,
]);

/** Latin Extended-A letters of Esperanto and the like (ĉ ĝ ĥ ĵ ŝ ŭ ŀ ŉ ĸ ſ): `ÄĄ` is Maltese `ġ` in ISO-8859-2, `ĥ` in windows-1250. */
const RARE_EXT_A = new Set([0x108, 0x109, 0x11c, 0x11d, 0x124, 0x125, 0x134, 0x135, 0x13f, 0x140, 0x149, 0x138, 0x15c, 0x15d, 0x16c, 0x16d, 0x17f]);

/** How many characters of `t` are rare: C1 controls and the uncommon Latin Extended-B letters. */
function rareCount(t: string): number {
  let n = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if ((c >= 0x80 && c <= 0x9f) || (c >= 0x180 && c <= 0x24f && !COMMON_EXT_B.has(c)) || RARE_EXT_A.has(c)) n++;
  }
  return n;
}

const UPPER_CASE = /^\p{Lu}$/u;
const LOWER_CASE = /^\p{Ll}$/u;
/**
 * How implausible the reading `t` of `line[a, b)` is, to choose between pages that explain as much:
 * its rare characters (rareCount), plus each capital letter glued after a small one, within `t` and
 * against its neighbours (`ĂŠ` is `é` in ISO-8859-2 but `Ê` in windows-1250: `élÊves`, `fÜrnuft`).
 */
function rarity(line: string, a: number, b: number, t: string): number {
  let n = rareCount(t);
  const chars = [...(a > 0 ? line[a - 1] : ''), ...t, ...(b < line.length ? line[b] : '')];
  for (let i = 1; i < chars.length; i++) if (UPPER_CASE.test(chars[i]) && LOWER_CASE.test(chars[i - 1])) n++;
  return n;
}

/** Characters a leftover run may decode to besides letters and marks: the punctuation UTF-8 text is full of. */
const PLAIN_PUNCT = new Set('’‘“”–—…\u00a0‐');
const LETTER_OR_MARK = /^[\p{L}\p{M}]$/u;
const PUNCTUATION = /^\p{P}$/u;
const UNUSABLE = /^[\p{Cc}\p{Cn}\p{Co}\p{Cs}]$/u;
/**
 * Is `t` (a decoded leftover run) plain text, none of it rare? Letters, marks and common
 * punctuation; the punctuation of other scripts (`۔`, U+0370 and up); and any assigned character
 * from a sequence of three or four bytes (U+0800 and up: `β‡’` for `⇒`), which correct text does
 * not spell by chance. Not the Latin-1 signs of a 2-byte sequence: `¬´` beside real MacRoman
 * mojibake is an emoticon, not `«`.
 */
function plainDecoded(t: string): boolean {
  if (rareCount(t) > 0) return false;
  for (const ch of t) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x80) {
      if (!/[A-Za-z ]/.test(ch)) return false;
    } else if (c >= 0x800) {
      if (UNUSABLE.test(ch)) return false;
    } else if (!PLAIN_PUNCT.has(ch) && !LETTER_OR_MARK.test(ch) && !(c >= 0x370 && PUNCTUATION.test(ch))) return false;
  }
  return true;
}

/**
 * Partial mojibake, ftfy's way: each run of UTF-8-looking characters (pageRuns) that is implausible
 * as written on its own is read back through a code page like a whole line (and again, while it
 * stays implausible: text broken twice). One page per call: one line was misread through one page,
 * and a run alone may also decode through another (`Ć©` is `é` in windows-1257, as the rest of the
 * line shows, but `Ʃ` in windows-1250). The line's page is the one whose implausible runs decode
 * the most; ties go to the page whose readings hold fewer rare letters (rareCount), then to the
 * earlier page. Once that page has repaired a run of the line, its other runs that decode to plain
 * text (letters, marks, common punctuation) are repaired too, implausible or not (`hĆ n` for `hàn`
 * beside `Vernùnft`, `Ă­` for `í`): the leftovers of the same misreading. A line with mojibake of two
 * pages gets the second in the next round (repairMojibake). Returns the text (the input itself when
 * nothing changed) and the pages used.
 */
export function decodeRuns(line: string): { text: string; pages: string[] } {
  const pages: string[] = [];
  let best: { page: WholePage; runs: [number, number][]; odd: boolean[]; count: number; all: number; rare: number } | undefined;
  for (const page of WHOLE_PAGES) {
    const runs = pageRuns(line, page);
    if (runs.length === 0) continue;
    // Characters explained: by the implausible runs, then by all the runs that decode.
    let count = 0;
    let all = 0;
    let rare = 0;
    const odd = runs.map(([a, b]) => {
      if (b - a >= line.length) return false;
      // MacRoman and cp437 leads are symbols (`ƒ`, `√`, `╬`) that sit beside letters in correct
      // text (`ƒãa` in Ewe is `ċa` in MacRoman): a single 2-byte sequence of theirs is no evidence
      // here; it is left to the per-sequence repair (mojibake.ts), which asks for more, or repaired
      // as a leftover once longer runs showed the line's page.
      if (page.symbolLeads && b - a === 2) return false;
      const t = decodeWith(line.slice(a, b), page);
      if (t === undefined) return false;
      all += b - a;
      rare += rarity(line, a, b, t);
      // Judged with one character of context on the left (`iÅ¡`: an accented capital after a small
      // letter), as ftfy's rules that look back one character need.
      if (!isOdd(line, Math.max(0, a - 1), b)) return false;
      count += b - a;
      return true;
    });
    if (count > 0 && (best === undefined || count > best.count || (count === best.count && (all > best.all || (all === best.all && rare < best.rare)))))
      best = { page, runs, odd, count, all, rare };
  }
  if (best === undefined) return foreignRuns(line);
  const { page, runs, odd } = best;
  let out = '';
  let pos = 0;
  for (let r = 0; r < runs.length; r++) {
    const [a, b] = runs[r];
    if (b - a >= line.length) continue;
    let run = line.slice(a, b);
    if (odd[r]) {
      run = decodeWith(run, page) as string;
      if (!pages.includes(page.name)) pages.push(page.name);
      // Text broken twice: again, through any page, while it stays implausible.
      for (let round = 1; round < 4 && isOdd(run); round++) {
        const w = decodeWholeLine(run);
        if (w === undefined) break;
        run = w.text;
        if (!pages.includes(w.page)) pages.push(w.page);
      }
    } else {
      const t = decodeWith(run, page);
      if (t === undefined || !plainDecoded(t)) continue;
      run = t;
    }
    // A letter of another script glued to a Latin letter is not what the text meant (`lá¬¥` would
    // give Balinese `lᬥ`): the repair must not introduce characters rarer than those it removes.
    if ((isAsciiLetterAt(line, a - 1) && isForeign(run.codePointAt(0) as number)) || (isAsciiLetterAt(line, b) && isForeign(lastCodePoint(run)))) continue;
    out += line.slice(pos, a) + run;
    pos = b;
  }
  if (pos === 0) return { text: line, pages: [] };
  return { text: out + line.slice(pos), pages };
}

const W1252 = WHOLE_PAGES[0];
/**
 * Beyond ftfy: two or more windows-1252 sequences in a row that decode to letters of scripts other
 * than Latin (`ì—„ê³¼` → `엄과`, `Ð³Ð¾` → `го`) are mojibake even when no pair of their characters
 * is implausible on its own; correct text does not spell them. Used when no run is implausible.
 */
function foreignRuns(line: string): { text: string; pages: string[] } {
  let out = '';
  let pos = 0;
  for (const [a, b] of pageRuns(line, W1252)) {
    if (b - a >= line.length) continue;
    const run = decodeWith(line.slice(a, b), W1252);
    if (run === undefined || !foreignWord(run)) continue;
    if ((isAsciiLetterAt(line, a - 1) && isForeign(run.codePointAt(0) as number)) || (isAsciiLetterAt(line, b) && isForeign(lastCodePoint(run)))) continue;
    out += line.slice(pos, a) + run;
    pos = b;
  }
  if (pos === 0) return { text: line, pages: [] };
  return { text: out + line.slice(pos), pages: [W1252.name] };
}

const FOREIGN = /^[\p{L}\p{M}]$/u;
const LATIN_OR_INHERITED = /^[\p{Script=Latin}\p{Script=Inherited}\p{Script=Common}\p{Script=Greek}]$/u;
/**
 * A letter or mark of a script other than Latin. Not modifier letters (`ˈ` `ʼ`: Common script), and
 * not Greek letters, which Latin text uses as symbols glued to letters and digits (`5μm`, `πr²`).
 */
function isForeign(cp: number): boolean {
  const ch = String.fromCodePoint(cp);
  return FOREIGN.test(ch) && !LATIN_OR_INHERITED.test(ch);
}
function isAsciiLetterAt(s: string, i: number): boolean {
  const c = i >= 0 && i < s.length ? s.charCodeAt(i) : 0;
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
function lastCodePoint(s: string): number {
  const c = s.charCodeAt(s.length - 1);
  return c >= 0xdc00 && c <= 0xdfff && s.length >= 2 ? (s.codePointAt(s.length - 2) as number) : c;
}

const FOREIGN_WORD = /^[\p{L}\p{M}]{2,}$/u;
const HAS_LATIN = /\p{Script=Latin}/u;
/** Two or more letters (or marks), none of them Latin. */
function foreignWord(s: string): boolean {
  return FOREIGN_WORD.test(s) && !HAS_LATIN.test(s);
}
