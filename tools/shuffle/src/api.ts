import { type KeyHook, type LineCounts, scanLines } from './keys.js';
import { Sampler } from './sample.js';
import { type ShuffleOptions, Shuffler, type ShuffleStats, type Sink } from './shuffle.js';

export interface ShuffleStreamOptions extends ShuffleOptions {
  /** Keep only this many rows, chosen uniformly (`--sample N`); undefined: all rows. */
  sample?: number;
  /** Order of a sample: `random` (shuffled; the default) or `input`. */
  sampleOrder?: 'random' | 'input';
  /** Called with the key and global row index of every row written, in output order (`--keys-out`). */
  onKey?: KeyHook;
}

/**
 * Shuffle (or sample) the lines of `chunks` — runs of complete lines as `readLineChunks` yields
 * them — and write them to `sink`. Blank lines are counted in `counts` and skipped. Returns what
 * was done. The output depends only on the sequence of non-blank lines, `seed`, `firstIndex` and
 * `sample`.
 */
export async function shuffleStream(chunks: AsyncIterable<Buffer>, opts: ShuffleStreamOptions, counts: LineCounts, sink: Sink): Promise<ShuffleStats & { written: number }> {
  if (opts.sample !== undefined) {
    const s = new Sampler(opts.sample, opts.seed, opts.firstIndex ?? 0);
    for await (const buf of chunks) scanLines(buf, counts, s);
    const written = await s.finish(opts.sampleOrder ?? 'random', sink, opts.onKey);
    return { rows: s.rows, mode: 'memory', runs: 0, merges: 0, temp_bytes: 0, written };
  }
  const sh = new Shuffler(opts);
  try {
    for await (const buf of chunks) scanLines(buf, counts, sh);
    await sh.finish(sink, opts.onKey);
  } finally {
    sh.dispose();
  }
  return { ...sh.stats, written: sh.stats.rows };
}
