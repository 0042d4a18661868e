/**
 * Is a stretch of text implausible as written? The evidence a repair needs before it may touch
 * text. The idea is ftfy's (its `badness`): the few hundred characters that UTF-8 mojibake is made
 * of fall into a dozen classes (accented letters, currency, numeric signs, box drawing, opening and
 * closing punctuation, the nearly-never-intended `¦ ¤ ¨ ¬ ¯ ¸ ƒ ˆ ˇ`, C1 controls, …), and some
 * juxtapositions of classes do not occur in written text while mojibake produces them all the
 * time: a lower-case accented letter then an upper-case one (`Ã©` after `r` is fine, `Ã©Ã` is
 * not), currency glued to an accented letter (`Ã£`), a box-drawing character beside a letter
 * (`├⌐`), a symbol of the nearly-never class beside anything but a space.
 *
 * Here that is a table, not a regular expression: one class per code unit (CLASS), one bit set of
 * the classes that may not follow each class (NOT_AFTER), so a pair costs two look-ups; the few
 * rules that need a third character or name specific characters (the signatures of the Cyrillic,
 * Greek and Baltic code pages) are checked in code only after a pair of non-ASCII characters.
 *
 * What is deliberately not odd (the false repairs of issue 14): math operators and Greek letters
 * together (`√π`, `∑ pᵢ`), box drawing beside box drawing (`┌─┬─┐`), an accent used as a quote
 * (`lá´´`), `¬´` in an emoticon, an upper-case accented letter then currency at the start of a
 * word (`Ã¥ngstrom` is ambiguous), runs of upper-case accented letters (`ÉCOLE`, `ÜBER`).
 */

enum K {
  NONE = 0,
  C1,
  /** Characters nearly only ever seen in mojibake: ¦ ¤ ¨ ¬ ¯ ¸ ƒ ˆ ˇ ˘ ˛ ˜ † ‡ ‰ ◊ U+FFFD ª º */
  RARE,
  /** Used everywhere: NBSP, soft hyphen, ·, ´, dashes, …, ’ */
  COMMON,
  /** ¶ § */
  LAW,
  /** ¢ £ ¥ ₧ € */
  CURRENCY,
  /** Opening punctuation and marks that start a phrase: ¡ « ¿ © ‘ ‚ “ „ • ‹ ΅ ΄ and U+F8FF */
  OPEN,
  /** Closing: ® » ˝ ” › ™ */
  CLOSE,
  /** Numeric and math signs: ² ³ ¹ ± ¼ ½ ¾ × µ ÷ ⁄ ∂ ∆ ∏ ∑ √ ∞ ∩ ∫ ≈ ≠ ≡ ≤ ≥ № */
  NUMERIC,
  /** O/U letters with marks that kaomoji use as eyes (Ò-Ö Ù-Û ò-ö ø-û Ő Ō Ū Ų °) */
  FACE,
  /** Upper-case accented Latin letters */
  UPPER,
  /** Lower-case accented Latin letters */
  LOWER,
  /** Greek and Cyrillic capitals, Þ */
  UPPER_SCRIPT,
  /** Greek and Cyrillic small letters */
  LOWER_SCRIPT,
  /** Box drawing and block elements (not the single horizontal line, a kaomoji mouth) */
  BOX,
}

