/**
 * The single-byte code pages whose misreading of UTF-8 bytes we can reverse, as 128-character
 * strings for bytes 0x80–0xFF (ASCII maps to itself in all of them). Written out rather than
 * taken from a codec library so the repair core has no dependencies and no start-up cost; the
 * tests check them against iconv-lite.
 */

/**
 * windows-1252, "sloppy": the five bytes the standard leaves undefined (0x81 0x8D 0x8F 0x90
 * 0x9D) map to the C1 controls of the same number, as Python's `latin-1`-backed decoders and
 * ftfy's `sloppy-windows-1252` do. Encoding also accepts every C1 control U+0080–U+009F (see
 * `encodeTable`), so text decoded as latin-1 (which yields C1 controls where windows-1252 has
 * curly quotes and dashes) and text decoded as windows-1252 are reversed by the same table.
 */
export const WINDOWS_1252 =
  '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ\u00a0¡¢£¤¥¦§¨©ª«¬\u00ad®¯°±²³´µ¶·¸¹º»¼½¾¿ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ';

/** Mac OS Roman (byte 0xF0 is the Apple logo, U+F8FF). */
export const MACROMAN = 'ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü†°¢£§•¶ß®©™´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø¿¡¬√ƒ≈∆«»…\u00a0ÀÃÕŒœ–—“”‘’÷◊ÿŸ⁄¤‹›ﬁﬂ‡·‚„‰ÂÊÁËÈÍÎÏÌÓÔ\uf8ffÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇ';

/** IBM code page 437 (the DOS console). */
export const CP437 = 'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

/** windows-1251 (Cyrillic); byte 0x98 is undefined and maps to U+0098, as in the sloppy 1252. */
export const WINDOWS_1251 = 'ЂЃ‚ѓ„…†‡€‰Љ‹ЊЌЋЏђ‘’“”•–—\u0098™љ›њќћџ\u00a0ЎўЈ¤Ґ¦§Ё©Є«¬\u00ad®Ї°±Ііґµ¶·ё№є»јЅѕїАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмнопрстуфхцчшщъыьэюя';

/** A code page we can reverse: its name (as reported in `fixes`) and its reverse map. */
export interface Codepage {
  name: string;
  /** Char code → byte 0x80–0xFF, or 0 when the character is not in the code page (ASCII is implicit). */
  encode: Uint8Array;
}

function encodeTable(high: string, withC1: boolean, extra: Record<number, number> = {}): Uint8Array {
  if (high.length !== 128) throw new Error(`code page table has ${high.length} characters, expected 128`);
  const t = new Uint8Array(65536);
  const keys: number[] = [];
  if (withC1) for (let c = 0x80; c <= 0x9f; c++) keys.push(c);
  for (let i = 0; i < 128; i++) keys.push(high.charCodeAt(i));
  if (withC1) for (let c = 0x80; c <= 0x9f; c++) t[c] = c;
  for (let i = 0; i < 128; i++) t[high.charCodeAt(i)] = 0x80 + i;
  for (const [c, b] of Object.entries(extra)) {
    t[Number(c)] = b;
    keys.push(Number(c));
  }
  MAPPED.set(t, keys);
  return t;
}

/** The code units each encode table maps: the flag tables below visit those, not all 65,536 (start-up time). */
const MAPPED = new WeakMap<Uint8Array, number[]>();
const mapped = (t: Uint8Array): number[] => MAPPED.get(t) as number[];

/** The code pages tried, most common misreading first. */
export const CODEPAGES: readonly Codepage[] = [
  { name: 'windows-1252', encode: encodeTable(WINDOWS_1252, true) },
  { name: 'windows-1251', encode: encodeTable(WINDOWS_1251, true) },
  // Older MacRoman tables (and iconv-lite) give byte 0xBD as U+2126 OHM SIGN instead of U+03A9.
  { name: 'macroman', encode: encodeTable(MACROMAN, false, { 8486: 0xbd }) },
  { name: 'cp437', encode: encodeTable(CP437, false) },
];

/**
 * Bit flags per UTF-16 code unit: for code page number p (its index in CODEPAGES), bit 2p is set
 * when the character encodes to a UTF-8 lead byte 0xC2–0xF4 in that page, bit 2p+1 when it
 * encodes to a continuation byte 0x80–0xBF. A string in which no page has a lead followed by a
 * continuation cannot hold UTF-8 mojibake from that page: the fast path, and the per-page filter.
 */
