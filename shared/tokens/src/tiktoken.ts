// o200k_base / cl100k_base counts: gpt-tokenizer's own split regex and byte-pair merges, with a
// piece-count cache in front of the merges.
//
// gpt-tokenizer's countTokens (special tokens not allowed, so none is recognised) is: for each
// match of the encoding's split regex, 1 if the piece is a token, else the length of its byte-pair
// encoding. That per-piece count depends on the piece alone, so this counter splits with the same
// regex (same source and flags) and asks the same BytePairEncodingCore for pieces it has not seen;
// the counts are the library's by construction (the tests check it on real and random text).
import { MAX_KEY, PieceCache } from './cache.js';

/** The parts of gpt-tokenizer's GptEncoding used here (its BytePairEncodingCore is not in its typings). */
interface Core {
  getBpeRankFromString(piece: string): number | undefined;
  bytePairEncode(piece: string): number[];
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
  if (!(split instanceof RegExp) || typeof core?.bytePairEncode !== 'function' || typeof core.getBpeRankFromString !== 'function')
    throw new Error(`gpt-tokenizer: ${name}'s split regex or byte-pair core is not where this version of @ldt/tokens expects it`);
  // Our own RegExp object: String.prototype.match with a global regex resets lastIndex, so sharing
  // the pattern with the library is harmless, but an own object keeps its state ours.
  const re = new RegExp(split.source, split.flags);
  const cache = new PieceCache();
  const pieceCount = (p: string): number => (core.getBpeRankFromString(p) !== undefined ? 1 : core.bytePairEncode(p).length);
  return (s: string): number => {
    // One native call for all the pieces (`match` with a global regex, which also steps over
    // empty matches as matchAll does), then one cache lookup per piece.
    const pieces = s.match(re);
    if (pieces === null) return 0;
    let n = 0;
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i] as string;
      if (p.length > MAX_KEY) {
        n += pieceCount(p);
        continue;
      }
      let c = cache.get(p);
      if (c === undefined) {
        c = pieceCount(p);
        cache.set(p, c);
      }
      n += c;
    }
    return n;
  };
}
