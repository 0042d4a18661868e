/**
 * Length histograms with fixed log-scale bins, so that histograms of shards, partitions or
 * separate builds merge exactly (add the counts of equal bins).
 *
 * Bins over non-negative integers: 0, 1, …, 7 have a bin each; from 8 on there are 4 bins per
 * power of two, [8,10) [10,12) [12,14) [14,16) [16,20) … [3·2^30, 2^32), and values ≥ 2^32 go
 * to the last bin. A bin is at most 25% wider than its lower edge. 124 bins in all.
 */
export const BIN_SCHEME = 'log2x4: 0..7 one bin each, then 4 bins per power of two; a bin is [lower, next lower)';

export const BIN_COUNT = 8 + 29 * 4;

/** The bin of a non-negative integer value. */
export function binOf(v: number): number {
  if (v < 8) return v < 0 ? 0 : Math.floor(v);
  if (v >= 2 ** 32) return BIN_COUNT - 1;
  const e = 31 - Math.clz32(v);
  return 8 + (e - 3) * 4 + ((v >>> (e - 2)) & 3);
}

/** The lower edge (inclusive) of a bin. */
export function binLower(b: number): number {
  if (b < 8) return b;
  const e = 3 + Math.floor((b - 8) / 4);
  return (4 + ((b - 8) % 4)) * 2 ** (e - 2);
}

/** The upper edge (exclusive) of a bin. */
export function binUpper(b: number): number {
  return b >= BIN_COUNT - 1 ? Number.POSITIVE_INFINITY : binLower(b + 1);
}

/** A histogram as manifest.json stores it: non-empty bins as `[lower edge, count]`, with exact count, sum, min and max. */
export interface HistogramJson {
  rows: number;
  sum: number;
  min: number | null;
  max: number | null;
  bins: [number, number][];
}

export class Histogram {
  readonly counts = new Float64Array(BIN_COUNT);
  rows = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  add(v: number): void {
    this.counts[binOf(v)]++;
    this.rows++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** Add another histogram (in memory or as stored). Exact: bins are fixed. */
  merge(h: Histogram | HistogramJson): this {
    if (h instanceof Histogram) for (let i = 0; i < BIN_COUNT; i++) this.counts[i] += h.counts[i];
    else for (const [lower, n] of h.bins) this.counts[binOf(lower)] += n;
    this.rows += h.rows;
    this.sum += h.sum;
    if (h.min !== null && h.min < this.min) this.min = h.min;
    if (h.max !== null && h.max > this.max) this.max = h.max;
    return this;
  }

  static from(json: HistogramJson): Histogram {
    return new Histogram().merge(json);
  }

  /**
   * The value at quantile q (0..1): the rank's bin, interpolated linearly inside it and clamped
   * to [min, max]. Exact below 8; otherwise within the bin's width (≤ 25%).
   */
  quantile(q: number): number | null {
    if (this.rows === 0) return null;
    const rank = q * this.rows;
    let seen = 0;
    for (let b = 0; b < BIN_COUNT; b++) {
      const n = this.counts[b];
      if (n === 0) continue;
      if (seen + n >= rank) {
        if (b < 8) return Math.min(Math.max(b, this.min), this.max);
        const lo = binLower(b);
        const hi = Math.min(binUpper(b), this.max + 1);
        const v = Math.min(hi - 1, Math.floor(lo + ((rank - seen) / n) * (hi - lo)));
        return Math.min(Math.max(v, this.min), this.max);
      }
      seen += n;
    }
    return this.max;
  }

  toJSON(): HistogramJson {
    const bins: [number, number][] = [];
    for (let b = 0; b < BIN_COUNT; b++) if (this.counts[b] > 0) bins.push([binLower(b), this.counts[b]]);
    return { rows: this.rows, sum: this.sum, min: this.rows > 0 ? this.min : null, max: this.rows > 0 ? this.max : null, bins };
  }
}
