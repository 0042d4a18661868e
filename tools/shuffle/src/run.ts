import { tmpdir } from 'node:os';
import type { ToolContext } from '@ldt/cli';
import { UsageError } from '@ldt/errors';
import { readLineChunks, readRows } from '@ldt/ndjson';
import { shuffleStream } from './api.js';
import { type LineCounts, scanLines } from './keys.js';
import { checkShards, KeysWriter, mergeShards, readKeysInfo } from './sharded.js';

/** Everything a shuffle run needs: the CLI options, typed, with defaults applied. */
export interface ShuffleRunOptions {
  seed: number;
  /** Memory budget in bytes (rows plus 24 bytes of index per row). */
  memory: number;
  /** Parent of the private run directory (default $TMPDIR, else the OS temporary directory). */
  tmpDir?: string;
  /** Parse every row and require a JSON object. */
  validate: boolean;
  /** Keep only this many rows, chosen uniformly. */
  sample?: number;
  sampleOrder: 'random' | 'input';
  /** Sharded form: the global index of the input's first row (the rows before this shard). */
  firstIndex?: number;
  /** Sharded form: write the key and index of every row written to this file, for `shuffle merge`. */
  keysOut?: string;
}

/**
 * Shuffle (or sample) the rows of `ctx.inputs` to `ctx.out`; in the sharded form also write the
 * keys file for `runMerge`. Counts and notes go to `ctx.report`.
 */
export async function runShuffle(o: ShuffleRunOptions, ctx: ToolContext): Promise<void> {
  const { report, out } = ctx;
  if (o.keysOut !== undefined && o.sample !== undefined && o.sampleOrder === 'input')
    throw new UsageError('--keys-out writes the shard in key order; --sample-order input goes to shuffle merge instead', 'drop --sample-order input here');
  const dir = o.tmpDir ?? (ctx.io.env.TMPDIR || tmpdir());
  const first = o.firstIndex ?? 0;
  const keys = o.keysOut === undefined ? undefined : new KeysWriter(ctx.openOutputFile(o.keysOut), { seed: o.seed, first_index: first, sample: o.sample ?? null });

  async function* opaque(): AsyncGenerator<Buffer> {
    for await (const chunk of readLineChunks(ctx.inputs, ctx.readOptions)) yield chunk.buf;
  }
  async function* validated(): AsyncGenerator<Buffer> {
    for await (const batch of readRows(ctx.inputs, ctx.readOptions)) yield Buffer.from(`${batch.map((r) => r.raw).join('\n')}\n`);
  }
  // With --validate, readRows counts lines and blank lines into report.counts; the scanner then sees only rows.
  const counts = o.validate ? { lines: 0, blank: 0 } : report.counts;
  const res = await shuffleStream(
    o.validate ? validated() : opaque(),
    { seed: o.seed, memory: o.memory, tmpdir: dir, sample: o.sample, sampleOrder: o.sampleOrder, firstIndex: first, onKey: keys?.add },
    counts,
    async (buf) => {
      out.pushBytes(buf);
      await out.flush();
      await keys?.flush();
      await report.flushSinks();
    },
  );
  await keys?.end(res.rows);
  report.written = res.written;
  if (o.sample !== undefined) {
    report.notes.sampled = res.written;
    // Rows left out of the sample are counted as dropped, so read = written + dropped holds.
    if (res.rows > res.written) report.dropped.set('not_sampled', res.rows - res.written);
  } else {
    report.notes.mode = res.mode;
    report.notes.runs = res.runs;
    report.notes.merges = res.merges;
    report.notes.temp_bytes = res.temp_bytes;
    if (res.mode === 'external') ctx.summaryExtra.push(`external: ${res.runs} sorted runs, ${res.merges} merge${res.merges === 1 ? '' : 's'}`);
  }
  report.notes.seed = o.seed;
  if (o.firstIndex !== undefined) report.notes.first_index = first;
  if (o.keysOut !== undefined) ctx.summaryExtra.push(`rows ${first} to ${first + res.rows - 1}; keys in ${o.keysOut}`);
}

/** Options of `shuffle merge`. */
export interface MergeRunOptions {
  seed: number;
  /** Write only the first N rows of the merged shuffle (the shards must hold at least N rows each, or all). */
  sample?: number;
  sampleOrder: 'random' | 'input';
}

/**
 * `shuffle merge`: `ctx.inputs` are pairs ROWS KEYS of shards (each written by `runShuffle` with
 * `firstIndex` and `keysOut`), in input order; write their rows merged by (key, index) to
 * `ctx.out` — the output of one shuffle over the concatenated shards.
 */
export async function runMerge(o: MergeRunOptions, ctx: ToolContext): Promise<void> {
  const args = ctx.inputs;
  if (args.length === 0 || args.length % 2 !== 0)
    throw new UsageError(`expected pairs ROWS KEYS (each shard's output and its --keys-out file); got ${args.length} argument${args.length === 1 ? '' : 's'}`);
  if (args.includes('-')) throw new UsageError('shuffle merge reads files, not standard input');
  const shards = [];
  for (let k = 0; k < args.length; k += 2) shards.push(readKeysInfo(args[k + 1], args[k]));
  checkShards(shards, o.seed, o.sample);
  const { report, out } = ctx;
  const res = await mergeShards(shards, { sample: o.sample, sampleOrder: o.sampleOrder }, async (buf) => {
    out.pushBytes(buf);
    await out.flush();
  });
  report.counts.lines = res.shard_rows;
  report.written = res.written;
  if (res.shard_rows > res.written) report.dropped.set('not_sampled', res.shard_rows - res.written);
  report.notes.seed = o.seed;
  report.notes.shards = shards.length;
  report.notes.input_rows = res.rows;
  if (o.sample !== undefined) report.notes.sampled = res.written;
  ctx.summaryExtra.push(`merged ${shards.length} shard${shards.length === 1 ? '' : 's'} of ${res.rows} rows in all`);
}

/**
 * `shuffle offsets`: for each input, the number of rows before it (the `--first-index` of that
 * shard) and its name, one `N<TAB>FILE` line each, counting rows as shuffle does (blank lines are
 * not rows).
 */
export async function runOffsets(ctx: ToolContext): Promise<void> {
  const { report, out } = ctx;
  report.audit = true;
  const none = { add() {} };
  for (const input of ctx.inputs) {
    const counts: LineCounts = { lines: 0, blank: 0 };
    for await (const chunk of readLineChunks([input], ctx.readOptions)) scanLines(chunk.buf, counts, none);
    out.push(`${report.counts.lines}\t${input}`);
    report.counts.lines += counts.lines;
    report.counts.blank += counts.blank;
    await out.flush();
  }
  ctx.summaryExtra.push(`${ctx.inputs.length} file${ctx.inputs.length === 1 ? '' : 's'}`);
}
