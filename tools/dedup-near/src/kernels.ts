import { xxh128 } from '@ldt/hash';
import { type WasmMemory, wasmExports } from '@ldt/ndjson';

interface Exports {
  memory: WasmMemory;
  xxh32(p: number, len: number): number;
  normalize(p: number, len: number, general: number, tab: number, res: number): number;
  shingle(text: number, len: number, n: number, char: number, starts: number, out: number): number;
  sortUnique(p: number, n: number, tmp: number, hist: number): number;
  minhash(set: number, n: number, ab: number, groups: number, out: number): void;
}

const SEP_RE = /[\p{P}\s]/u;
const SEP_ALL = /[\p{P}\s]/gu;

interface Bitmaps {
  /** Code points below U+20000 that are punctuation or white space. */
  sep: Uint8Array;
  /** BMP separators whose NFKC form, lower-cased, is separators only, also next to a letter. */
  safe: Uint8Array;
}
let bitmaps: Bitmaps | undefined;
/**
 * The separator tables, from /[\p{P}\s]/u, so they follow the Unicode version of the running Node:
 * one regular-expression scan over all code points below U+20000, then NFKC checks of the ~900 BMP
 * separators (~20 ms, once per thread).
 */
function separatorBitmaps(): Bitmaps {
  if (bitmaps) return bitmaps;
  const sep = new Uint8Array(0x20000 >> 3);
  // Every code point below U+20000 but the surrogates, as one string decoded from UTF-16 code
  // units: one native call, where 130,000 one-character strings joined took ~10× as long
  // (~70–170 ms of a run's CPU on the loaded 2-core machine; issue 17).
  const units = new Uint16Array(0x10000 - 0x800 + 2 * 0x10000);
  let u = 0;
  for (let c = 0; c < 0x10000; c++) if (c < 0xd800 || c >= 0xe000) units[u++] = c;
  for (let v = 0; v < 0x10000; v++) {
    units[u++] = 0xd800 | (v >> 10);
    units[u++] = 0xdc00 | (v & 0x3ff);
  }
  for (const m of new TextDecoder('utf-16le').decode(units).matchAll(SEP_ALL)) {
    const cp = m[0].codePointAt(0) as number;
    sep[cp >> 3] |= 1 << (cp & 7);
  }
  const isSep = (s: string) => [...s].every((ch) => SEP_RE.test(ch));
  const safe = new Uint8Array(0x10000 >> 3);
  for (let c = 0x80; c < 0x10000; c++) {
    if ((sep[c >> 3] & (1 << (c & 7))) === 0) continue;
    const s = String.fromCharCode(c);
    const n = s.normalize('NFKC');
    if (isSep(n.toLowerCase()) && `a${s}b`.normalize('NFKC') === `a${n}b` && `${s}\u0301`.normalize('NFKC') === `${n}\u0301`.normalize('NFKC')) safe[c >> 3] |= 1 << (c & 7);
  }
  bitmaps = { sep, safe };
  return bitmaps;
}

const TAB = 0; // 128-byte ASCII table, the separator bitmap (16 KiB), the safe-separator bitmap (8 KiB)
const RES = 24704; // normalize's counts: 4 × u32
const HIST = 24720; // sortUnique's histograms: 4 KiB
const AB = 28816; // permutation parameters

/** A text signed by `SignKernels.signText`. */
export interface KernelSigned {
  /** Length of the normalised text in UTF-16 code units. */
  len: number;
  /** XXH3-128 of the normalised text's UTF-8 bytes. */
  hash: Uint8Array;
  /** Sorted, distinct shingle hashes (a fresh array). */
  set: Uint32Array;
  charMode: boolean;
}

const encoder = new TextEncoder();

/**
 * Normalise → shingle → MinHash for one thread, in WebAssembly (src/kernels.wat), with exactly the
 * results of the string path (`normalizeText(…, 'aggressive')` + `shingleNormalized` +
 * `MinHasher.sign`); the tests compare the two.
 *
 * Memory: tables and scratch (~20 KiB), permutation parameters (128 bytes per 16 permutations),
 * the signature, then for the longest text seen (C = 3 × its length in UTF-16 units) its UTF-8
 * bytes (C), unit starts (4C) and shingle hashes with a sort buffer (8C): ~13 bytes per byte,
 * grown on demand and kept for the next rows.
 */
export class SignKernels {
  private readonly x: Exports;
  private readonly groups: number;
  private readonly sigAt: number;
  private readonly textAt: number;
  private cap = 0;
  private startsAt = 0;
  private hashesAt = 0;
  private tmpAt = 0;
  private u8!: Uint8Array;
  private u32!: Uint32Array;
  private distinct = 0;

