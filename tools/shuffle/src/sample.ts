import { compareKeys, type KeyHook, KeyStream, type LineSink } from './keys.js';
import { OutBatcher, type Sink } from './shuffle.js';

interface Entry {
  hi: number;
  lo: number;
  idx: number;
  line: Buffer;
}

/**
 * Seeded uniform sampling of `size` rows in one pass with memory O(size): a bottom-k reservoir.
 * Every row gets the same key as in a full shuffle (KeyStream), and the sample is the `size` rows
 * with the smallest (key, index) — a uniformly random subset, since the keys are i.i.d. uniform.
 * A max-heap holds the current candidates; a row replaces the largest when its key is smaller.
 *
 * The shuffled sample is therefore exactly the first `size` rows of the full shuffle with the
 * same seed (`shuffle --sample N` = `shuffle | head -n N`); `input` order sorts it by index.
 * Memory: the sampled lines (copied) plus ~100 bytes per sampled row.
 */
export class Sampler implements LineSink {
  private readonly keys: KeyStream;
  private readonly heap: Entry[] = [];
  rows = 0;

  constructor(
    readonly size: number,
    seed: number,
    first = 0,
  ) {
    this.keys = new KeyStream(seed, first);
  }

  add(buf: Buffer, start: number, end: number): void {
    const k = this.keys;
    k.next();
    this.rows++;
    const h = this.heap;
    if (h.length < this.size) {
      h.push({ hi: k.hi, lo: k.lo, idx: k.index, line: Buffer.from(buf.subarray(start, end)) });
      this.siftUp(h.length - 1);
      return;
    }
    if (this.size === 0) return;
    const top = h[0];
    // Indices only grow, so a new row never wins a tie on the key.
    if (k.hi > top.hi || (k.hi === top.hi && k.lo >= top.lo)) return;
    h[0] = { hi: k.hi, lo: k.lo, idx: k.index, line: Buffer.from(buf.subarray(start, end)) };
    this.siftDown(0);
  }

  private greater(a: Entry, b: Entry): boolean {
    return compareKeys(a.hi, a.lo, a.idx, b.hi, b.lo, b.idx) > 0;
  }

  private siftUp(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.greater(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && this.greater(h[r], h[l]) ? r : l;
      if (!this.greater(h[m], h[i])) break;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }

  /** Write the sample to `sink` (and each row's key to `onKey`): in shuffled order (by key) or in input order. */
  async finish(order: 'random' | 'input', sink: Sink, onKey?: KeyHook): Promise<number> {
    const entries = [...this.heap];
    if (order === 'input') entries.sort((a, b) => a.idx - b.idx);
    else entries.sort((a, b) => compareKeys(a.hi, a.lo, a.idx, b.hi, b.lo, b.idx));
    const out = new OutBatcher(sink);
    for (const e of entries) {
      onKey?.(e.hi, e.lo, e.idx);
      await out.line(e.line, 0, e.line.length);
    }
    await out.end();
    return entries.length;
  }
}
