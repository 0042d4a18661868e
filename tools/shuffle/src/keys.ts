import { Prng } from '@ldt/hash';

/**
 * The sort keys of the shuffle. Row i (0-based, counting the rows that are shuffled, in input
 * order) gets the 64-bit key `a·2^32 + b`, where (a, b) is the i-th pair of 32-bit outputs of the
 * ldt PRNG (`Prng` of @ldt/hash: xoshiro128** seeded by splitmix32 with `--seed`). The output is
 * the rows in increasing (key, i): a function of (seed, i) only, so read chunk sizes, `--memory`
 * and the in-memory/external choice cannot change it.
 *
 * Sorting by i.i.d. uniform keys gives a uniform random permutation; ties (probability about
 * n²/2^65) are broken by i, which keeps the order total and deterministic.
 */
export class KeyStream {
  private readonly prng: Prng;
  /** High and low 32 bits of the key of the row last given to `next()`. */
  hi = 0;
  lo = 0;
  /** The index of that row (0-based). */
  index = -1;

  /**
   * The keys of rows `first`, `first + 1`, … (`--first-index`, the sharded form): the PRNG is
   * advanced past the keys of the `first` rows before, so a shard's keys are those its rows have
   * in the whole input. Costs two PRNG steps per skipped row (a few ns each).
   */
  constructor(seed: number, first = 0) {
    this.prng = new Prng(seed);
    for (let i = 0; i < first; i++) {
      this.prng.nextU32();
      this.prng.nextU32();
    }
    this.index = first - 1;
  }

  /** Advance to the next row's key. */
  next(): void {
    this.hi = this.prng.nextU32();
    this.lo = this.prng.nextU32();
    this.index++;
  }
}

/** Order of two keys with their row indices: negative, zero or positive. */
export function compareKeys(ah: number, al: number, ai: number, bh: number, bl: number, bi: number): number {
  if (ah !== bh) return ah < bh ? -1 : 1;
  if (al !== bl) return al < bl ? -1 : 1;
  return ai - bi;
}

/** Counts a line scanner keeps: non-blank lines and blank (empty or white-space only) lines. */
export interface LineCounts {
  lines: number;
  blank: number;
}

/** Something that takes lines: `buf[start, end)` without the line end. */
export interface LineSink {
  add(buf: Buffer, start: number, end: number): void;
}

/**
 * Split a run of complete lines (as `readLineChunks` yields them) into lines, the way
 * `readRows` does: lines end at `\n`, one `\r` before it is dropped, blank lines (empty or only
 * spaces, tabs and `\r`) are counted and skipped; every other line goes to `sink` byte for byte.
 */
export function scanLines(buf: Buffer, counts: LineCounts, sink: LineSink): void {
  const n = buf.length;
  let s = 0;
  while (s < n) {
    let e = buf.indexOf(10, s);
    if (e < 0) e = n;
    let stop = e;
    if (stop > s && buf[stop - 1] === 13) stop--;
    if (isBlank(buf, s, stop)) counts.blank++;
    else {
      counts.lines++;
      sink.add(buf, s, stop);
    }
    s = e + 1;
  }
}

function isBlank(b: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** Takes the key and row index of each row written, in output order (`--keys-out`). */
export type KeyHook = (hi: number, lo: number, index: number) => void;
