// o200k_base / cl100k_base counts: gpt-tokenizer's own split regex and byte-pair merges, with a
// piece-count cache in front of the merges.
//
// gpt-tokenizer's countTokens (special tokens not allowed, so none is recognised) is: for each
// match of the encoding's split regex, 1 if the piece is a token, else the length of its byte-pair
// encoding. That per-piece count depends on the piece alone, so this counter splits with the same
// regex (same source and flags) and asks the same BytePairEncodingCore for pieces it has not seen;
// the counts are the library's by construction (the tests check it on real and random text).
import { PieceCache } from './cache.js';

/** The parts of gpt-tokenizer's GptEncoding used here (its BytePairEncodingCore is not in its typings). */
interface Core {
  getBpeRankFromString(piece: string): number | undefined;
  bytePairMerge(bytes: Uint8Array): number[];
  textEncoder: { encode(s: string): Uint8Array };
}
interface Encoding {
  bytePairEncodingCoreProcessor: Core;
}

export type TiktokenName = 'o200k_base' | 'cl100k_base';

/** A count function for `name` equal to gpt-tokenizer's `countTokens(s, { disallowedSpecial: new Set() })`. */
export async function tiktokenCounter(name: TiktokenName): Promise<(s: string) => number> {
  const consts = (await import('gpt-tokenizer/encodingParams/constants')) as Record<string, RegExp>;
  const mod = (name === 'o200k_base' ? await import('gpt-tokenizer/encoding/o200k_base') : await import('gpt-tokenizer/encoding/cl100k_base')) as unknown as {
    default: Encoding;
  };
  const split = consts[name === 'o200k_base' ? 'O200K_TOKEN_SPLIT_REGEX' : 'CL100K_TOKEN_SPLIT_REGEX'];
  const core = mod.default.bytePairEncodingCoreProcessor;
  if (!(split instanceof RegExp) || typeof core?.bytePairMerge !== 'function' || typeof core.getBpeRankFromString !== 'function' || !core.textEncoder)
    throw new Error(`gpt-tokenizer: ${name}'s split regex or byte-pair core is not where this version of @ldt/tokens expects it`);
  const global = new RegExp(split.source, split.flags);
  // The same pattern anchored at lastIndex ('y'): stepping it from each match's end gives
  // matchAll's matches as long as they are contiguous, which they are for these patterns (every
  // character matches one alternative); a gap or an empty match sends the text to `matchCount`.
  // `test` makes no match array, and pieces are looked up by range (see ./cache.ts).
  // (The o200k pattern run by hand on all-ASCII text was tried: 0.33 CPU-s against irregexp's
  // 0.39 for the 14.2 M pieces of the bench corpus's ASCII texts; not worth a second
  // implementation of the pattern.)
  const sticky = new RegExp(split.source, `${split.flags.replace('g', '')}y`);
  const cache = new PieceCache();
  // A piece not in the cache goes to the library's merge itself: bytePairEncode minus its LRU
  // cache (which this cache replaces; bypassing it also keeps counters independent of each other)
  // and minus its single-ASCII-character shortcut (such a piece is a token, answered above). A
  // merger of our own over a Map of the tokens' bytes was tried: 0.22 s against the library's
  // 0.33 s for the 14,077 distinct pieces of the bench corpus that are not one token, but 0.17 s
  // to build at every start; not kept.
  const pieceCount = (p: string): number => (core.getBpeRankFromString(p) !== undefined ? 1 : core.bytePairMerge(core.textEncoder.encode(p)).length);
  const matchCount = (s: string): number => {
    let n = 0;
    for (const m of s.matchAll(global)) n += cache.countRange(m[0], 0, m[0].length, pieceCount);
    return n;
  };
  return (s: string): number => {
    const len = s.length;
    let n = 0;
    for (let pos = 0; pos < len; ) {
      sticky.lastIndex = pos;
      if (!sticky.test(s)) return matchCount(s);
      const end = sticky.lastIndex;
      if (end === pos) return matchCount(s);
      n += cache.countRange(s, pos, end, pieceCount);
      pos = end;
    }
    return n;
  };
}
