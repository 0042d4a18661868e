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
  if (withC1) for (let c = 0x80; c <= 0x9f; c++) t[c] = c;
  for (let i = 0; i < 128; i++) t[high.charCodeAt(i)] = 0x80 + i;
  for (const [c, b] of Object.entries(extra)) t[Number(c)] = b;
  return t;
}

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
    for (let c = 0x80; c < 65536; c++) {
      const b = cp.encode[c];
      if (b >= 0xc2 && b <= 0xf4) f[c] |= 1 << (2 * p);
      else if (b >= 0x80 && b <= 0xbf) f[c] |= 2 << (2 * p);
    }
  });
  return f;
})();

/** Lead bits of every page (the even bits). */
export const LEAD_BITS = 0x55;