  /**
   * `a`, `b`: the permutation parameters of `MinHasher` (numPerm each). `ngram`, `charNgram`,
   * `autoCharNgram`: the shingle options.
   */
  constructor(
    a: Uint32Array,
    b: Uint32Array,
    private readonly ngram: number,
    private readonly charNgram: number,
    private readonly autoCharNgram: number,
  ) {
    const sepAbove = (cp: number): number => (SEP_RE.test(String.fromCodePoint(cp)) ? 1 : 0);
    this.x = wasmExports<Exports>(new URL('./kernels.wasm', import.meta.url), { env: { sepAbove } });
    const P = a.length;
    this.groups = Math.ceil(P / 16);
    this.sigAt = AB + this.groups * 128;
    this.textAt = this.sigAt + this.groups * 64;
    this.ensure(1 << 16);
    for (let c = 0; c < 128; c++) {
      const ch = String.fromCharCode(c);
      this.u8[TAB + c] = SEP_RE.test(ch) ? 0xff : ch.toLowerCase().charCodeAt(0);
    }
    const { sep, safe } = separatorBitmaps();
    this.u8.set(sep, TAB + 128);
    this.u8.set(safe, TAB + 16512);
    // Per group: a[16] then b[16]; padding permutations (a = 1, b = 0) are computed and ignored.
    for (let g = 0; g < this.groups; g++) {
      for (let j = 0; j < 16; j++) {
        const i = g * 16 + j;
        this.u32[(AB >> 2) + g * 32 + j] = i < P ? a[i] : 1;
        this.u32[(AB >> 2) + g * 32 + 16 + j] = i < P ? b[i] : 0;
      }
    }
  }

  /** Make room for a text of `bytes` UTF-8 bytes. */
  private ensure(bytes: number): void {
    if (bytes <= this.cap) return;
    const cap = Math.max(bytes, this.cap * 2);
    const startsAt = (this.textAt + cap + 15) & ~15;
    const hashesAt = startsAt + (cap + 2) * 4;
    const tmpAt = hashesAt + (cap + 1) * 4;
    const end = tmpAt + (cap + 1) * 4;
    const mem = this.x.memory;
    if (end > mem.buffer.byteLength) mem.grow(Math.ceil((end - mem.buffer.byteLength) / 65536));
    this.cap = cap;
    this.startsAt = startsAt;
    this.hashesAt = hashesAt;
    this.tmpAt = tmpAt;
    this.u8 = new Uint8Array(mem.buffer);
    this.u32 = new Uint32Array(mem.buffer);
  }

  /** Encode `s` as UTF-8 at textAt; returns its byte length. */
  private encode(s: string): number {
    this.ensure(3 * s.length);
    return encoder.encodeInto(s, this.u8.subarray(this.textAt, this.textAt + this.cap)).written;
  }

  /**
   * Normalise and shingle `text`; undefined when its normalised form holds a lone surrogate (the
   * caller then takes the string path). The MinHash signature of the set is left for `signature`.
   */
  signText(text: string): KernelSigned | undefined {
    const x = this.x;
    let len = x.normalize(this.textAt, this.encode(text), 0, TAB, RES);
    let utf16 = len;
    let noSpace = false;
    if (len < 0) {
      // Not ASCII (but for safe separators): NFKC and lower-case the whole string here (lower-casing is context-sensitive,
      // e.g. Greek final sigma), then fold in WebAssembly.
      const t = text.normalize('NFKC').toLowerCase();
      const n = this.encode(t);
      len = x.normalize(this.textAt, n, 1, TAB, RES);
      const r = RES >> 2;
      if (this.u32[r + 3] === 1 && !(t as unknown as { isWellFormed(): boolean }).isWellFormed()) return undefined;
      utf16 = this.u32[r];
      noSpace = this.u32[r + 1] > this.u32[r + 2];
    }
    const charN = this.charNgram > 0 ? this.charNgram : noSpace ? this.autoCharNgram : 0;
    const charMode = charN > 0;
    const hash = xxh128(this.u8.subarray(this.textAt, this.textAt + len));
    const count = x.shingle(this.textAt, len, charMode ? charN : this.ngram, charMode ? 1 : 0, this.startsAt, this.hashesAt);
    const k = x.sortUnique(this.hashesAt, count, this.tmpAt, HIST);
    this.distinct = k;
    const at = this.hashesAt >> 2;
    return { len: utf16, hash, set: this.u32.slice(at, at + k), charMode };
  }

  /** The MinHash signature of the set of the last `signText` (its `numPerm` values into `out`). */
  signature(out: Uint32Array): void {
    this.x.minhash(this.hashesAt, this.distinct, AB, this.groups, this.sigAt);
    const s = this.sigAt >> 2;
    for (let i = 0; i < out.length; i++) out[i] = this.u32[s + i];
  }

  /** MinHash signature of a set that did not come from `signText` (`numPerm` values into `out`). */
  signSet(set: Uint32Array, out: Uint32Array): void {
    this.ensure(set.length);
    this.u32.set(set, this.hashesAt >> 2);
    this.distinct = set.length;
    this.signature(out);
  }
}
