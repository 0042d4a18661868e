import type { Position } from '@ldt/errors';
import type { FieldPath, JsonObject } from '@ldt/schema';
import { normalizeText } from '@ldt/text';
import { forEachNgramKey } from './ngram-overlap.js';
import { PairCache } from './pair-cache.js';
import { comparedText, jaccard, jaccardAtLeast, minOverlap, type ShingleOptions } from './shingle.js';
import { type Signed, Signer } from './signer.js';
import { SpillFile } from './spill.js';
import { BandKeys, DEFAULT_MEMORY } from './spillsort.js';

/** Which row of a cluster is kept. */
export type KeepPolicy = 'first' | 'longest' | 'shortest';

/** Options of the dedup-near core. */
export interface NearOptions extends ShingleOptions {
  /** Field paths of the compared text (default: by row kind, see `comparedText`). */
  fields?: FieldPath[];
  /** Field paths in the reference rows (default: `fields`). */
  againstFields?: FieldPath[];
  /** Number of MinHash permutations (default 128). */
  numPerm: number;
  /** Jaccard threshold (default 0.8). */
  threshold: number;
  bands: number;
  rows: number;
  /** Verify LSH candidates by exact Jaccard of their shingle sets (default true). */
  verify: boolean;
  /** Cluster keep policy (default first). */
  keep: KeepPolicy;
  /** PRNG seed of the permutations (default 0). */
  seed: number;
  /** GPT-3-style n-gram overlap check against references; 0 = off (default). */
  overlapNgram: number;
  /** Directory for the temporary shingle file (default: the OS temp dir). */
  tmpDir?: string;
}

/** Drop reasons (summary, --stats, meta.dup_reason). */
export const REASONS = {
  nearDuplicate: 'near_duplicate',
  inIndex: 'in_index',
  inReference: 'in_reference',
  ngramOverlap: 'ngram_overlap',
  missingField: 'missing_field',
} as const;

const KIND_INPUT = 0;
const KIND_INDEX = 1;
const KIND_REF = 2;
const FLAG_EMPTY = 4;
const FLAG_REJECTED = 8;

/** What happens to one input row. */
export interface Decision {
  /** Undefined: kept (the cluster's kept row). Otherwise why it is dropped (or marked). */
  reason?: string;
  /** Cluster id: content hash (XXH3-128 of the normalised compared text) of the cluster's kept row. */
  cluster: string;
  clusterSize: number;
  /** The kept row's cluster id, or file:line of the matched reference. */
  dupOf?: string;
  /** Jaccard similarity of the shingle sets with dupOf (absent for ngram_overlap). */
  similarity?: number;
}

/**
 * The state of a near-dedup run. Rows are added in order — index rows, then references, then
 * inputs — and numbered; `cluster()` then finds the verified near-duplicate pairs and their
 * connected components (union-find), and `decide(id)` says what happens to each input row.
 *
 * Memory per row, typed arrays only: 4 (text length), 8 (offset of the shingle set in the spill
 * file), 1 (kind/flags) = 13 bytes while reading; `cluster()` adds 4 (union-find parent) + 8 (kept
 * row and cluster size per root) = 25 bytes/row at its peak. The band keys (4·bands bytes per row,
 * plus 16 per row to sort one band) are in `BandKeys`, within the `memory` budget: beyond it they
 * go to sorted runs on disk and are merged (an external sort that visits the same pairs in the
 * same order). Shingle sets live in the spill file (4 bytes per distinct shingle), not in memory.
 */
export class NearDedup {
  readonly signer: Signer;
  private readonly bandKeys: BandKeys;
  private lens = new Uint32Array(0);
  private offs = new Float64Array(0);
  private flags = new Uint8Array(0);
  count = 0;
  readonly spill: SpillFile;
  /** file:line of each reference row (by id - refStart). */
  private readonly refPos: string[] = [];
  private refStart = -1;
  private inputStart = -1;
  /** --overlap-ngram: 52-bit n-gram key → reference id. */
  private readonly refNgrams = new Map<number, number>();
  private readonly ngramHit = new Map<number, number>();
  private parent: Int32Array | undefined;
  private keeper: Int32Array | undefined;
  private size: Uint32Array | undefined;
  private readonly refMatch = new Map<number, { ref: number; sim: number }>();
  /** Counters for --stats notes. */
  readonly stats = { char_ngram_rows: 0, empty_text_rows: 0, candidate_pairs: 0, verified_pairs: 0, rejected_pairs: 0 };

