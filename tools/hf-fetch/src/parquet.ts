import { DataError, LdtError } from '@ldt/errors';
import type { AsyncBuffer, FileMetaData, ParquetParsers } from 'hyparquet';
import { jsonValue } from './json.js';
import { guardedRowGroupFile } from './pageguard.js';
import { type Decompress, type FastPlan, fastRowGroup, fastStats, noteFallback, planFast, ReadFailure, Unsupported } from './parquet-fast.js';
import type { Stamp } from './stamp.js';
import { dateText, isoFrom } from './times.js';

export { fastStats } from './parquet-fast.js';

/**
 * Which reader decodes row groups: `auto` (the fast path of parquet-fast.ts, falling back to
 * hyparquet for what it does not support) or `hyparquet` only (for comparisons and as an escape
 * hatch; the CLI takes it from `LDT_HF_PARQUET=hyparquet`).
 */
export type ParquetEngine = 'auto' | 'hyparquet';

/** Options for `readParquet`. */
export interface ParquetReadOptions {
  /** The file as named in messages (repository path or local path). */
  display: string;
  /** Top-level columns to keep, in this order (default: all, in file order). */
  columns?: readonly string[];
  /** Stop after this many rows (default: all). */
  limit?: number;
  stamp: Stamp;
  /** Called once per row group read, with its compressed byte size (for progress). */
  onRowGroup?: (bytes: number) => void;
  /** Default `auto`. */
  engine?: ParquetEngine;
  /** The fast path escapes strings with WebAssembly (default true; false: the JavaScript loop, same bytes; the CLI: `LDT_HF_WASM=0`). */
  wasmEscaper?: boolean;
  /**
   * `readParquetParallel`: below this many uncompressed bytes of row groups the file is read on
   * the main thread alone (default `PARALLEL_MIN_BYTES`; the CLI: `LDT_HF_PARALLEL_MIN_BYTES`).
   */
  parallelMinBytes?: number;
}

/** The settings of `ParquetReadOptions` that tune how (not what) hf-fetch reads: the CLI reads them from the environment. */
export type ParquetTuning = Pick<ParquetReadOptions, 'engine' | 'wasmEscaper' | 'parallelMinBytes'>;

/**
 * Parquet logical types to JSON-friendly values: timestamps and dates become ISO-8601 strings at
 * their full stored precision (hyparquet's default parsers make `Date`s, which drop micro- and
 * nanoseconds), so rows never depend on the local time zone.
 */
const parsers: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (ms: bigint) => isoFrom(ms, 1000n, 3),
  timestampFromMicroseconds: (us: bigint) => isoFrom(us, 1_000_000n, 6),
  timestampFromNanoseconds: (ns: bigint) => isoFrom(ns, 1_000_000_000n, 9),
  dateFromDays: dateText,
} as unknown as Partial<ParquetParsers>;

let basePromise: Promise<Record<string, unknown>> | undefined;
let zstdPromise: Promise<Decompress> | undefined;
/** hyparquet-compressors (importing it instantiates hysnappy's WebAssembly: ~60 ms here). */
function loadBase(): Promise<Record<string, unknown>> {
  basePromise ??= import('hyparquet-compressors').then((m) => m.compressors as Record<string, unknown>);
  return basePromise;
}
/** ZSTD pages go to ldt's one zstd decoder (@ldt/ndjson `zstdDecompressor`: zstddec, the zstd library as WebAssembly; figures there) instead of the pure-JS fzstd of hyparquet-compressors. */
function loadZstd(): Promise<Decompress> {
  zstdPromise ??= import('@ldt/ndjson').then((m) => m.zstdDecompressor());
  return zstdPromise;
}

/**
 * Decompressors for the given codecs only (each library is loaded on first use): hyparquet-
 * compressors for snappy (hysnappy, WebAssembly: 47 ms for the 30 MB of pages of the bench's
 * 32 MB corpus against 111 ms for hyparquet's pure-JS snappy), gzip, brotli, lz4, lz4_raw; zstd by
 * @ldt/ndjson's decoder.
 */
async function loadCompressors(codecs?: Iterable<string>): Promise<Record<string, Decompress | undefined>> {
  const need = new Set(codecs ?? ['SNAPPY', 'GZIP', 'BROTLI', 'ZSTD', 'LZ4', 'LZ4_RAW']);
  need.delete('UNCOMPRESSED');
  const out: Record<string, Decompress | undefined> = {};
  if (need.has('ZSTD')) out.ZSTD = await loadZstd();
  need.delete('ZSTD');
  if (need.size > 0) {
    const base = await loadBase();
    for (const c of need) if (base[c]) out[c] = base[c] as Decompress;
  }
  return out;
}