const CLASS = new Uint8Array(65536);
const put = (k: K, chars: string) => {
  for (const ch of chars) CLASS[ch.charCodeAt(0)] = k;
};
const range = (a: number, b: number) => {
  let s = '';
  for (let c = a; c <= b; c++) s += String.fromCharCode(c);
  return s;
};
put(K.C1, range(0x80, 0x9f));
put(K.RARE, '¦¤¨¬¯¸ƒˆˇ˘˛˜†‡‰⌐◊\ufffdªº');
put(K.COMMON, '\u00a0\u00ad·´–—―…’');
put(K.LAW, '¶§');
put(K.CURRENCY, '¢£¥₧€');
put(K.OPEN, '¡«¿©΅΄‘‚“„•‹\uf8ff');
put(K.CLOSE, '®»˝”›™');
put(K.NUMERIC, '²³¹±¼½¾×µ÷⁄∂∆∏∑√∞∩∫≈≠≡≤≥№');
put(K.UPPER, `${range(0xc0, 0xd1)}ØÜÝĂĀĄĆČĎĐĘĚĒĖĞĢİĪĶĹĽŁĻŃŇŅŒŘŚŞŠŢŤŮŰŸŹŻŽҐ`);
put(K.LOWER, `ß${range(0xe0, 0xf1)}ăąāćčďđęěēėğģįīķĺľłļœŕśşšťüźżžґﬁﬂ`);
put(K.FACE, 'ÒÓÔÕÖÙÚÛòóôõöøùúûŐŌŪŲ°');
put(K.UPPER_SCRIPT, `Þ${range(0x391, 0x3a9)}ΆΈΉΊΌΎΏΪΫ${range(0x401, 0x42f)}`);
put(K.LOWER_SCRIPT, `${range(0x3b1, 0x3c9)}άέήίΰ${range(0x430, 0x45f)}`);
put(K.BOX, '│┌┐┘├┤┬┼═║╒╓╔╕╖╗╘╙╚╛╜╝╞╟╠╡╢╣╤╥╦╧╨╩╪╫╬▀▄█▌▐░▒▓');
// ü: an eye in kaomoji too, but first a letter of German, Turkish, Hungarian… and of MacRoman
// mojibake (`·üÜ` in Khmer read through MacRoman): a small accented letter, whose rules are the
// stricter ones (box drawing then `ü` is odd either way).
CLASS[0xfc] = K.LOWER;

const bit = (...ks: K[]) => ks.reduce((m, k) => m | (1 << k), 0);
/** Classes that the three-character rules look at in the last position. */
const TRIPLE_LAST = bit(K.RARE, K.CURRENCY, K.NUMERIC, K.OPEN, K.CLOSE);
/** Characters named by the specific rules (as the last or the one before): only pairs with one of them go past the table. */
const SPECIAL = new Uint8Array(65536);
for (const ch of 'ŒœÂÃÎÐ×à√≈вβ€āØÙÄâó°ВГРСΒΓΞΟЂ‚ƒ„•–—') SPECIAL[ch.charCodeAt(0)] = 1;
/** NOT_AFTER[a] has bit b when class b may not directly follow class a. */
const NOT_AFTER = new Uint32Array(16);
const rule = (after: K[], next: K[]) => {
  for (const a of after) NOT_AFTER[a] |= bit(...next);
};
const MOJI = [K.LOWER, K.UPPER, K.BOX, K.OPEN, K.CLOSE, K.CURRENCY, K.NUMERIC, K.LAW];
rule([K.RARE, ...MOJI], [K.RARE]);
rule([K.RARE], MOJI);
rule([K.LOWER, K.LOWER_SCRIPT, K.BOX, K.CLOSE, K.CURRENCY, K.NUMERIC], [K.UPPER]);
rule([K.BOX, K.CLOSE, K.CURRENCY, K.NUMERIC], [K.LOWER]);
rule([K.LOWER, K.BOX, K.CLOSE], [K.CURRENCY]);
rule([K.UPPER, K.BOX], [K.NUMERIC, K.LAW]);
rule([K.CURRENCY, K.NUMERIC, K.BOX], [K.OPEN]);
rule([K.BOX], [K.FACE, K.CLOSE]);
rule([K.LOWER, K.UPPER, K.CURRENCY, K.NUMERIC, K.OPEN, K.CLOSE, K.LAW], [K.BOX]);

const isAsciiLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAsciiLower = (c: number) => c >= 97 && c <= 122;
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 0xa0;
const cls = (s: string, i: number): K => (i >= 0 && i < s.length ? (CLASS[s.charCodeAt(i)] as K) : K.NONE);
const isWord = (c: number) => (c >= 48 && c <= 57) || isAsciiLetter(c) || c === 95 || (c >= 0x80 && /\p{L}|\p{N}/u.test(String.fromCharCode(c)));