export const PAGE_FLAGS: Uint8Array = (() => {
  const f = new Uint8Array(65536);
  CODEPAGES.forEach((cp, p) => {
    for (const c of mapped(cp.encode)) {
      const b = cp.encode[c];
      if (b >= 0xc2 && b <= 0xf4) f[c] |= 1 << (2 * p);
      else if (b >= 0x80 && b <= 0xbf) f[c] |= 2 << (2 * p);
    }
  });
  return f;
})();

/** Lead bits of every page (the even bits). */
export const LEAD_BITS = 0x55;

// The other code pages ftfy reverses, "sloppy" like WINDOWS_1252: a byte the page leaves
// undefined maps to the C1 control of the same number. Tested against iconv-lite.

/** windows-1250 (Central European: Polish, Czech, Slovak, Hungarian, Croatian, Romanian). */
export const WINDOWS_1250 =
  '€\u0081‚\u0083„…†‡\u0088‰Š‹ŚŤŽŹ\u0090‘’“”•–—\u0098™š›śťžź\u00a0ˇ˘Ł¤Ą¦§¨©Ş«¬\u00ad®Ż°±˛ł´µ¶·¸ąş»Ľ˝ľżŔÁÂĂÄĹĆÇČÉĘËĚÍÎĎĐŃŇÓÔŐÖ×ŘŮÚŰÜÝŢßŕáâăäĺćçčéęëěíîďđńňóôőö÷řůúűüýţ˙';
/** windows-1253 (Greek). */
export const WINDOWS_1253 =
  '€\u0081‚ƒ„…†‡\u0088‰\u008a‹\u008c\u008d\u008e\u008f\u0090‘’“”•–—\u0098™\u009a›\u009c\u009d\u009e\u009f\u00a0΅Ά£¤¥¦§¨©\u00aa«¬\u00ad®―°±²³΄µ¶·ΈΉΊ»Ό½ΎΏΐΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡ\u00d2ΣΤΥΦΧΨΩΪΫάέήίΰαβγδεζηθικλμνξοπρςστυφχψωϊϋόύώ\u00ff';
/** windows-1254 (Turkish). */
export const WINDOWS_1254 =
  '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008d\u008e\u008f\u0090‘’“”•–—˜™š›œ\u009d\u009eŸ\u00a0¡¢£¤¥¦§¨©ª«¬\u00ad®¯°±²³´µ¶·¸¹º»¼½¾¿ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏĞÑÒÓÔÕÖ×ØÙÚÛÜİŞßàáâãäåæçèéêëìíîïğñòóôõö÷øùúûüışÿ';
/** windows-1257 (Baltic). */
export const WINDOWS_1257 =
  '€\u0081‚\u0083„…†‡\u0088‰\u008a‹\u008c¨ˇ¸\u0090‘’“”•–—\u0098™\u009a›\u009c¯˛\u009f\u00a0\u00a1¢£¤\u00a5¦§Ø©Ŗ«¬\u00ad®Æ°±²³´µ¶·ø¹ŗ»¼½¾æĄĮĀĆÄÅĘĒČÉŹĖĢĶĪĻŠŃŅÓŌÕÖ×ŲŁŚŪÜŻŽßąįāćäåęēčéźėģķīļšńņóōõö÷ųłśūüżž˙';
/** ISO-8859-2 (Latin-2): C1 controls at 0x80–0x9F. */
export const ISO_8859_2 =
  '\u0080\u0081\u0082\u0083\u0084\u0085\u0086\u0087\u0088\u0089\u008a\u008b\u008c\u008d\u008e\u008f\u0090\u0091\u0092\u0093\u0094\u0095\u0096\u0097\u0098\u0099\u009a\u009b\u009c\u009d\u009e\u009f\u00a0Ą˘Ł¤ĽŚ§¨ŠŞŤŹ\u00adŽŻ°ą˛ł´ľśˇ¸šşťź˝žżŔÁÂĂÄĹĆÇČÉĘËĚÍÎĎĐŃŇÓÔŐÖ×ŘŮÚŰÜÝŢßŕáâăäĺćçčéęëěíîďđńňóôőö÷řůúűüýţ˙';

