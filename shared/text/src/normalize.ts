/**
 * Text normalisation shared by every ldt tool that compares text (dedup-exact keys, dedup-near
 * shingles, split-holdout group keys). One function, driven by one mode name, so every tool gives
 * the same answer for the same `--normalize` value.
 *
 * | mode         | what it does                                                                   |
 * |--------------|--------------------------------------------------------------------------------|
 * | `none`       | nothing: the exact string                                                      |
 * | `whitespace` | trim; every run of Unicode white space (incl. NBSP, U+2028) → one space         |
 * | `lower`      | `whitespace`, then Unicode lower-case (locale-independent)                      |
 * | `aggressive` | NFKC; lower-case; punctuation (Unicode category P) → space; then `whitespace`  |
 *
 * `aggressive` keeps symbols and digits (`2+2=4` stays distinct from `3+3=6`) and keeps
 * combining marks (stripping them would break Devanagari, Thai and other scripts whose vowel
 * signs are marks).
 */
export type NormalizeMode = 'none' | 'whitespace' | 'lower' | 'aggressive';

export const NORMALIZE_MODES: readonly NormalizeMode[] = ['none', 'whitespace', 'lower', 'aggressive'];

// \s in a Unicode-aware JS regex covers ASCII white space, NBSP, U+1680, U+2000–U+200A,
// U+2028/2029, U+202F, U+205F, U+3000 and U+FEFF.
const PUNCT_RUN = /[\p{P}\s]+/gu;

/** Normalise `s` by `mode`. Pure and deterministic. */
export function normalizeText(s: string, mode: NormalizeMode): string {
  switch (mode) {
    case 'none':
      return s;
    case 'whitespace':
      return foldWhitespace(s);
    case 'lower':
      return foldWhitespace(s).toLowerCase();
    case 'aggressive':
      return s.normalize('NFKC').toLowerCase().replace(PUNCT_RUN, ' ').trim();
  }
}

/**
 * `s.replace(/\s+/gu, ' ').trim()`, as one scan that returns `s` itself when nothing changes and
 * otherwise joins the kept slices. The two regular expressions (test, then replace) took ~0.5 CPU-s
 * per 64 MB of chat rows (2-core Xeon, Node 20.20.2: 490 ms vs 280 ms for this loop over the
 * contents of the bench corpus' 50,323 rows, median of 3; issue 17), more than JSON.parse of
 * those rows. `isSpace` is exactly JavaScript's `\s` (a test checks every UTF-16 code unit).
 */
function foldWhitespace(s: string): string {
  const n = s.length;
  let from = 0;
  while (from < n && isSpace(s.charCodeAt(from))) from++;
  let end = n;
  while (end > from && isSpace(s.charCodeAt(end - 1))) end--;
  let changed = from > 0 || end < n;
  let out = '';
  let j = from;
  while (j < end) {
    const c = s.charCodeAt(j);
    if ((c > 32 && c < 0xa0) || !isSpace(c)) {
      j++;
      continue;
    }
    let k = j + 1;
    while (k < end && isSpace(s.charCodeAt(k))) k++;
    if (c !== 32 || k > j + 1) {
      out += `${s.slice(from, j)} `;
      from = k;
      changed = true;
    }
    j = k;
  }
  return changed ? out + s.slice(from, end) : s;
}

/** JavaScript's `\s` (WhiteSpace and LineTerminator), which `trim` also removes. */
export function isSpace(c: number): boolean {
  if (c < 0xa0) return c === 32 || (c >= 9 && c <= 13);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Type guard for user-given mode names. */
export function isNormalizeMode(s: string): s is NormalizeMode {
  return (NORMALIZE_MODES as readonly string[]).includes(s);
}