/** Characters after `Â Ã Î Ð` that make the windows-1252 reading of a 2-byte sequence plain. */
const AFTER_A_HAT = new Set('€œŠš¢£Ÿž\u00a0\u00ad®©°·»–—´¡«¿‘‚“„•‹\uf8ff˝”›™');
/** Characters that are continuation bytes (0x80–0xBF) in windows-1252. */
const CONT_1252 = new Uint8Array(65536);
for (const ch of '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ\u00a0¡¢£¤¥¦§¨©ª«¬\u00ad®¯°±²³´µ¶·¸¹º»¼½¾¿') CONT_1252[ch.charCodeAt(0)] = 1;
const MACROMAN_SQRT = new Set('±∂†≠®™´≤≥¥µø');
const WIN1251_LEAD = new Set('ВГРС');
const WIN1253_LEAD = new Set('ΒΓΞΟ');
const ARABIC_SECOND = new Set('ŸŠ®°µ»');

function arabicPairAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c !== 0xd8 && c !== 0xd9) return false;
  const k = cls(s, i + 1);
  return k === K.COMMON || k === K.CURRENCY || k === K.RARE || k === K.NUMERIC || k === K.OPEN || ARABIC_SECOND.has(s[i + 1] ?? '');
}

/**
 * Is the juxtaposition that ends at `i` (the pair `s[i-1] s[i]`, and the rules that look one or two
 * characters further back or one ahead) implausible as written? `lo` is where the stretch being
 * judged begins: nothing before it is looked at.
 */
