import { ANY_PAGE_FLAGS, CODEPAGES, type Codepage, LEAD_BITS, PAGE_FLAGS, WINDOWS_1252 } from './charmaps.js';
import { isOdd } from './oddness.js';
import { decodeRuns, decodeWholeLine } from './whole.js';

/**
 * Mojibake repair: find text that was UTF-8 (or CESU-8), read as a single-byte code page, and
 * reverse it where the text is implausible as written. Each line of a string is judged on its own,
 * in rounds (text broken twice needs two):
 *
 * 1. `isOdd` (oddness.ts): does the line hold a juxtaposition of characters that written text does
 *    not have and mojibake always does? If not, it is left alone (math, box drawing, symbols,
 *    all-caps text, `Ã¥ngstrom`: issue 14).
 * 2. `decodeWholeLine` (whole.ts): the whole line through ten code pages in ftfy's order, with
 *    CESU-8, lost bytes (U+FFFD or `?`) and NBSP-collapsed-to-space undone on the way.
 * 3. `decodeRuns` (whole.ts): partial mojibake, run by run, each run implausible on its own.
 * 4. The per-sequence repair below (windows-1252, windows-1251, MacRoman, cp437), where each
 *    candidate needs local evidence and each run of accepted candidates must also be implausible:
 *    - Candidates: characters that the code page maps to one UTF-8 lead byte (0xC2–0xF4) followed
 *      by exactly the continuation bytes (0x80–0xBF) it needs, forming a valid, assigned,
 *      non-private-use code point (no overlongs, no surrogates).
 *    - Strong candidates (a Latin-1 character read through windows-1252/MacRoman/cp437, `â€™`-style
 *      punctuation, a 4-byte sequence, a symbol glued between letters, a sequence made of what the
 *      previous round produced) repair on their own; weak ones need other evidence in the string.
 *    - A decoded letter of another script must sit in a run of candidates or fit its neighbours;
 *      windows-1251 is stricter (correct Cyrillic is what it produces).
 *    Every code page is tried and the one that explains the most characters wins.
 *
 * Remaining C1 controls (U+0080–U+009F, which no real text contains) are then read as the
 * windows-1252 characters of the same byte (`\u0092` → `’`): windows-1252 text decoded as latin-1.
 */

/** A fix applied by `repairMojibake`, as reported in `fixes`. */
export type MojibakeFix = `mojibake:${string}` | 'c1-controls';

interface Candidate {
  start: number;
  end: number;
  /** Decoded code point. */
  cp: number;
  nbytes: number;
  strong: boolean;
}

const MAX_ROUNDS = 6;
/** Continuation characters that follow words in correct text (closing quotes, dashes, ellipsis, NBSP, »). */
const NATURAL_AFTER_WORD = new Set(['’', '”', '»', '…', '–', '—', '\u00a0', '›', ')', '°', '®', '™', '©', '·']);
/** Those that may also sit between two letters (`l’homme`, `Paris–Lyon`). */
const NATURAL_INSIDE_WORD = new Set(['’', '”', '…', '–', '—', '\u00a0']);
/** Leads that are punctuation which may well precede a word (`—él`, `l’école`, `«école»`). */
const QUOTE_OR_DASH = new Set(['’', '‘', '“', '”', '«', '»', '–', '—', '‹', '›', '‚', '„', '\u00a0', '¬', '…', '•', '·']);
const LOWER = /^\p{Ll}$/u;
const UPPER = /^\p{Lu}$/u;
const UNASSIGNED_OR_PRIVATE = /^[\p{Cn}\p{Co}\p{Cs}]$/u;
const LETTER = /^\p{L}$/u;
// Per-code-point answers of the two regexes above, computed on first use (-1: not yet).
const letterCache = new Int8Array(65536).fill(-1);
const unusableCache = new Map<number, boolean>();

function isLetterCode(cp: number): boolean {
  if (cp >= 0x10000) return LETTER.test(String.fromCodePoint(cp));
  let v = letterCache[cp];
  if (v < 0) {
    v = LETTER.test(String.fromCharCode(cp)) ? 1 : 0;
    letterCache[cp] = v;
  }
  return v === 1;
}

function isUnusable(cp: number): boolean {
  let v = unusableCache.get(cp);
  if (v === undefined) {
    v = UNASSIGNED_OR_PRIVATE.test(String.fromCodePoint(cp));
    unusableCache.set(cp, v);
  }
  return v;
}

