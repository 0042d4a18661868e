/**
 * The parquet fast path: one row group → NDJSON bytes, straight from the column chunks.
 *
 * - parquet-fast-plan.ts: from the schema, the leaves to read and the tree the writer walks (or
 *   why the fast path cannot read these columns);
 * - parquet-pages.ts: a column chunk's pages → levels and values, with parquet-levels.ts (the
 *   RLE/bit-packed hybrid) and one module per value encoding (parquet-encoding-*.ts);
 * - parquet-row-writer.ts: the levels walked row by row (Dremel record assembly) into JSON bytes,
 *   strings escaped on their UTF-8 bytes (json-escape.ts, WebAssembly SIMD by default);
 * - hyparquet-internals.ts: the few private hyparquet functions used (page headers, DECIMAL,
 *   FLOAT16, DELTA_BINARY_PACKED).
 *
 * The column chunk bytes are read through the same AsyncBuffer (so HTTP range reads keep working).
 *
 * Why: hyparquet's `parquetRead` builds a JS string per cell, arrays and objects per row
 * (assembleLists/invertStruct), which we then serialised again. On the 32 MB chat corpus
 * (bench/hf-fetch.mjs, one thread, snappy) that path spent 1.7 s CPU of which 21 % was garbage
 * collection and ~60 % assembly + re-serialisation; this path writes the same bytes with no
 * per-cell garbage: 0.82 s CPU for the same file, and 3.2–4.7× the naive hyparquet reader
 * instead of 0.7–1.2× (figures in the README's "Performance" section).
 *
 * What it does not support is decided from the schema before anything is read (`planFast` returns
 * the reason), and anything odd found while decoding (a malformed page, an unexpected encoding)
 * throws `Unsupported` before a byte is written; the caller then reads that row group with
 * hyparquet, so the output is byte-identical to the hyparquet path for every file.
 */
import type { AsyncBuffer, ColumnMetaData, FileMetaData } from 'hyparquet';
import { loadWasmEscaper } from './json-escape.js';
import type { ColumnData } from './parquet-column-data.js';
import { EMPTY_BIGINT64, EMPTY_FLOAT64, EMPTY_INT32 } from './parquet-column-data.js';
import { ReadFailure, Unsupported } from './parquet-fast-errors.js';
import type { FastPlan, LeafSpec } from './parquet-fast-plan.js';
import { type Decompress, decodeColumnChunk } from './parquet-pages.js';
import { RowWriter } from './parquet-row-writer.js';

export { ReadFailure, Unsupported } from './parquet-fast-errors.js';
export { type FastPlan, planFast, type SchemaNode } from './parquet-fast-plan.js';
export type { Decompress } from './parquet-pages.js';

/** Counters: row groups written by the fast path, and those that fell back (with why). */
export const fastStats = { fast: 0, fallback: 0, reasons: new Map<string, number>() };

export function noteFallback(reason: string): void {
  fastStats.fallback++;
  fastStats.reasons.set(reason, (fastStats.reasons.get(reason) ?? 0) + 1);
}

/** The stamp's text around the row index (`,"meta":{…"source":"…#` and `"…}`). */
export interface MetaParts {
  head: Uint8Array;
  tail: Uint8Array;
}

/** Read the column chunks of the plan's leaves in row group `rowGroup` (one read when they are close together). */
async function readColumnChunks(file: AsyncBuffer, md: FileMetaData, plan: FastPlan, rowGroup: number): Promise<{ metas: ColumnMetaData[]; bytes: Uint8Array[] }> {
  const rg = md.row_groups[rowGroup];
  const chunks: ColumnMetaData[] = [];
  for (const c of rg.columns) {
    const m = c.meta_data;
    if (c.file_path) throw new Unsupported('column chunk in another file');
    if (!m) throw new Unsupported('no column metadata');
    if (plan.columnNames.has(m.path_in_schema[0])) chunks.push(m);
  }
  const byPath = new Map(chunks.map((m) => [m.path_in_schema.join('\u0000'), m]));
  // In schema order, as plan.leaves.
  const metas = plan.leaves.map((l) => {
    const m = byPath.get(l.path.join('\u0000'));
    if (!m) throw new Unsupported(`no column chunk for ${l.path.join('.')}`);
    return m;
  });
  const ranges = metas.map((m) => {
    const start = Number(m.dictionary_page_offset || m.data_page_offset);
    return [start, start + Number(m.total_compressed_size)] as const;
  });
  const lo = Math.min(...ranges.map((r) => r[0]));
  const hi = Math.max(...ranges.map((r) => r[1]));
  const span = ranges.reduce((s, r) => s + r[1] - r[0], 0);
  try {
    if (hi - lo <= span + (1 << 20)) {
      const all = new Uint8Array(await file.slice(lo, hi));
      return { metas, bytes: ranges.map((r) => all.subarray(r[0] - lo, r[1] - lo)) };
    }
    const parts = await Promise.all(ranges.map((r) => file.slice(r[0], r[1])));
    return { metas, bytes: parts.map((p) => new Uint8Array(p)) };
  } catch (e) {
    // Not a reason to read again with hyparquet (a flaky network would be retried twice over).
    throw new ReadFailure(e);
  }
}

