import { xxh128String } from '@ldt/hash';
import { normalizeText } from '@ldt/text';
import { SignKernels } from './kernels.js';
import { bandKeys, MinHasher } from './minhash.js';
import type { NearOptions } from './near.js';
import { isNoSpaceScript, shingleNormalized } from './shingle.js';

/** A row's signature: what pass 1 (or the staged `sign` step) computes from its compared text. */
export interface Signed {
  /** Length of the normalised compared text (UTF-16 code units), for --keep longest/shortest. */
  len: number;
  /** XXH3-128 of the normalised compared text (16 bytes): the row's cluster id when kept. */
  hash: Uint8Array;
  /** Sorted, distinct shingle hashes. */
  set: Uint32Array;
  /** Band keys (length bands); empty when the set is empty. */
  keys: Uint32Array;
  charMode: boolean;
}

/** Normalised text → shingles → MinHash → band keys, with the run's options. Stateless between rows. */
export class Signer {
  private readonly kernels: SignKernels;
  private readonly sig: Uint32Array;

  constructor(readonly opts: NearOptions) {
    const hasher = new MinHasher(opts.numPerm, opts.seed);
    this.kernels = new SignKernels(hasher.a, hasher.b, opts.ngram, opts.charNgram, opts.autoCharNgram);
    this.sig = new Uint32Array(opts.numPerm);
  }

  /** True when the row is cut into character n-grams. */
  charMode(norm: string): boolean {
    return this.opts.charNgram > 0 || isNoSpaceScript(norm);
  }

  /**
   * Sign a row's compared text (not yet normalised): the same result as
   * `sign(normalizeText(text, 'aggressive'))`, computed without building the normalised string
   * (src/fastnorm.ts, src/kernels.wat).
   */
  signText(text: string): Signed {
    const k = this.kernels.signText(text);
    if (!k) return this.sign(normalizeText(text, 'aggressive'));
    const o = this.opts;
    const keys = new Uint32Array(k.set.length === 0 ? 0 : o.bands);
    if (k.set.length > 0) {
      this.kernels.signature(this.sig);
      bandKeys(this.sig, o.bands, o.rows, keys, 0);
    }
    return { len: k.len, hash: k.hash, set: k.set, keys, charMode: k.charMode };
  }

  /** Sign normalised text (`normalizeText(text, 'aggressive')`). */
  sign(norm: string): Signed {
    const o = this.opts;
    const charMode = this.charMode(norm);
    const n = charMode ? (o.charNgram > 0 ? o.charNgram : o.autoCharNgram) : o.ngram;
    const set = shingleNormalized(norm, n, charMode);
    const hash = xxh128String(norm);
    const keys = new Uint32Array(set.length === 0 ? 0 : o.bands);
    if (set.length > 0) {
      this.kernels.signSet(set, this.sig);
      bandKeys(this.sig, o.bands, o.rows, keys, 0);
    }
    return { len: norm.length, hash, set, keys, charMode };
  }
}