/** Read the footer (one ranged read of the tail, plus one more if the footer is larger). */
export async function readParquetMetadata(file: AsyncBuffer, display: string): Promise<FileMetaData> {
  const { parquetMetadataAsync, parquetSchema } = await import('hyparquet');
  try {
    const md = await parquetMetadataAsync(file);
    // Malformed schemas and row group lists fail here, with the footer named, not later.
    const tree = parquetSchema(md) as unknown as SchemaNode;
    // A name is required of every schema element (a footer without one was read as column
    // "undefined": found by a long property run).
    for (const [i, el] of md.schema.entries()) if (typeof el.name !== 'string') throw new Error(`schema element ${i} has no name`);
    // Every row has at least one value (or null/empty level) in each leaf column, so a row group's
    // row count is at most each column chunk's value count: a footer that says otherwise is altered.
    for (const [i, rg] of md.row_groups.entries()) {
      const rows = Number(rg.num_rows);
      if (!Number.isSafeInteger(rows) || rows < 0) throw new Error(`row group ${i} has an invalid row count`);
      for (const c of rg.columns) {
        const values = Number(c.meta_data?.num_values);
        if (!c.meta_data || !Number.isSafeInteger(values) || values < rows) throw new Error(`row group ${i}: a column chunk with missing or too few values for its ${rows} rows`);
        // hyparquet looks each chunk's column up while it starts the reads of the others: a path
        // not in the schema threw there and left those reads' failures unhandled, which ended
        // the process with a stack trace (found by a long property run).
        let node: SchemaNode | undefined = tree;
        for (const part of c.meta_data.path_in_schema ?? []) node = node?.children.find((ch) => ch.element.name === part);
        if (!node || node === tree) throw new Error(`row group ${i}: a column chunk of column ${JSON.stringify(c.meta_data.path_in_schema)}, which is not in the schema`);
      }
    }
    return md;
  } catch (e) {
    throw wrap(e, display, 'cannot read the parquet footer');
  }
}

interface SchemaNode {
  element: { name: string; type?: string; converted_type?: string; logical_type?: { type: string } };
  children: SchemaNode[];
}

/**
 * True when every value of a column is plain JSON for `JSON.stringify` (strings, booleans, int32
 * numbers, and lists/structs of them): such cells skip the per-value type checks of `jsonValue`
 * (native stringify of a chat `messages` list was ~1.7× faster than walking it in JS here).
 * INT64 (BigInt), floats (NaN/Infinity), binary and INT96 values need `jsonValue`.
 */
function plainJson(n: SchemaNode): boolean {
  if (n.children.length > 0) return n.children.every(plainJson);
  const { type, converted_type: ct, logical_type: lt } = n.element;
  if (type === 'BOOLEAN') return true;
  if (type === 'INT32') return lt?.type !== 'FLOAT16' && ct !== 'DECIMAL' && lt?.type !== 'DECIMAL';
  if (type === 'BYTE_ARRAY') return ct === 'UTF8' || ct === 'ENUM' || lt?.type === 'STRING' || lt?.type === 'ENUM';
  return false;
}

/** Top-level column names of a parquet file, in file order. */
export async function parquetColumns(metadata: FileMetaData): Promise<string[]> {
  const { parquetSchema } = await import('hyparquet');
  return parquetSchema(metadata).children.map((c) => c.element.name);
}

/** What every row group of one read shares: the footer, the columns kept and how to write them. */
export interface ParquetPlan {
  md: FileMetaData;
  cols: string[];
  plain: boolean[];
  keys: string[];
  metaCol: number;
  /** [start, end) rows and the index of each row group to read, in file order (empty groups and those past --limit left out). */
  groups: [number, number, number][];
  /** The fast path's plan, or why it cannot read these columns. */
  fast: FastPlan | string;
}