/**
 * Which code pages might explain mojibake in `s` (bit p for CODEPAGES[p]: some character that is a
 * UTF-8 lead byte in page p is followed by one that is a continuation byte there), plus bit 8 when
 * `s` holds a C1 control. 0: nothing to repair. One table look-up per code unit.
 */
export function mojibakeSuspects(s: string): number {
  let hits = 0;
  let prevLead = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      prevLead = 0;
      continue;
    }
    if (c <= 0x9f) hits |= 0x100;
    const f = PAGE_FLAGS[c];
    hits |= prevLead & (f >> 1);
    prevLead = f & LEAD_BITS;
  }
  return hits;
}

/** True when `s` might hold UTF-8 mojibake from one of our code pages, or a C1 control. */
export function mightBeMojibake(s: string): boolean {
  return mojibakeSuspects(s) !== 0;
}

/** Does `s` hold, for some code page of WHOLE_PAGES, a lead followed by a continuation (or a lost byte), or a C1 control? One table look-up per code unit. */
function anySuspect(s: string): boolean {
  let prevLead = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80 && c !== 0x3f) {
      // `Ã ` / `Â `: a continuation byte 0xA0 that became a space.
      if (c === 0x20 && i > 0 && (s.charCodeAt(i - 1) === 0xc3 || s.charCodeAt(i - 1) === 0xc2)) return true;
      prevLead = false;
      continue;
    }
    if (c >= 0x80 && c <= 0x9f) return true;
    const f = ANY_PAGE_FLAGS[c];
    if (prevLead && (f & 2) !== 0) return true;
    prevLead = (f & 1) !== 0;
  }
  return false;
}

/**
 * Repair mojibake in `s`. Returns the repaired text and the fixes applied (in order). Each line is
 * judged on its own (a line of a file is what one program wrote with one encoding), as ftfy does.
 */
export function repairMojibake(s: string): { text: string; fixes: MojibakeFix[] } {
  const fixes: MojibakeFix[] = [];
  if (!anySuspect(s)) return { text: s, fixes };
  let text: string;
  if (!s.includes('\n')) text = repairLine(s, fixes);
  else {
    const lines = s.split('\n');
    for (let k = 0; k < lines.length; k++) if (anySuspect(lines[k])) lines[k] = repairLine(lines[k], fixes);
    text = lines.join('\n');
  }
  const c1 = fixC1(text);
  if (c1 !== text) {
    text = c1;
    fixes.push('c1-controls');
  }
  return { text, fixes };
}

/**
 * One line, in rounds (text broken twice or three times needs as many): nothing is done unless the
 * line holds an implausible juxtaposition (`isOdd`). Then the whole line is read back through the
 * code pages (`decodeWholeLine`); failing that (the line mixes correct text and mojibake), the
 * sequences that local evidence supports are repaired one by one, each run of them only when it is
 * implausible as written on its own.
 */
function repairLine(line: string, fixes: MojibakeFix[]): string {
  let text = line;
  // Code units produced by the previous local round: a candidate made only of them is text broken twice.
  let produced: Uint8Array | undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (!isOdd(text)) break;
    const whole = decodeWholeLine(text);
    if (whole !== undefined) {
      text = whole.text;
      produced = undefined;
      const name: MojibakeFix = `mojibake:${whole.page}`;
      if (!fixes.includes(name)) fixes.push(name);
      continue;
    }
    const runs = decodeRuns(text);
    if (runs.text !== text) {
      text = runs.text;
      produced = undefined;
      for (const p of runs.pages) {
        const name: MojibakeFix = `mojibake:${p}`;
        if (!fixes.includes(name)) fixes.push(name);
      }
      continue;
    }
    const suspects = mojibakeSuspects(text);
    // Every code page is tried; the one that explains the most characters wins (ties: the more common page).
    let best: { text: string; page: Codepage; replaced: number; produced: Uint8Array } | undefined;
    for (let p = 0; p < CODEPAGES.length; p++) {
      if ((suspects & (1 << (2 * p))) === 0) continue;
      const page = CODEPAGES[p];
      const r = fixWith(text, page, produced);
      if (r.replaced > 0 && (best === undefined || r.replaced > best.replaced)) best = { ...r, page };
    }
    if (best === undefined) break;
    text = best.text;
    produced = best.produced;
    const name: MojibakeFix = `mojibake:${best.page.name}`;
    if (!fixes.includes(name)) fixes.push(name);
  }
  return text;
}