  /** @param memory budget in bytes for the band keys and their sort (`--memory`); beyond it they spill to sorted runs. */
  constructor(
    readonly opts: NearOptions,
    memory = DEFAULT_MEMORY,
  ) {
    if (opts.bands * opts.rows > opts.numPerm) throw new RangeError('bands × rows must not exceed numPerm');
    this.signer = new Signer(opts);
    this.spill = new SpillFile(opts.tmpDir);
    const label = `--tmp-dir ${this.spill.parent}`;
    this.bandKeys = new BandKeys(opts.bands, memory, this.spill.dir, (id) => (this.flags[id] & FLAG_EMPTY) === 0, label);
  }

  private grow(): void {
    const cap = Math.max(1024, this.lens.length * 2);
    const lens = new Uint32Array(cap);
    lens.set(this.lens);
    this.lens = lens;
    const offs = new Float64Array(cap);
    offs.set(this.offs);
    this.offs = offs;
    const flags = new Uint8Array(cap);
    flags.set(this.flags);
    this.flags = flags;
  }

  /** Bytes per row in RAM at the clustering peak besides the band keys, which stay within `memory` (see the class comment). */
  get bytesPerRow(): number {
    return 25;
  }

  /** Counters of the band-key sort (runs written: 0 when it fitted in memory). */
  get sortStats(): BandKeys['stats'] {
    return this.bandKeys.stats;
  }

  /** Add a row from a loaded index: its band keys, text length and on-disk shingle record. */
  addIndexRow(keys: Uint32Array, len: number, record: Uint8Array): void {
    if (this.refStart >= 0) throw new Error('index rows must be added before references and inputs');
    if (this.count === this.lens.length) this.grow();
    const n = record[0] | (record[1] << 8) | (record[2] << 16) | (record[3] << 24);
    const id = this.count++;
    this.flags[id] = KIND_INDEX | (n === 0 ? FLAG_EMPTY : 0);
    this.bandKeys.add(n === 0 ? EMPTY_KEYS : keys);
    this.lens[id] = len;
    this.offs[id] = this.spill.appendRaw(record);
  }

  /** Add a reference row (e.g. an eval item). Throws a positioned DataError when its fields are missing. */
  addReference(row: JsonObject, pos: Position): void {
    if (this.inputStart >= 0) throw new Error('references must be added before inputs');
    if (this.refStart < 0) this.refStart = this.count;
    const text = comparedText(row, this.opts.againstFields ?? this.opts.fields, pos, this.opts.againstFields ? '--against-fields' : '--fields');
    this.addSigned(this.signer.signText(text), KIND_REF);
    this.refPos.push(`${pos.file}:${pos.line}`);
    if (this.opts.overlapNgram > 0) {
      const ref = this.count - 1;
      const norm = normalizeText(text, 'aggressive');
      const charMode = this.charMode(norm);
      forEachNgramKey(norm, this.opts.overlapNgram, charMode, (k) => {
        if (!this.refNgrams.has(k)) this.refNgrams.set(k, ref);
        return false;
      });
    }
  }

  /** True when --overlap-ngram has reference n-grams to look up (then pass `checkOverlap` the normalised text). */
  get overlapActive(): boolean {
    return this.opts.overlapNgram > 0 && this.refNgrams.size > 0;
  }

  /** --overlap-ngram: look up the n-grams of the last added input row (its normalised text) in the references. */
  checkOverlap(norm: string): void {
    if (!this.overlapActive) return;
    const id = this.count - 1;
    forEachNgramKey(norm, this.opts.overlapNgram, this.charMode(norm), (k) => {
      const ref = this.refNgrams.get(k);
      if (ref === undefined) return false;
      this.ngramHit.set(id, ref);
      return true;
    });
  }

  private charMode(norm: string): boolean {
    return this.signer.charMode(norm);
  }

  /** Add a row signed elsewhere (the staged `sign` step, or a worker). */
  addSigned(sg: Signed, kind = KIND_INPUT): void {
    if (kind === KIND_INPUT && this.inputStart < 0) {
      if (this.refStart < 0) this.refStart = this.count;
      this.inputStart = this.count;
    }
    if (this.count === this.lens.length) this.grow();
    const id = this.count++;
    const o = this.opts;
    if (sg.charMode) this.stats.char_ngram_rows++;
    this.offs[id] = this.spill.append(sg.hash, sg.set);
    this.lens[id] = sg.len;
    if (sg.set.length === 0) {
      this.flags[id] = kind | FLAG_EMPTY;
      this.bandKeys.add(EMPTY_KEYS);
      if (kind === KIND_INPUT) this.stats.empty_text_rows++;
      return;
    }
    this.flags[id] = kind;
    if (sg.keys.length !== o.bands) throw new RangeError(`expected ${o.bands} band keys, got ${sg.keys.length}`);
    this.bandKeys.add(sg.keys);
  }