/** Check the columns and plan the row groups to read (`limit` cuts the last one short). */
export async function planParquet(md: FileMetaData, display: string, columns?: readonly string[], limit?: number, tuning: ParquetTuning = {}): Promise<ParquetPlan> {
  const { parquetSchema } = await import('hyparquet');
  const tops = (parquetSchema(md) as unknown as SchemaNode).children;
  const all = tops.map((t) => t.element.name);
  const cols = columns ? [...columns] : all;
  if (columns) {
    const missing = columns.filter((c) => !all.includes(c));
    if (missing.length > 0)
      throw new LdtError(`${display}: no column ${missing.map((m) => JSON.stringify(m)).join(', ')} in this parquet file`, `its columns are: ${all.join(', ')}`);
  }
  const groups: [number, number, number][] = [];
  let groupStart = 0;
  let left = limit ?? Number.POSITIVE_INFINITY;
  for (const [index, rg] of md.row_groups.entries()) {
    const n = Number(rg.num_rows);
    const start = groupStart;
    groupStart += n;
    if (left <= 0) break;
    if (n === 0) continue;
    const take = Math.min(n, left);
    groups.push([start, start + take, index]);
    left -= take;
  }
  const plain = cols.map((c) => plainJson(tops[all.indexOf(c)]));
  return {
    md,
    cols,
    fast:
      tuning.engine === 'hyparquet'
        ? 'hyparquet engine chosen'
        : planFast(parquetSchema(md) as unknown as Parameters<typeof planFast>[0], cols, plain, { wasmEscaper: tuning.wasmEscaper }),
    plain,
    keys: cols.map((c, j) => `${j === 0 ? '{' : ','}${JSON.stringify(c)}:`),
    metaCol: cols.indexOf('meta'),
    groups,
  };
}

/** Decode rows [start, end) of one row group and serialise them as NDJSON lines (without line ends). */
export async function rowGroupLines(file: AsyncBuffer, plan: ParquetPlan, start: number, end: number, stamp: Stamp, display: string): Promise<string[]> {
  const { parquetRead } = await import('hyparquet');
  const compressors = await loadCompressors();
  const { cols, keys, plain, metaCol } = plan;
  const data = new Map<string, { rowStart: number; columnData: ArrayLike<unknown> }[]>();
  try {
    // The row group that holds `start` (rows of one group only: callers read group by group).
    let group = 0;
    let first = 0;
    for (; group < plan.md.row_groups.length; group++) {
      const n = Number(plan.md.row_groups[group].num_rows);
      if (start < first + n) break;
      first += n;
    }
    await parquetRead({
      file: group < plan.md.row_groups.length ? guardedRowGroupFile(file, plan.md, group, first, display) : file,
      metadata: plan.md,
      columns: cols,
      rowStart: start,
      rowEnd: end,
      compressors: compressors as never,
      parsers,
      // Binary without a string annotation stays bytes (written as base64), never lossy UTF-8.
      utf8: false,
      onChunk: (c) => {
        let list = data.get(c.columnName);
        if (!list) data.set(c.columnName, (list = []));
        list.push({ rowStart: c.rowStart, columnData: c.columnData as ArrayLike<unknown> });
      },
    });
  } catch (e) {
    throw wrap(e, display, `cannot read row group at row ${start}`);
  }
  // Column arrays for [start, end): concatenate the chunks of each column once.
  const arrays = cols.map((name) => columnSlice(data.get(name) ?? [], start, end, display, name));
  const lines: string[] = new Array(end - start);
  const ncol = cols.length;
  for (let r = 0; r < end - start; r++) {
    const rowIndex = start + r;
    let s = '';
    for (let c = 0; c < ncol; c++) {
      const v = arrays[c][r];
      s += keys[c] + (c === metaCol && stamp.enabled ? jsonValue(stamp.merge(v, rowIndex, display)) : plain[c] ? (v === undefined ? 'null' : JSON.stringify(v)) : jsonValue(v));
    }
    if (ncol === 0) s = '{';
    if (stamp.enabled && metaCol < 0) s += `${ncol === 0 ? '' : ','}"meta":${stamp.metaText(rowIndex)}`;
    lines[r] = `${s}}`;
  }
  return lines;
}

const encoder = new TextEncoder();

/**
 * One row group (rows [start, end) of the file, row group `index`) as NDJSON bytes: by the fast
 * path when the plan allows it, else — or when the fast path finds something it does not support
 * in this row group — by hyparquet (`rowGroupLines`). Both give the same bytes.
 */