/** Map each C1 control to the windows-1252 character of the same byte (undefined bytes stay, for control-character removal). */
export function fixC1(s: string): string {
  if (!/[\u0080-\u009f]/.test(s)) return s;
  return s.replace(/[\u0080-\u009f]/g, (c) => WINDOWS_1252[c.charCodeAt(0) - 0x80]);
}

function isLetterChar(s: string, i: number): boolean {
  if (i < 0 || i >= s.length) return false;
  const c = s.charCodeAt(i);
  if (c < 0x80) return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  return isLetterCode(s.codePointAt(i) as number);
}

function isAsciiLetter(s: string, i: number): boolean {
  const c = i >= 0 && i < s.length ? s.charCodeAt(i) : 0;
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isWordChar(s: string, i: number): boolean {
  if (i >= s.length) return false;
  const c = s.charCodeAt(i);
  if (c >= 48 && c <= 57) return true;
  return isLetterChar(s, i);
}

/** Find the candidates of code page `page` in `s`. */
function findCandidates(s: string, page: Codepage): Candidate[] {
  const enc = page.encode;
  const out: Candidate[] = [];
  const n = s.length;
  const evidentLatin1 = page.name !== 'windows-1251';
  for (let i = 0; i < n - 1; i++) {
    const b0 = enc[s.charCodeAt(i)];
    if (b0 < 0xc2 || b0 > 0xf4) continue;
    const need = b0 >= 0xf0 ? 3 : b0 >= 0xe0 ? 2 : 1;
    if (i + need >= n) continue;
    let cp = b0 & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    const bytes = [b0];
    let ok = true;
    for (let k = 1; k <= need; k++) {
      const b = enc[s.charCodeAt(i + k)];
      if (b < 0x80 || b > 0xbf) {
        ok = false;
        break;
      }
      bytes.push(b);
      cp = (cp << 6) | (b & 0x3f);
    }
    if (!ok) continue;
    if (need === 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) continue;
    if (need === 3 && (cp < 0x10000 || cp > 0x10ffff)) continue;
    // U+F8FF (private use) is MacRoman's byte 0xF0: kept so that MacRoman read twice can be undone.
    if (isUnusable(cp) && !(cp === 0xf8ff && page.name === 'macroman')) continue;
    const end = i + need + 1;
    let strong = false;
    const conts = s.slice(i + 1, end);
    let oddCont = false;
    for (let k = i + 1; k < end && !oddCont; k++) {
      const ch = s[k];
      oddCont = !NATURAL_AFTER_WORD.has(ch) && !isLetterCode(s.charCodeAt(k)) && ch !== ' ';
    }
    if (need === 1) {
      if (cp <= 0x9f) {
        // A C1 control (`Â€`, `Â’`): text read as latin-1 and then as windows-1252, or correct
        // upper-case Welsh (`Â’R` for `â’r`); only with other evidence.
        strong = false;
      } else if (cp <= 0xff && evidentLatin1) {
        // Â² Ã© √© ├⌐; in cp437 not box drawing next to box drawing (├┤ in a tree diagram).
        strong = !(page.name === 'cp437' && s.charCodeAt(i + 1) >= 0x2500 && s.charCodeAt(i + 1) <= 0x259f) || isLetterChar(s, i - 1);
      } else {
        // Å‚o, È™a: a symbol glued between letters.
        const lead = s[i];
        const prev = i > 0 ? s[i - 1] : '';
        if (page.name === 'macroman' || page.name === 'cp437') {
          // Their 2-byte leads are symbols and their continuations letters: `s…îto`, `Agbet╔öwo`.
          strong = !isLetterCode(s.charCodeAt(i)) && !QUOTE_OR_DASH.has(lead) && isLetterChar(s, i - 1) && isWordChar(s, end);
        } else {
          // `Å‚o`, `È™a`: a symbol glued between letters; `kikÉ›`: an upper-case letter after a lower-case one, then a symbol.
          const symbolCont = !/^[\p{L}\s]$/u.test(conts);
          strong = symbolCont && ((!NATURAL_INSIDE_WORD.has(conts) && isWordChar(s, end)) || (UPPER.test(lead) && LOWER.test(prev) && !NATURAL_INSIDE_WORD.has(conts)));
          // windows-1251 read of Latin letters inside a Latin word: `dignidГЎ`.
          if (page.name === 'windows-1251') strong = cp >= 0xa0 && cp < 0x300 && (isAsciiLetter(s, i - 1) || isAsciiLetter(s, end));
        }
        if (cp >= 0x370) strong = false; // other scripts need company (rule 3)
      }
    } else if (need === 2) {
      strong = (b0 === 0xe2 && bytes[1] <= 0x84) || oddCont || (!isLetterCode(s.charCodeAt(i)) && isLetterChar(s, i - 1) && isWordChar(s, end));
      // windows-1251: lower-case Cyrillic letters are its 3-byte leads and і ї є ё ў its
      // continuations, so correct Ukrainian and Belarusian text is full of 3-byte look-alikes.
      if (page.name === 'windows-1251' && !(b0 === 0xe2 && bytes[1] <= 0x84)) strong = false;
    } else {
      strong = true;
    }
    out.push({ start: i, end, cp, nbytes: need + 1, strong });
    i = end - 1;
  }
  return out;
}

/** Restore a space that stood for byte 0xA0 (NBSP collapsed to a space): `Ã ` → `à` when the text has other windows-1252 mojibake. */
function restoreA0(s: string, cands: Candidate[]): Candidate[] {
  const extra: Candidate[] = [];
  let ci = 0;
  for (let i = 0; i < s.length - 1; i++) {
    while (ci < cands.length && cands[ci].end <= i) ci++;
    if (ci < cands.length && cands[ci].start <= i) continue;
    const c = s.charCodeAt(i);
    if ((c === 0xc3 || c === 0xc2) && s.charCodeAt(i + 1) === 0x20) {
      extra.push({ start: i, end: i + 2, cp: c === 0xc3 ? 0xe0 : 0xa0, nbytes: 2, strong: false });
      i++;
    }
  }
  if (extra.length === 0) return cands;
  return [...cands, ...extra].sort((a, b) => a.start - b.start);
}

function scriptOf(cp: number): string {
  if (cp < 0x250) return 'latin';
  if (cp < 0x300) return 'ipa';
  if (cp < 0x370) return 'mark';
  if (cp < 0x400) return 'greek';
  if (cp < 0x530) return 'cyrillic';
  if (cp < 0x590) return 'armenian';
  if (cp < 0x600) return 'hebrew';
  if (cp < 0x700) return 'arabic';
  return 'other';
}

function fixWith(s: string, page: Codepage, produced: Uint8Array | undefined): { text: string; replaced: number; produced: Uint8Array } {
  let cands = findCandidates(s, page);
  const none = { text: s, replaced: 0, produced: new Uint8Array(0) };
  if (cands.length === 0) return none;
  if (produced) {
    for (const c of cands) {
      let all = true;
      for (let i = c.start; i < c.end && all; i++) all = produced[i] === 1;
      if (all) c.strong = true;
    }
  }
  let evidence = cands.some((c) => c.strong);
  // Candidates back to back: two that both decode to letters (`Ð¿Ñ€`), not marks or symbols. In
  // windows-1251 three of any kind: its upper-case letters are lead bytes and І Ў Ё Ђ Љ Њ … are
  // continuation bytes, so correct upper-case Belarusian, Ukrainian or Serbian (`СІМІ`, `УЂЕЊ`)
  // has pairs of look-alikes; real windows-1251 mojibake comes in long runs (`РџСЂРёРІРµС‚`).
  const cp1251 = page.name === 'windows-1251';
  if (cp1251) {
    // A run of look-alikes glued to a Latin word (`uР“Р„`, `dignidГЎ`) is mojibake: correct Cyrillic
    // does not touch ASCII letters.
    for (let k = 0; k < cands.length; k++) {
      let a = k;
      while (a > 0 && cands[a - 1].end === cands[a].start) a--;
      let b = k;
      while (b + 1 < cands.length && cands[b].end === cands[b + 1].start) b++;
      if (isAsciiLetter(s, cands[a].start - 1) || isAsciiLetter(s, cands[b].end)) cands[k].strong = true;
    }
  }
  evidence ||= cands.some((c) => c.strong);
  let run = 1;
  for (let k = 1; k < cands.length && !evidence; k++) {
    run = cands[k].start === cands[k - 1].end ? run + 1 : 1;
    if (cp1251 ? run >= 3 : run >= 2 && isLetterCode(cands[k].cp) && isLetterCode(cands[k - 1].cp)) evidence = true;
  }
  if (evidence && page.name === 'windows-1252') cands = restoreA0(s, cands);
  const accepted: boolean[] = cands.map((c) => c.strong || evidence);
  if (cp1251) {
    // A weak windows-1251 candidate must be in a run, or be a one-letter Cyrillic word (`РІ` for `в`).
    for (let k = 0; k < cands.length; k++) {
      const c = cands[k];
      if (c.strong || !accepted[k]) continue;
      const inRun = (k > 0 && cands[k - 1].end === c.start) || (k + 1 < cands.length && cands[k + 1].start === c.end);
      // Out of a run: a character of its own between non-letters (`РІ` for `в`, `мќґ` for `이`),
      // or beside letters of its own script (partial mojibake inside an Arabic word); never a Latin
      // look-alike (correct upper-case Cyrillic gives those).
      const script = scriptOf(c.cp);
      const fits = (at: number) => !isLetterChar(s, at) || (script !== 'latin' && script !== 'ipa' && scriptOf(s.codePointAt(at) as number) === script);
      // Latin-1 letters (lead `Г`) as one-letter words: Italian `ГЁ` for `è`, Kurdish `Г»` for `û`.
      const latinWord = c.cp >= 0xc0 && c.cp <= 0xff && !isLetterChar(s, c.start - 1) && !isLetterChar(s, c.end);
      accepted[k] = inRun || latinWord || (script !== 'latin' && script !== 'ipa' && script !== 'mark' && fits(c.start - 1) && fits(c.end));
    }
  }
  // Rule 3: letters of other scripts, and combining marks, must fit their neighbours.
  for (let k = 0; k < cands.length; k++) {
    if (!accepted[k]) continue;
    const c = cands[k];
    if (c.nbytes !== 2) continue;
    const script = scriptOf(c.cp);
    if (script === 'latin' || script === 'ipa') continue;
    if (script === 'mark') {
      // A combining mark must follow a letter (NFD text read as windows-1252: `eÌ\u0081`).
      const prevIsCand = k > 0 && cands[k - 1].end === c.start;
      accepted[k] = prevIsCand || isLetterChar(s, c.start - 1);
      continue;
    }
    const leftCand = k > 0 && cands[k - 1].end === c.start;
    const rightCand = k + 1 < cands.length && cands[k + 1].start === c.end;
    const leftLetter = !leftCand && isLetterChar(s, c.start - 1);
    const rightLetter = !rightCand && isLetterChar(s, c.end);
    if (!isLetterCode(c.cp)) continue; // punctuation of that block (e.g. Hebrew maqaf) is fine
    // In a run of candidates, or a one-letter word on its own; a lone letter glued to correct ones
    // only when they are of its own script (partial mojibake inside an Arabic word) and the text has
    // other evidence; never to letters of another script (`—él` read through MacRoman).
    const fits = (at: number, letter: boolean) => !letter || (evidence && scriptOf(s.codePointAt(at) as number) === script);
    accepted[k] = leftCand || rightCand || (fits(c.start - 1, leftLetter) && fits(c.end, rightLetter));
  }
  // A run of accepted sequences is repaired only when it is implausible as written on its own:
  // math (`√π`), box drawing (`┬─┐`), an accent used as a quote (`lá´´`) decode as UTF-8 too.
  for (let k = 0; k < cands.length; ) {
    if (!accepted[k]) {
      k++;
      continue;
    }
    let e = k;
    while (e + 1 < cands.length && accepted[e + 1] && cands[e + 1].start === cands[e].end) e++;
    if (!isOdd(s, cands[k].start, cands[e].end)) for (let j = k; j <= e; j++) accepted[j] = false;
    k = e + 1;
  }
  let out = '';
  let pos = 0;
  let replaced = 0;
  const marks: [number, number][] = [];
  for (let k = 0; k < cands.length; k++) {
    if (!accepted[k]) continue;
    const c = cands[k];
    out += s.slice(pos, c.start);
    const ch = String.fromCodePoint(c.cp);
    marks.push([out.length, ch.length]);
    out += ch;
    pos = c.end;
    replaced += c.end - c.start;
  }
  if (replaced === 0) return none;
  out += s.slice(pos);
  const mask = new Uint8Array(out.length);
  for (const [at, len] of marks) mask.fill(1, at, at + len);
  return { text: out, replaced, produced: mask };
}