export function oddAt(s: string, i: number, lo = 0): boolean {
  const c = s.charCodeAt(i);
  if (c < 0x80) {
    // `[ÃÂ]` then a space: NBSP (or à) whose second byte became a space.
    if (c === 32 && i - 1 >= lo) {
      const p = s.charCodeAt(i - 1);
      if (p === 0xc3 || p === 0xc2) {
        const q = i - 2 >= lo ? s.charCodeAt(i - 2) : -1;
        if (q < 0 || isAsciiLower(q) || (q === 32 && i - 3 >= lo && isAsciiLower(s.charCodeAt(i - 3)))) return true;
      }
    }
    if (i - 2 >= lo && s.charCodeAt(i - 1) === 0xc2 && (c === 32 || CLASS[c] === K.OPEN || CLASS[c] === K.CLOSE)) {
      const q = s.charCodeAt(i - 2);
      if (isAsciiLower(q) || q === 46 || q === 44 || q === 63 || q === 33 || CLASS[q] === K.CLOSE) return true;
    }
    return false;
  }
  const k = CLASS[c] as K;
  if (k === K.C1) return true;
  if (i - 1 < lo) return false;
  const p = s.charCodeAt(i - 1);
  const pk = CLASS[p] as K;
  if ((NOT_AFTER[pk] >> k) & 1) return true;
  if ((TRIPLE_LAST & (1 << k)) === 0 && SPECIAL[c] === 0 && SPECIAL[p] === 0) return false;
  const pp = i - 2 >= lo ? s.charCodeAt(i - 2) : -1;
  const ppk = i - 2 >= lo ? (CLASS[pp] as K) : K.NONE;
  const ch = s[i];
  // Three-character rules.
  if (k === K.RARE && (pk === K.LOWER_SCRIPT || pk === K.UPPER_SCRIPT) && pp >= 0 && isAsciiLetter(pp)) return true;
  if (k === K.CURRENCY && pk === K.UPPER && pp >= 0 && isSpace(pp)) return true;
  if (k === K.NUMERIC && pk === K.OPEN && (ppk === K.LOWER || ppk === K.UPPER || ppk === K.BOX || ppk === K.CURRENCY || ppk === K.CLOSE)) return true;
  if (k === K.OPEN && pk === K.CLOSE && (ppk === K.LOWER || ppk === K.UPPER || ppk === K.CURRENCY || ppk === K.NUMERIC || ppk === K.BOX || ppk === K.LAW)) return true;
  if ((k === K.OPEN || k === K.CURRENCY) && pk === K.UPPER && pp >= 0 && isAsciiLower(pp)) return true;
  // A letter glued to punctuation glued to a word character: `Ã©tÃ©` is caught before, `Ã‰t` here.
  if ((pk === K.LOWER || pk === K.UPPER) && (k === K.OPEN || k === K.CLOSE) && i + 1 < s.length && isWord(s.charCodeAt(i + 1))) return true;
  // Specific characters.
  if ((p === 0x152 || p === 0x153) && !isAsciiLetter(c)) return true; // Œ œ not before a Latin letter
  if (pk === K.UPPER && (c === 0xb0 || c === 0x20ac)) return true; // Ï°, Ï€ (π)
  // Beyond ftfy: `â` then `€ ‚ ƒ „` is the windows-1252 reading of U+2000–U+213F (`â€™`, `â„¢`,
  // `â‚¬`), and `â` then `• – —` then another such character that of box drawing and geometric
  // shapes (`â•‘`, `â–“`): no word has them.
  if (p === 0xe2 && (c === 0x20ac || c === 0x201a || c === 0x192 || c === 0x201e)) return true;
  if (pp === 0xe2 && (p === 0x2022 || p === 0x2013 || p === 0x2014) && CONT_1252[c] === 1) return true;
  if ((p === 0xc2 || p === 0xc3 || p === 0xce || p === 0xd0) && AFTER_A_HAT.has(ch)) return true;
  if (p === 0xc3 && (c === 0xa0 || c === 0xa1)) return true;
  if (p === 0xd7 && (c === 0xb2 || c === 0xb3)) return true;
  if (p === 0xe0 && (c === 0xb2 || c === 0xb5 || c === 0xb9 || c === 0xbc || c === 0xbd || c === 0xbe)) return true;
  if (p === 0x221a && MACROMAN_SQRT.has(ch)) return true;
  if (p === 0x2248 && (c === 0xb0 || c === 0xa2)) return true;
  if (pp === 0x201a && p === 0xc4 && 'ìîïòôúùû†°¢π'.includes(ch)) return true;
  if (pp === 0x201a && (p === 0xe2 || p === 0xf3) && 'àä°ê'.includes(ch)) return true;
  if (p === 0x432 && c === 0x402) return true; // вЂ: windows-1251 reading of U+2000–U+203F
  if (pp === 0x3b2 && p === 0x20ac && '™\u00a0Ά\u00ad®°'.includes(ch)) return true; // windows-1253 β€™
  if (p === 0x101 && c === 0x20ac) return true; // ā€: windows-1257
  if (
    WIN1251_LEAD.has(ch) &&
    pp >= 0 &&
    WIN1251_LEAD.has(s[i - 2]) &&
    (pk === K.C1 || pk === K.RARE || pk === K.OPEN || pk === K.CLOSE || pk === K.CURRENCY || p === 0xb0 || p === 0xb5)
  )
    return true;
  if (WIN1253_LEAD.has(ch) && pp >= 0 && WIN1253_LEAD.has(s[i - 2]) && (pk === K.C1 || pk === K.RARE || pk === K.OPEN || pk === K.CLOSE || pk === K.CURRENCY || p === 0xb0))
    return true;
  if (i - 3 >= lo && arabicPairAt(s, i - 3) && arabicPairAt(s, i - 1)) return true;
  // ГўВЂВ: windows-1251 over latin-1 over windows-1252 punctuation, then a Latin letter or space.
  if (i - 6 >= lo && s.startsWith('ГўВЂВ', i - 6) && (isAsciiLetter(c) || c === 32)) return true;
  return false;
}

/** Does `s[from, to)` hold an implausible juxtaposition (judged on that stretch alone)? */
export function isOdd(s: string, from = 0, to = s.length): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    // ASCII after ASCII is never odd except the `Â ` / `Ã ` rules, which look back at Â Ã.
    if (c < 0x80 && (i === from || s.charCodeAt(i - 1) < 0x80) && !(i - 6 >= from && s.charCodeAt(i - 2) === 0x412)) continue;
    if (oddAt(s, i, from)) return true;
  }
  return false;
}