/**
 * Read one row group and write rows [0, rows) of it as NDJSON (each line ends with `\n`).
 * `meta`: the stamp's text around the row index, or undefined for --no-meta.
 * Throws `Unsupported` when the fast path cannot read it (nothing has been written then).
 */
export async function fastRowGroup(
  file: AsyncBuffer,
  md: FileMetaData,
  plan: FastPlan,
  rowGroup: number,
  rows: number,
  firstRow: number,
  meta: MetaParts | undefined,
  decompressors: Record<string, Decompress | undefined>,
): Promise<Uint8Array> {
  const rowsInGroup = Number(md.row_groups[rowGroup].num_rows);
  const chunks = await readColumnChunks(file, md, plan, rowGroup);
  const columns = plan.leaves.map((spec, i) => decodeColumnChunk(chunks.bytes[i], spec, chunks.metas[i], decompressors, i));
  for (const d of columns) {
    let roots = d.entryCount;
    if (d.repetitionLevels) {
      roots = 0;
      for (let k = 0; k < d.entryCount; k++) if (d.repetitionLevels[k] === 0) roots++;
    }
    if (roots !== rowsInGroup) throw new Unsupported(`${d.spec.path.join('.')}: ${roots} rows for ${rowsInGroup}`);
  }
  const w = new RowWriter(columns, outputEstimate(columns, rows, plan, meta), plan.wasmEscaper ? loadWasmEscaper() : undefined);
  const n = plan.columns.length;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < n; c++) {
      w.put(plan.columnKeys[c]);
      w.node(plan.columns[c], plan.plain[c]);
    }
    if (meta) {
      w.put(meta.head);
      w.int(firstRow + r);
      w.put(meta.tail);
    }
    w.byte(0x7d);
    w.byte(0x0a);
  }
  // The levels of the columns must line up (else the file is malformed: hyparquet decides).
  const whole = rows === rowsInGroup;
  for (const d of columns)
    if (whole ? d.entryCursor !== d.entryCount || d.valueCursor !== d.valueCount : d.entryCursor > d.entryCount || d.valueCursor > d.valueCount)
      throw new Unsupported(`${d.spec.path.join('.')}: levels do not line up with the other columns`);
  return w.result();
}

/** A first guess of a row group's NDJSON size (the writer grows its buffer past it when needed). */
function outputEstimate(columns: ColumnData[], rows: number, plan: FastPlan, meta: MetaParts | undefined): number {
  let n = 1024 + rows * (2 + plan.columnKeys.reduce((s, k) => s + k.length, 0) + (meta ? meta.head.length + meta.tail.length + 10 : 0));
  for (const d of columns) {
    n += d.entryCount * 8;
    if (d.spec.kind === 'string' || d.spec.kind === 'binary') {
      let s = 0;
      for (let i = 0; i < d.valueCount; i++) s += d.lengths[i];
      n += d.spec.kind === 'binary' ? Math.ceil(s * 1.4) : Math.ceil(s * 1.05);
    } else n += d.valueCount * 16;
  }
  return n;
}

/**
 * The JSON string (with its quotes) the fast path writes for a string cell holding these bytes,
 * by the WebAssembly escaper or the JS loop (for tests: it must equal JSON.stringify of the
 * TextDecoder-decoded string).
 */
export function jsonStringBytes(bytes: Uint8Array, wasm: boolean): Uint8Array {
  const spec: LeafSpec = { kind: 'string', decimalFactor: 1, fixedWidth: 0, physicalType: 'BYTE_ARRAY', path: ['s'], maxDefinitionLevel: 0, maxRepetitionLevel: 0 };
  const column: ColumnData = {
    spec,
    definitionLevels: undefined,
    repetitionLevels: undefined,
    entryCount: 1,
    valueCount: 1,
    entryCursor: 0,
    valueCursor: 0,
    bytes,
    wasmOffset: -1,
    starts: Int32Array.of(0),
    lengths: Int32Array.of(bytes.length),
    ints: EMPTY_INT32,
    floats: EMPTY_FLOAT64,
    bigints: EMPTY_BIGINT64,
  };
  const w = new RowWriter([column], 16, wasm ? loadWasmEscaper() : undefined);
  w.value(column);
  return w.result();
}