export async function rowGroupBytes(file: AsyncBuffer, plan: ParquetPlan, group: readonly [number, number, number], stamp: Stamp, display: string): Promise<TextChunk> {
  const [start, end, index] = group;
  const fp = plan.fast;
  // An existing meta column merged with the stamp goes through Stamp.merge (hyparquet path).
  if (typeof fp !== 'string' && !(stamp.enabled && plan.metaCol >= 0)) {
    try {
      const compressors = await loadCompressors(plan.md.row_groups[index].columns.map((c) => String(c.meta_data?.codec)));
      let meta: { head: Uint8Array; tail: Uint8Array } | undefined;
      if (stamp.enabled) {
        const [head, tail] = stamp.parts;
        meta = { head: encoder.encode(`,"meta":${head}`), tail: encoder.encode(tail) };
      }
      const bytes = await fastRowGroup(file, plan.md, fp, index, end - start, start, meta, compressors);
      fastStats.fast++;
      return { bytes, rows: end - start };
    } catch (e) {
      if (e instanceof ReadFailure) throw wrap(e.error, display, `cannot read row group at row ${start}`);
      // Anything the fast path cannot do (or a corrupt page): hyparquet reads the group, and
      // reports the error if there is one.
      noteFallback(e instanceof Unsupported ? e.message : `error: ${(e as Error)?.message ?? e}`);
    }
  } else noteFallback(typeof fp === 'string' ? fp : 'meta column merged with the stamp');
  const lines = await rowGroupLines(file, plan, start, end, stamp, display);
  return { bytes: encoder.encode(`${lines.join('\n')}\n`), rows: lines.length };
}

/**
 * Stream a parquet file as NDJSON bytes, one row group at a time (bounded memory: about one row
 * group of column chunks and its NDJSON). Yields one chunk per row group.
 */
export async function* readParquetChunks(file: AsyncBuffer, opts: ParquetReadOptions, metadata?: FileMetaData): AsyncGenerator<TextChunk> {
  const md = metadata ?? (await readParquetMetadata(file, opts.display));
  const plan = await planParquet(md, opts.display, opts.columns, opts.limit, opts);
  for (const g of plan.groups) yield await rowGroupBytes(file, plan, g, opts.stamp, opts.display);
}

const decoder = new TextDecoder();

/** The same as `readParquetChunks`, as lines (without line ends): one batch per row group. */
export async function* readParquet(file: AsyncBuffer, opts: ParquetReadOptions, metadata?: FileMetaData): AsyncGenerator<string[]> {
  for await (const c of readParquetChunks(file, opts, metadata)) {
    const lines = decoder.decode(c.bytes).split('\n');
    lines.pop();
    yield lines;
  }
}

/** One row group's NDJSON, as bytes (from a worker thread). */
export interface TextChunk {
  bytes: Uint8Array;
  rows: number;
}

/**
 * The same as `readParquetChunks` for a local file, with row groups decoded and serialised in
 * `threads` worker threads and written in file order (byte-identical output for any thread
 * count). At most threads + 1 row groups are in flight, which bounds memory.
 */