/**
 * A code page for whole-line repair: every character of a line must encode in it, and the bytes
 * must then decode as UTF-8. `lossy`: U+FFFD encodes to byte 0x1A (a byte the misreading lost),
 * as in the pages whose undefined bytes real decoders turn into U+FFFD.
 */
export interface WholePage {
  name: string;
  encode: Uint8Array;
  lossy: boolean;
  /** Spaces may stand for byte 0xA0 (NBSP collapsed to a space); not in MacRoman, where 0xA0 is a dagger. */
  a0: boolean;
  /** Its UTF-8 lead bytes are mostly symbols (MacRoman `√ ƒ ≈ ‡`, cp437 `╬ ═ ≡ Γ`), not letters. */
  symbolLeads?: boolean;
}

/**
 * The pages tried on a whole line, in the order ftfy tries them (latin-1 and windows-1252 are one
 * table: the same bytes). The first page in which the line encodes and decodes as UTF-8 wins.
 */
export const WHOLE_PAGES: readonly WholePage[] = [
  { name: 'windows-1252', encode: encodeTable(WINDOWS_1252, true), lossy: true, a0: true },
  { name: 'windows-1251', encode: encodeTable(WINDOWS_1251, false), lossy: true, a0: true },
  { name: 'windows-1250', encode: encodeTable(WINDOWS_1250, false), lossy: true, a0: true },
  { name: 'windows-1253', encode: encodeTable(WINDOWS_1253, false), lossy: true, a0: true },
  { name: 'windows-1254', encode: encodeTable(WINDOWS_1254, false), lossy: true, a0: true },
  { name: 'windows-1257', encode: encodeTable(WINDOWS_1257, false), lossy: true, a0: true },
  { name: 'iso-8859-2', encode: encodeTable(ISO_8859_2, false), lossy: false, a0: true },
  { name: 'macroman', encode: encodeTable(MACROMAN, false, { 8486: 0xbd }), lossy: false, a0: false, symbolLeads: true },
  { name: 'cp437', encode: encodeTable(CP437, false), lossy: false, a0: true, symbolLeads: true },
];

/**
 * Per UTF-16 code unit, over WHOLE_PAGES: bit 0 when some page encodes it to a UTF-8 lead byte
 * (0xC2–0xF4), bit 1 when some page encodes it to a continuation byte (0x80–0xBF) or it is
 * U+FFFD (a lost byte). A line in which no such lead is followed by such a continuation (or by a
 * `?`, a lost byte) holds no mojibake of any page: the fast path.
 */
export const ANY_PAGE_FLAGS: Uint8Array = (() => {
  const f = new Uint8Array(65536);
  for (const page of WHOLE_PAGES) {
    for (const c of mapped(page.encode)) {
      const b = page.encode[c];
      if (b >= 0xc2 && b <= 0xf4) f[c] |= 1;
      else if (b >= 0x80 && b <= 0xbf) f[c] |= 2;
    }
  }
  f[0xfffd] |= 2;
  f[0x3f] |= 2;
  return f;
})();

/**
 * Per UTF-16 code unit, over the windows-125x and ISO-8859-2 pages of WHOLE_PAGES: bit 1 when some
 * page encodes it to a 2-byte lead (0xC2–0xDF), bit 2 to a 3-byte lead (0xE0–0xEF), bit 3 to a
 * 4-byte lead (0xF0–0xF4), bit 4 to a continuation byte.
 */
export const SEQ_FLAGS: Uint8Array = (() => {
  const f = new Uint8Array(65536);
  // Not MacRoman or cp437: their leads are symbols (`ƒ`, `√`, `╬`) that sit beside letters in correct text.
  for (const page of WHOLE_PAGES.filter((p) => p.name !== 'macroman' && p.name !== 'cp437')) {
    for (const c of mapped(page.encode)) {
      const b = page.encode[c];
      if (b >= 0xc2 && b <= 0xdf) f[c] |= 2;
      else if (b >= 0xe0 && b <= 0xef) f[c] |= 4;
      // 4-byte leads: F0 only (U+10000–U+3FFFF, emoji and historic scripts); F1–F4 are rarely meant.
      else if (b === 0xf0) f[c] |= 8;
      else if (b >= 0x80 && b <= 0xbf) f[c] |= 16;
    }
  }
  return f;
})();