  /** Number a rejected input row (missing fields), so later steps see the same row numbers. */
  addRejectedInput(): void {
    if (this.inputStart < 0) {
      if (this.refStart < 0) this.refStart = this.count;
      this.inputStart = this.count;
    }
    if (this.count === this.lens.length) this.grow();
    const id = this.count++;
    this.flags[id] = KIND_INPUT | FLAG_REJECTED | FLAG_EMPTY;
    // No record: -1 - where the next one will start, so that `setSize` of the row before finds its end.
    this.offs[id] = -1 - this.spill.bytes;
    this.bandKeys.add(EMPTY_KEYS);
  }

  private find(x: number): number {
    const p = this.parent as Int32Array;
    let r = x;
    while (p[r] !== r) r = p[r];
    while (p[x] !== r) {
      const n = p[x];
      p[x] = r;
      x = n;
    }
    return r;
  }

  private union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    // The smaller id becomes the root: deterministic, and a component's root is its first row.
    const p = this.parent as Int32Array;
    if (ra < rb) p[rb] = ra;
    else p[ra] = rb;
  }

  private sim(a: number, b: number): number {
    return jaccard(this.spill.readSet(this.offs[a]), this.spill.readSet(this.offs[b]));
  }

  /**
   * The shingle-set size of row `id`, from the offsets alone: records are appended back to back in
   * row order (`u32 count | 16-byte hash | count × u32`), so a record ends where the next row's
   * starts (a rejected row, which has none, holds -1 - that offset).
   */
  private setSize(id: number): number {
    const next = id + 1 < this.count ? this.offs[id + 1] : this.spill.bytes;
    return ((next >= 0 ? next : -1 - next) - this.offs[id] - 20) / 4;
  }

  /**
   * `sim(a, b) >= t`, exactly: false before reading the sets when their sizes alone rule it out
   * (J <= min/max; `minOverlap`), else `jaccardAtLeast` with its early exits. Reading the sets was
   * most of the clustering time (readSync; 0.9 of 1.5 CPU-s on the 256 MB bench corpus; issue 17).
   */
  private simAtLeast(a: number, b: number, t: number): boolean {
    if (minOverlap(this.setSize(a), this.setSize(b), t) < 0) return false;
    return jaccardAtLeast(this.spill.readSet(this.offs[a]), this.spill.readSet(this.offs[b]), t);
  }

  /**
   * Find candidate pairs (rows sharing a band key), verify them, and build the clusters. Pairs are
   * found per band from the (key, id) pairs sorted by `BandKeys` (in memory, or merged from sorted
   * runs: the same groups in the same order); a pair already in one component is not verified
   * again. Components are the connected components of the verified-pair graph, so the result does
   * not depend on the order in which pairs are visited.
   */
  cluster(): void {
    const n = this.count;
    const B = this.opts.bands;
    const t = this.opts.threshold;
    const verify = this.opts.verify;
    const flags = this.flags;
    const parent = new Int32Array(n);
    for (let i = 0; i < n; i++) parent[i] = i;
    this.parent = parent;
    const hasRefs = this.refPos.length > 0;
    const bandKeys = this.bandKeys;
    const kind = (id: number) => flags[id] & 3;

    if (hasRefs) {
      // Sweep 1: inputs against references. A matched input is contaminated and stays out of clusters.
      for (let j = 0; j < B; j++) {
        bandKeys.forBand(j, (ids, s, e) => {
          for (let a = s; a < e; a++) {
            const x = ids[a];
            if (kind(x) !== KIND_INPUT) continue;
            for (let b = s; b < e; b++) {
              const r = ids[b];
              if (kind(r) !== KIND_REF) continue;
              const prev = this.refMatch.get(x);
              if (prev?.ref === r) continue;
              this.stats.candidate_pairs++;
              if (verify && !this.simAtLeast(x, r, t)) {
                this.stats.rejected_pairs++;
                continue;
              }
              const sim = this.sim(x, r);
              this.stats.verified_pairs++;
              if (!prev || sim > prev.sim || (sim === prev.sim && r < prev.ref)) this.refMatch.set(x, { ref: r, sim });
            }
          }
        });
      }
    }
    const inCluster = (id: number) => {
      const k = kind(id);
      if (k === KIND_REF) return false;
      if (k === KIND_INPUT && (this.refMatch.has(id) || this.ngramHit.has(id))) return false;
      return true;
    };
    // Sweep 2: inputs (and index rows) among themselves. A pair that shares several bands is
    // verified once: rejected pairs are remembered (a pair found joined is skipped by find()).
    const rejected = new PairCache();
    for (let j = 0; j < B; j++) {
      bandKeys.forBand(j, (ids, s, e) => {
        for (let a = s + 1; a < e; a++) {
          const x = ids[a];
          if (!inCluster(x)) continue;
          for (let b = s; b < a; b++) {
            const y = ids[b];
            if (!inCluster(y)) continue;
            if (kind(x) === KIND_INDEX && kind(y) === KIND_INDEX) continue;
            if (this.find(x) === this.find(y)) continue;
            if (verify && rejected.has(x, y)) continue;
            this.stats.candidate_pairs++;
            if (verify && !this.simAtLeast(x, y, t)) {
              this.stats.rejected_pairs++;
              rejected.add(x, y);
              continue;
            }
            this.stats.verified_pairs++;
            this.union(x, y);
          }
        }
      });
    }
    // Rows whose normalised text is empty are identical to each other (similarity 1 by convention).
    let firstEmpty = -1;
    for (let i = 0; i < n; i++) {
      if ((flags[i] & (FLAG_EMPTY | FLAG_REJECTED)) !== FLAG_EMPTY || !inCluster(i)) continue;
      if (firstEmpty < 0) firstEmpty = i;
      else this.union(firstEmpty, i);
    }
    bandKeys.release();

    const keeper = new Int32Array(n).fill(-1);
    const size = new Uint32Array(n);
    const policy = this.opts.keep;
    for (let i = 0; i < n; i++) {
      if (kind(i) === KIND_REF || (flags[i] & FLAG_REJECTED) !== 0) continue;
      const r = this.find(i);
      size[r]++;
      const k = keeper[r];
      if (k < 0) keeper[r] = i;
      else if (kind(k) !== KIND_INDEX && policy !== 'first') {
        const better = policy === 'longest' ? this.lens[i] > this.lens[k] : this.lens[i] < this.lens[k];
        if (better) keeper[r] = i;
      }
    }
    this.keeper = keeper;
    this.size = size;
  }

  /** The id of the first input row (index rows and references come before). */
  get firstInputId(): number {
    return this.inputStart < 0 ? this.count : this.inputStart;
  }

  /** True when the input row `id` was rejected while reading (missing field). */
  isRejected(id: number): boolean {
    return (this.flags[id] & FLAG_REJECTED) !== 0;
  }

  /** Content hash (cluster id) of row `id`. */
  hashOf(id: number): string {
    return this.spill.readHash(this.offs[id]);
  }

  /** What happens to input row `id` (after `cluster()`). */
  decide(id: number): Decision {
    const keeper = this.keeper as Int32Array;
    // A verified MinHash match names its similarity, so it wins over an n-gram hit.
    const rm = this.refMatch.get(id);
    if (rm) return { reason: REASONS.inReference, cluster: this.hashOf(id), clusterSize: 1, dupOf: this.refPos[rm.ref - this.refStart], similarity: rm.sim };
    const ng = this.ngramHit.get(id);
    if (ng !== undefined) return { reason: REASONS.ngramOverlap, cluster: this.hashOf(id), clusterSize: 1, dupOf: this.refPos[ng - this.refStart] };
    const r = this.find(id);
    const k = keeper[r];
    const size = (this.size as Uint32Array)[r];
    const cluster = this.hashOf(k);
    if (k === id) return { cluster, clusterSize: size };
    const empty = (this.flags[id] & FLAG_EMPTY) !== 0;
    return {
      reason: (this.flags[k] & 3) === KIND_INDEX ? REASONS.inIndex : REASONS.nearDuplicate,
      cluster,
      clusterSize: size,
      dupOf: cluster,
      similarity: empty ? 1 : this.sim(id, k),
    };
  }

  /** True when row `id` is kept (a cluster's kept row); for --save-index. */
  isKept(id: number): boolean {
    const kd = this.flags[id] & 3;
    if (kd === KIND_REF || this.isRejected(id)) return false;
    if (kd === KIND_INDEX) return true;
    if (this.ngramHit.has(id) || this.refMatch.has(id)) return false;
    return (this.keeper as Int32Array)[this.find(id)] === id;
  }

  /** Band keys, text length and on-disk shingle record of row `id` (for --save-index). */
  indexEntry(id: number): { keys: Uint32Array; len: number; record: Buffer } {
    return { keys: this.bandKeys.keysOf(id), len: this.lens[id], record: this.spill.readRaw(this.offs[id]) };
  }

  close(): void {
    this.bandKeys.close();
    this.spill.close();
  }
}

const EMPTY_KEYS = new Uint32Array(0);