export async function* readParquetParallel(path: string, opts: ParquetReadOptions & { threads: number }): AsyncGenerator<TextChunk> {
  const { asyncBufferFromFile } = await import('hyparquet');
  const { orderedWorkerMap } = await import('@ldt/ndjson');
  const md = await readParquetMetadata(await asyncBufferFromFile(path), opts.display);
  const plan = await planParquet(md, opts.display, opts.columns, opts.limit, opts);
  const workerData: WorkerJob = {
    path,
    display: opts.display,
    columns: opts.columns ? [...opts.columns] : undefined,
    source: opts.stamp.source,
    license: opts.stamp.license,
    registry: opts.stamp.registry,
    engine: opts.engine,
    wasmEscaper: opts.wasmEscaper,
  };
  const file = await asyncBufferFromFile(path);
  const bytes = plan.groups.reduce((n, g) => n + Number(md.row_groups[g[2]].total_byte_size), 0);
  if (opts.threads <= 1 || plan.groups.length <= 1 || bytes < (opts.parallelMinBytes ?? PARALLEL_MIN_BYTES)) {
    // One row group, one thread, or too little to read: no worker is worth its start-up.
    for (const g of plan.groups) yield await rowGroupBytes(file, plan, g, opts.stamp, opts.display);
    return;
  }
  // The main thread is one of the `threads`: it reads every threads-th row group itself (between
  // writes, which are asynchronous) and threads - 1 workers read the others. A worker costs its
  // own start-up (modules, WebAssembly) and memory; the main thread was otherwise idle. On the
  // bench's 32 MB corpus (2 row groups) two workers were slower than one thread (1.05 s against
  // 0.84 s, snappy); with the main thread as one of the two the second group overlaps for free.
  const onMain = (i: number) => i % opts.threads === 0;
  async function* items(): AsyncGenerator<[number, number, number]> {
    for (const [i, g] of plan.groups.entries()) if (!onMain(i)) yield g;
  }
  const pool = orderedWorkerMap<[number, number, number], TextChunk>(items(), new URL('./parquet-worker.js', import.meta.url), {
    workers: opts.threads - 1,
    inflight: opts.threads,
    workerData,
  });
  // Ask for the pool's next result at once, so that its workers start (and keep busy) while the
  // main thread reads its own row groups; a failure is reported when that result is due.
  const ahead = () => {
    const p = pool.next();
    p.catch(() => {});
    return p;
  };
  let next = ahead();
  try {
    for (const [i, g] of plan.groups.entries()) {
      if (onMain(i)) {
        yield await rowGroupBytes(file, plan, g, opts.stamp, opts.display);
        continue;
      }
      const r = await next;
      if (r.done) throw new Error(`${opts.display}: worker threads ended early`);
      next = ahead();
      yield r.value;
    }
  } catch (e) {
    const err = e as Error;
    // Worker errors arrive as plain Errors: keep the message (it names the file), as a DataError.
    throw err instanceof LdtError
      ? err
      : new DataError(
          err.message,
          undefined,
          err.name === 'LdtError' || err.name === 'DataError' ? undefined : 'the file is not valid parquet, is truncated, or uses a feature hyparquet does not support',
        );
  } finally {
    await pool.return(undefined);
  }
}

/**
 * Below this many uncompressed bytes of row groups a file is read on the main thread alone: a
 * worker's start-up (its modules and WebAssembly: 0.2–0.5 s of CPU here) costs more than it saves.
 * The bench's 32 MB corpus (2 row groups, 30 MB) took 0.66 s with one thread and 0.69 s (snappy) /
 * 0.91 s (zstd) with a worker; its 256 MB corpus (10 row groups) 2.2–2.6 s with one thread and
 * 1.8–2.2 s with a worker. `ParquetReadOptions.parallelMinBytes` changes it (the tests use 0).
 */
export const PARALLEL_MIN_BYTES = 64 * 2 ** 20;

/** What each worker thread is told about the file. */
export interface WorkerJob {
  path: string;
  display: string;
  columns?: string[];
  source?: string;
  license?: string;
  /** `meta.registry` (`"off"` under --no-registry). */
  registry?: string;
  engine?: ParquetEngine;
  wasmEscaper?: boolean;
}

function columnSlice(chunks: { rowStart: number; columnData: ArrayLike<unknown> }[], start: number, end: number, display: string, name: string): ArrayLike<unknown> {
  if (chunks.length === 1 && chunks[0].rowStart === start && chunks[0].columnData.length >= end - start) return chunks[0].columnData;
  const out: unknown[] = new Array(end - start);
  let filled = 0;
  for (const ch of chunks.sort((a, b) => a.rowStart - b.rowStart)) {
    for (let i = 0; i < ch.columnData.length; i++) {
      const row = ch.rowStart + i;
      if (row >= start && row < end) {
        out[row - start] = ch.columnData[i];
        filled++;
      }
    }
  }
  if (filled !== end - start)
    throw new DataError(`${display}: column ${JSON.stringify(name)} decoded ${filled} values for ${end - start} rows at row ${start}`, undefined, 'the file may be corrupt');
  return out;
}

function wrap(e: unknown, display: string, what: string): Error {
  if (e instanceof LdtError) return e;
  // hyparquet's own errors say what is wrong ("thrift ..."); a TypeError or RangeError is the
  // decoder tripping over malformed bytes, and its text ("Cannot destructure property 'type' of
  // ...") would only confuse: say the file is malformed instead.
  const internal = e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError || !(e instanceof Error);
  // An enum code outside the format's range reaches hyparquet's messages as "undefined"
  // ("parquet unsupported encoding: undefined", found by a long property run): say what it is.
  const msg = internal ? 'malformed metadata or pages' : (e as Error).message.replace(/\bundefined\b/g, 'a code outside the parquet format');
  return new DataError(`${display}: ${what}: ${msg}`, undefined, 'the file is not valid parquet, is truncated, or uses a feature hyparquet does not support');
}
