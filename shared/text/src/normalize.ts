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
const WS_RUN = /\s+/gu;
const PUNCT_RUN = /[\p{P}\s]+/gu;
// Fast check: does the string contain anything `whitespace` mode would change?
const NEEDS_WS = /\s\s|[^\S ]|^\s|\s$/u;

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

function foldWhitespace(s: string): string {
  if (!NEEDS_WS.test(s)) return s;
  return s.replace(WS_RUN, ' ').trim();
}

/** Type guard for user-given mode names. */
export function isNormalizeMode(s: string): s is NormalizeMode {
  return (NORMALIZE_MODES as readonly string[]).includes(s);
}
