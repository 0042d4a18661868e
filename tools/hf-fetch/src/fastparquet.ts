/**
 * The parquet fast path: one row group → NDJSON bytes, straight from the column chunks.
 *
 * It reads the column chunk bytes through the same AsyncBuffer (so HTTP range reads keep
 * working), parses page headers with hyparquet's Thrift reader, decompresses each page into one
 * buffer per column, decodes repetition/definition levels (RLE/bit-packed hybrid) and values
 * (PLAIN, PLAIN_DICTIONARY, RLE_DICTIONARY, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
 * DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT; data pages v1 and v2), and then walks the levels of
 * every column row by row (Dremel record assembly) writing JSON bytes into one output buffer:
 * string cells are copied from the decompressed page with JSON escaping done on the UTF-8 bytes
 * (WebAssembly SIMD, escape.wat), never decoded into JS strings, and no per-row or per-cell JS
 * object is built.
 *
 * Why: hyparquet's `parquetRead` builds a JS string per cell, arrays and objects per row
 * (assembleLists/invertStruct), which we then serialised again. On the 32 MB chat corpus
 * (bench/hf-fetch.mjs, one thread, snappy) that path spent 1.7 s CPU of which 21 % was garbage
 * collection and ~60 % assembly + re-serialisation; this path writes the same bytes with no
 * per-cell garbage: 0.82 s CPU for the same file, and 3.2–4.7× the naive hyparquet reader
 * instead of 0.7–1.2× (figures in the README's "Performance" section).
 *
 * What it does not support — times, JSON/ENUM/UUID/… annotations, MAP, 2-level or bare
 * repeated fields, VARIANT, other encodings (BIT_PACKED levels, BYTE_STREAM_SPLIT of bytes),
 * struct field names that JS objects would reorder or drop — is decided from the schema before anything is read (`planFast` returns the
 * reason), and anything odd found while decoding (a malformed page, an unexpected encoding)
 * throws `Unsupported` before a byte is written; the caller then reads that row group with
 * hyparquet, so the output is byte-identical to the hyparquet path for every file.
 */
import { readFileSync } from 'node:fs';
import type { AsyncBuffer, ColumnMetaData, FileMetaData, PageHeader } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { parseDecimal, parseFloat16 } from 'hyparquet/src/convert.js';
import { deltaBinaryUnpack } from 'hyparquet/src/delta.js';
import { dateText, isoFrom } from './times.js';

/** The fast path cannot read this row group (the caller falls back to hyparquet). */
export class Unsupported extends Error {}

/** Reading the file's bytes failed (the network, a truncated file): no fallback, the error is the file's. */
export class ReadFailure extends Error {
  constructor(readonly error: unknown) {
    super((error as Error)?.message ?? String(error));
  }
}

/** How a leaf column's values are written. */
type LeafKind = 'str' | 'bin' | 'i32' | 'u32' | 'i64' | 'u64' | 'f64' | 'f32' | 'bool' | 'date' | 'tsms' | 'tsus' | 'tsns' | 'd32' | 'd64' | 'bdec' | 'f16' | 'i96';
/** Kinds whose values are byte ranges (`starts`/`lens`). */
const BYTES = new Set<LeafKind>(['str', 'bin', 'bdec', 'f16', 'i96']);

interface LeafSpec {
  kind: LeafKind;
  /** DECIMAL: 10 ** -scale (hyparquet writes Number(unscaled) * this). */
  factor: number;
  /** Bytes of each value for FIXED_LEN_BYTE_ARRAY (type_length) and INT96 (12), else 0. */
  width: number;
  type: string;
  path: string[];
  maxDef: number;
  maxRep: number;
}

/** A node of a top-level column's schema, as the writer walks it. */
type FNode =
  | { t: 0; leaf: number; def: number; optional: boolean; first: number; leaves: number[] }
  | { t: 1; def: number; optional: boolean; first: number; leaves: number[]; keys: Uint8Array[]; children: FNode[] }
  | { t: 2; def: number; optional: boolean; first: number; leaves: number[]; elemDef: number; rep: number; elem: FNode };

/** What every row group of a file shares, for the fast path. */
export interface FastPlan {
  leaves: LeafSpec[];
  /** One node per kept top-level column, in output order. */
  tops: FNode[];
  /** Per kept column: `{"name":` / `,"name":` bytes. */
  keys: Uint8Array[];
  /** Per kept column: JSON.stringify (plain) semantics — a null struct/list field is left out of its object. */
  plain: boolean[];
  /** Top-level names (path_in_schema[0]) of the leaves to read. */
  colNames: Set<string>;
}

interface SchemaNode {
  element: {
    name: string;
    type?: string;
    repetition_type?: string;
    converted_type?: string;
    logical_type?: { type: string; bitWidth?: number; isSigned?: boolean };
    num_children?: number;
  };
  children: SchemaNode[];
}

const enc = new TextEncoder();

// As hyparquet's `convert` decides (its order: DECIMAL, DATE, TIMESTAMP_MILLIS/MICROS by converted
// type, unsigned integers, then the TIMESTAMP logical type), for what the fast path writes.
function leafKind(e: SchemaNode['element']): LeafKind | string {
  const ct = e.converted_type;
  const lt = e.logical_type;
  if (e.type === 'FIXED_LEN_BYTE_ARRAY' || e.type === 'BYTE_ARRAY') {
    if (ct === 'DECIMAL') return 'bdec';
    if (e.type === 'FIXED_LEN_BYTE_ARRAY') {
      if (ct === undefined && lt === undefined) return 'bin';
      if (ct === undefined && lt?.type === 'FLOAT16') return 'f16';
      return `FIXED_LEN_BYTE_ARRAY ${ct ?? lt?.type}`;
    }
  }
  if (e.type === 'INT96') return ct === undefined && lt === undefined ? 'i96' : `INT96 ${ct ?? lt?.type}`;
  if (e.type === 'INT32' || e.type === 'INT64') {
    const wide = e.type === 'INT64';
    if (ct === 'DECIMAL') return wide ? 'd64' : 'd32';
    if (ct === 'DATE' && !wide) return 'date';
    if (wide && ct === 'TIMESTAMP_MILLIS') return 'tsms';
    if (wide && ct === 'TIMESTAMP_MICROS') return 'tsus';
    if (wide && ct === undefined && lt?.type === 'TIMESTAMP') {
      const unit = (lt as { unit?: string }).unit;
      return unit === 'NANOS' ? 'tsns' : unit === 'MICROS' ? 'tsus' : 'tsms';
    }
  }
  switch (e.type) {
    case 'BYTE_ARRAY':
      if (ct === undefined && lt === undefined) return 'bin';
      if ((ct === undefined || ct === 'UTF8') && (lt === undefined || lt.type === 'STRING')) return 'str';
      return `BYTE_ARRAY ${ct ?? lt?.type}`;
    case 'INT32': {
      if (lt !== undefined && (lt.type !== 'INTEGER' || lt.bitWidth === 64)) return `INT32 ${lt.type}`;
      if (ct !== undefined && !['INT_8', 'INT_16', 'INT_32', 'UINT_8', 'UINT_16', 'UINT_32'].includes(ct)) return `INT32 ${ct}`;
      const unsigned = ct === 'UINT_32' || (lt?.type === 'INTEGER' && lt.bitWidth === 32 && !lt.isSigned);
      return unsigned ? 'u32' : 'i32';
    }
    case 'INT64': {
      if (lt !== undefined && (lt.type !== 'INTEGER' || lt.bitWidth !== 64)) return `INT64 ${lt.type}`;
      if (ct !== undefined && ct !== 'INT_64' && ct !== 'UINT_64') return `INT64 ${ct}`;
      const unsigned = ct === 'UINT_64' || (lt?.type === 'INTEGER' && !lt.isSigned);
      return unsigned ? 'u64' : 'i64';
    }
    case 'BOOLEAN':
    case 'FLOAT':
    case 'DOUBLE':
      if (ct !== undefined || lt !== undefined) return `${e.type} ${ct ?? lt?.type}`;
      return e.type === 'BOOLEAN' ? 'bool' : e.type === 'FLOAT' ? 'f32' : 'f64';
    default:
      return String(e.type);
  }
}

const INDEX_LIKE = /^(0|[1-9][0-9]*)$/;

/**
 * Plan the fast path for these top-level columns, or say why it cannot be used (the reason is
 * for stats and debugging). `plain[i]`: the hyparquet path writes column i with JSON.stringify.
 */
export function planFast(root: SchemaNode, cols: readonly string[], plain: readonly boolean[]): FastPlan | string {
  const leaves: LeafSpec[] = [];
  const tops: FNode[] = [];
  if (cols.length === 0) return 'no columns';
  if (new Set(cols).size !== cols.length) return 'duplicate column names';
  const build = (n: SchemaNode, path: string[], def: number, rep: number): FNode | string => {
    const e = n.element;
    const r = e.repetition_type;
    if (r !== 'REQUIRED' && r !== 'OPTIONAL') return `${path.join('.')}: repetition ${r}`;
    const optional = r === 'OPTIONAL';
    const d = def + (optional ? 1 : 0);
    if (n.children.length === 0) {
      const kind = leafKind(e);
      if (kind.length > 4) return `${path.join('.')}: ${kind}`;
      const idx = leaves.length;
      const width = e.type === 'INT96' ? 12 : e.type === 'FIXED_LEN_BYTE_ARRAY' ? Number((e as { type_length?: number }).type_length) : 0;
      if (e.type === 'FIXED_LEN_BYTE_ARRAY' && !(width > 0)) return `${path.join('.')}: FIXED_LEN_BYTE_ARRAY without a length`;
      leaves.push({ kind: kind as LeafKind, factor: 10 ** -((e as { scale?: number }).scale || 0), width, type: String(e.type), path, maxDef: d, maxRep: rep });
      return { t: 0, leaf: idx, def: d, optional, first: idx, leaves: [idx] };
    }
    const ct = e.converted_type;
    const lt = e.logical_type?.type;
    if (ct === 'LIST') {
      // Only the standard 3-level list: LIST group { repeated group { one non-repeated element } }.
      const mid = n.children[0];
      if (n.children.length !== 1 || mid.element.repetition_type !== 'REPEATED' || mid.children.length !== 1) return `${path.join('.')}: not a 3-level list`;
      if (lt !== undefined && lt !== 'LIST') return `${path.join('.')}: LIST with logical type ${lt}`;
      const elem = build(mid.children[0], [...path, mid.element.name, mid.children[0].element.name], d + 1, rep + 1);
      if (typeof elem === 'string') return elem;
      return { t: 2, def: d, optional, first: elem.first, leaves: elem.leaves, elemDef: d + 1, rep: rep + 1, elem };
    }
    if (ct !== undefined || lt !== undefined) return `${path.join('.')}: group ${ct ?? lt}`;
    const names = n.children.map((c) => c.element.name);
    if (new Set(names).size !== names.length || names.some((k) => k === '__proto__' || INDEX_LIKE.test(k)))
      return `${path.join('.')}: struct field names a JS object would reorder or drop`;
    const children: FNode[] = [];
    for (const c of n.children) {
      const x = build(c, [...path, c.element.name], d, rep);
      if (typeof x === 'string') return x;
      children.push(x);
    }
    const all = children.flatMap((c) => c.leaves);
    return { t: 1, def: d, optional, first: all[0], leaves: all, keys: names.map((k) => enc.encode(`${JSON.stringify(k)}:`)), children };
  };
  for (const c of cols) {
    const n = root.children.find((x) => x.element.name === c);
    if (!n) return `no column ${c}`;
    const x = build(n, [c], 0, 0);
    if (typeof x === 'string') return x;
    tops.push(x);
  }
  if (leaves.some((l) => l.maxDef > 250 || l.maxRep > 250)) return 'nesting too deep';
  return {
    leaves,
    tops,
    keys: cols.map((c, j) => enc.encode(`${j === 0 ? '{' : ','}${JSON.stringify(c)}:`)),
    plain: [...plain],
    colNames: new Set(cols),
  };
}

/** Decoded levels and values of one leaf column chunk. */
interface LeafData {
  spec: LeafSpec;
  /** Definition levels per entry (undefined when maxDef is 0). */
  defs: Uint8Array | undefined;
  reps: Uint8Array | undefined;
  /** Entries (levels) and non-null values decoded. */
  n: number;
  nv: number;
  /** Cursors while writing. */
  pos: number;
  vpos: number;
  /** String/binary values: byte ranges of `buf`. */
  buf: Uint8Array;
  /** Where `buf` was copied in the escaper's WebAssembly memory (strings), else -1. */
  wbase: number;
  starts: Int32Array;
  lens: Int32Array;
  /** Numeric values (i32/u32/bool in ints, f32/f64 in nums, i64/u64 in bigs). */
  ints: Int32Array;
  nums: Float64Array;
  bigs: BigInt64Array;
}

export type Decompress = (input: Uint8Array, outputLength: number) => Uint8Array;

/** Counters: row groups written by the fast path, and those that fell back (with why). */
export const fastStats = { fast: 0, fallback: 0, reasons: new Map<string, number>() };

export function noteFallback(reason: string): void {
  fastStats.fallback++;
  fastStats.reasons.set(reason, (fastStats.reasons.get(reason) ?? 0) + 1);
}

/**
 * Read one row group and write rows [0, rows) of it as NDJSON (each line ends with `\n`).
 * `meta`: the stamp's text around the row index, or undefined for --no-meta.
 * Throws `Unsupported` when the fast path cannot read it (nothing has been written then).
 */
export async function fastRowGroup(
  file: AsyncBuffer,
  md: FileMetaData,
  fp: FastPlan,
  rgIndex: number,
  rows: number,
  firstRow: number,
  meta: { head: Uint8Array; tail: Uint8Array } | undefined,
  decompressors: Record<string, Decompress | undefined>,
): Promise<Uint8Array> {
  const rg = md.row_groups[rgIndex];
  // The column chunks of the kept leaves, in schema order (same as fp.leaves).
  const chunks: ColumnMetaData[] = [];
  for (const c of rg.columns) {
    const m = c.meta_data;
    if (c.file_path) throw new Unsupported('column chunk in another file');
    if (!m) throw new Unsupported('no column metadata');
    if (fp.colNames.has(m.path_in_schema[0])) chunks.push(m);
  }
  const byPath = new Map(chunks.map((m) => [m.path_in_schema.join('\u0000'), m]));
  const metas = fp.leaves.map((l) => {
    const m = byPath.get(l.path.join('\u0000'));
    if (!m) throw new Unsupported(`no column chunk for ${l.path.join('.')}`);
    return m;
  });
  // One read for the leaves' chunks (they are usually adjacent), else one per chunk.
  const ranges = metas.map((m) => {
    const start = Number(m.dictionary_page_offset || m.data_page_offset);
    return [start, start + Number(m.total_compressed_size)] as const;
  });
  const lo = Math.min(...ranges.map((r) => r[0]));
  const hi = Math.max(...ranges.map((r) => r[1]));
  const span = ranges.reduce((s, r) => s + r[1] - r[0], 0);
  let bytesOf: (i: number) => Uint8Array;
  try {
    if (hi - lo <= span + (1 << 20)) {
      const all = new Uint8Array(await file.slice(lo, hi));
      bytesOf = (i) => all.subarray(ranges[i][0] - lo, ranges[i][1] - lo);
    } else {
      const parts = await Promise.all(ranges.map((r) => file.slice(r[0], r[1])));
      bytesOf = (i) => new Uint8Array(parts[i]);
    }
  } catch (e) {
    // Not a reason to read again with hyparquet (a flaky network would be retried twice over).
    throw new ReadFailure(e);
  }
  const data = fp.leaves.map((spec, i) => decodeChunk(bytesOf(i), spec, metas[i], decompressors, i));
  for (const d of data) {
    let roots = d.n;
    if (d.reps) {
      roots = 0;
      for (let k = 0; k < d.n; k++) if (d.reps[k] === 0) roots++;
    }
    if (roots !== Number(rg.num_rows)) throw new Unsupported(`${d.spec.path.join('.')}: ${roots} rows for ${rg.num_rows}`);
  }
  const w = new Writer(data, estimate(data, rows, fp, meta));
  const nt = fp.tops.length;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < nt; c++) {
      w.put(fp.keys[c]);
      w.node(fp.tops[c], fp.plain[c]);
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
  const whole = rows === Number(rg.num_rows);
  for (const d of data)
    if (whole ? d.pos !== d.n || d.vpos !== d.nv : d.pos > d.n || d.vpos > d.nv) throw new Unsupported(`${d.spec.path.join('.')}: levels do not line up with the other columns`);
  return w.result();
}

/**
 * The JSON string (with its quotes) the fast path writes for a string cell holding these bytes,
 * by the WebAssembly escaper or the JS loop (for tests: it must equal JSON.stringify of the
 * TextDecoder-decoded string).
 */
export function jsonStringBytes(bytes: Uint8Array, wasm: boolean): Uint8Array {
  const spec: LeafSpec = { kind: 'str', factor: 1, width: 0, type: 'BYTE_ARRAY', path: ['s'], maxDef: 0, maxRep: 0 };
  const l: LeafData = {
    spec,
    defs: undefined,
    reps: undefined,
    n: 1,
    nv: 1,
    pos: 0,
    vpos: 0,
    buf: bytes,
    wbase: -1,
    starts: Int32Array.of(0),
    lens: Int32Array.of(bytes.length),
    ints: EMPTY_I32,
    nums: EMPTY_F64,
    bigs: EMPTY_I64,
  };
  const w = new Writer([l], 16, wasm ? escaper() : undefined);
  w.value(l);
  return w.result();
}

function estimate(data: LeafData[], rows: number, fp: FastPlan, meta: { head: Uint8Array; tail: Uint8Array } | undefined): number {
  let n = 1024 + rows * (2 + fp.keys.reduce((s, k) => s + k.length, 0) + (meta ? meta.head.length + meta.tail.length + 10 : 0));
  for (const d of data) {
    n += d.n * 8;
    if (d.spec.kind === 'str' || d.spec.kind === 'bin') {
      let s = 0;
      for (let i = 0; i < d.nv; i++) s += d.lens[i];
      n += d.spec.kind === 'bin' ? Math.ceil(s * 1.4) : Math.ceil(s * 1.05);
    } else n += d.nv * 16;
  }
  return n;
}

const EMPTY_I32 = new Int32Array(0);
const EMPTY_F64 = new Float64Array(0);
const EMPTY_I64 = new BigInt64Array(0);

function u32(b: Uint8Array, p: number): number {
  if (p + 4 > b.length) throw new Unsupported('truncated page');
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

/** A size or count from a page header: a non-negative integer (a corrupt header may give anything). */
function isCount(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) >= 0;
}

function bitWidth(v: number): number {
  return 32 - Math.clz32(v);
}

/**
 * RLE/bit-packed hybrid: decode `count` values of `width` bits from b[pos, end) into out[at…].
 * Returns the position after the last run read.
 */
function rleHybrid(b: Uint8Array, pos: number, end: number, width: number, out: Uint8Array | Int32Array, at: number, count: number): number {
  if (width > 24) throw new Unsupported(`bit width ${width}`);
  // (Written so that a NaN from a corrupt header fails too.)
  if (!(end <= b.length && pos >= 0 && count >= 0)) throw new Unsupported('truncated levels');
  const mask = (1 << width) - 1;
  const bytes = (width + 7) >> 3;
  let seen = 0;
  while (seen < count) {
    if (!(pos < end)) throw new Unsupported('levels end early');
    let h = 0;
    let shift = 0;
    let x: number;
    do {
      x = b[pos++];
      h += (x & 0x7f) * 2 ** shift;
      shift += 7;
    } while (x & 0x80 && shift < 35);
    if (h % 2 === 1) {
      const groups = (h - 1) / 2;
      const stop = pos + groups * width;
      if (stop > end) throw new Unsupported('bit-packed run past the end');
      let n = groups * 8;
      if (n > count - seen) n = count - seen;
      let acc = 0;
      let bits = 0;
      for (let i = 0; i < n; i++) {
        while (bits < width) {
          acc |= b[pos++] << bits;
          bits += 8;
        }
        out[at + seen++] = acc & mask;
        acc >>>= width;
        bits -= width;
      }
      pos = stop;
    } else {
      let run = h / 2;
      if (pos + bytes > end) throw new Unsupported('RLE run past the end');
      let v = 0;
      for (let i = 0; i < bytes; i++) v |= b[pos++] << (8 * i);
      if (run > count - seen) run = count - seen;
      out.fill(v, at + seen, at + seen + run);
      seen += run;
    }
  }
  return pos;
}

let scratch = new Int32Array(1024);

/**
 * The decompressed-page buffer of each leaf (by its index), kept for the next row group read on
 * this thread: the columns of one row group are decoded and written before the next starts
 * (there is no await in between), and nothing of them is kept after, so the buffer can be reused
 * rather than left to the garbage collector (one row group's worth of garbage less per group).
 */
const heapCache: Uint8Array[] = [];

function decodeChunk(chunk: Uint8Array, spec: LeafSpec, m: ColumnMetaData, decompressors: Record<string, Decompress | undefined>, slot: number): LeafData {
  const total = Number(m.num_values);
  const codec = m.codec;
  // Uncompressed pages are read where they are, unless DELTA_BYTE_ARRAY values are rebuilt after
  // them: then every page is copied into the heap so that all values share one buffer.
  const direct = codec === 'UNCOMPRESSED' && !(m.encodings ?? []).includes('DELTA_BYTE_ARRAY');
  const decompress = direct ? undefined : codec === 'UNCOMPRESSED' ? (input: Uint8Array) => input : decompressors[codec];
  if (!direct && !decompress) throw new Unsupported(`codec ${codec}`);
  const isBytes = BYTES.has(spec.kind);
  const fixed = spec.width;
  const isBig = spec.type === 'INT64';
  const isNum = spec.kind === 'f32' || spec.kind === 'f64';
  const d: LeafData = {
    spec,
    defs: spec.maxDef > 0 ? new Uint8Array(total) : undefined,
    reps: spec.maxRep > 0 ? new Uint8Array(total) : undefined,
    n: 0,
    nv: 0,
    pos: 0,
    vpos: 0,
    buf: chunk,
    wbase: -1,
    starts: isBytes ? new Int32Array(total) : EMPTY_I32,
    lens: isBytes ? new Int32Array(total) : EMPTY_I32,
    ints: !isBytes && !isBig && !isNum ? new Int32Array(total) : EMPTY_I32,
    nums: isNum ? new Float64Array(total) : EMPTY_F64,
    bigs: isBig ? new BigInt64Array(total) : EMPTY_I64,
  };
  // Decompressed pages go one after the other into `heap` (all values of a column in one buffer).
  const want = Math.max(1024, Number(m.total_uncompressed_size));
  const cached = heapCache[slot];
  let heap = direct ? chunk : cached !== undefined && cached.length >= want ? cached : new Uint8Array(want);
  if (!direct) heapCache[slot] = heap;
  let hp = 0;
  const reserve = (size: number): number => {
    if (hp + size > heap.length) {
      const bigger = new Uint8Array(Math.max(heap.length * 2, hp + size));
      bigger.set(heap.subarray(0, hp));
      heap = bigger;
      d.buf = heap;
      heapCache[slot] = heap;
    }
    const at = hp;
    hp += size;
    return at;
  };
  // A page's bytes, decompressed into the heap (or where they are, uncompressed): their offset in d.buf.
  const place = (src: Uint8Array, size: number): number => {
    if (direct) {
      if (src.length !== size) throw new Unsupported('page size mismatch');
      return src.byteOffset - chunk.byteOffset;
    }
    const at = reserve(size);
    const out = (decompress as Decompress)(src, size);
    if (out.length !== size) throw new Unsupported('page size mismatch');
    heap.set(out, at);
    return at;
  };
  d.buf = heap;
  // Dictionary: byte ranges (strings) or values (numbers) by index.
  let dictN = -1;
  let dStarts = EMPTY_I32;
  let dLens = EMPTY_I32;
  let dInts = EMPTY_I32;
  let dNums = EMPTY_F64;
  let dBigs = EMPTY_I64;
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const reader = { view, offset: 0 };
  while (d.n < total) {
    if (reader.offset >= chunk.length) throw new Unsupported('column chunk ends early');
    let h: PageHeader;
    try {
      h = parquetHeader(reader);
    } catch (e) {
      throw new Unsupported(`page header: ${(e as Error).message}`);
    }
    const csize = h.compressed_page_size;
    const pstart = reader.offset;
    if (!(isCount(csize) && isCount(h.uncompressed_page_size))) throw new Unsupported('bad page size');
    if (pstart + csize > chunk.length) throw new Unsupported('page past the column chunk');
    reader.offset += csize;
    const raw = chunk.subarray(pstart, pstart + csize);
    if (h.type === 'DICTIONARY_PAGE') {
      const dh = h.dictionary_page_header;
      if (!dh || dictN >= 0) throw new Unsupported('dictionary page');
      if (dh.encoding !== 'PLAIN' && dh.encoding !== 'PLAIN_DICTIONARY') throw new Unsupported(`dictionary encoding ${dh.encoding}`);
      const at = place(raw, h.uncompressed_page_size);
      const b = d.buf;
      const end = at + h.uncompressed_page_size;
      dictN = dh.num_values;
      if (!isCount(dictN)) throw new Unsupported('bad dictionary size');
      if (isBytes) {
        dStarts = new Int32Array(dictN);
        dLens = new Int32Array(dictN);
        let p = at;
        for (let i = 0; i < dictN; i++) {
          if (fixed) {
            if (p + fixed > end) throw new Unsupported('dictionary value past the page');
            dStarts[i] = p;
            dLens[i] = fixed;
            p += fixed;
            continue;
          }
          const len = u32(b, p);
          p += 4;
          if (p + len > end) throw new Unsupported('dictionary value past the page');
          dStarts[i] = p;
          dLens[i] = len;
          p += len;
        }
      } else {
        const tmp = { ints: (dInts = new Int32Array(dictN)), nums: (dNums = new Float64Array(dictN)), bigs: (dBigs = new BigInt64Array(dictN)) };
        plainNumbers(b, at, end, spec.kind, dictN, tmp, 0);
      }
      continue;
    }
    if (h.type !== 'DATA_PAGE' && h.type !== 'DATA_PAGE_V2') {
      if (h.type === 'INDEX_PAGE') continue;
      throw new Unsupported(`page type ${h.type}`);
    }
    let count: number;
    let encoding: string;
    let vb: Uint8Array; // values are in vb[vp, vend)
    let vp: number;
    let vend: number;
    if (h.type === 'DATA_PAGE') {
      const ph = h.data_page_header;
      if (!ph) throw new Unsupported('no data page header');
      count = ph.num_values;
      encoding = ph.encoding;
      if (!isCount(count) || d.n + count > total) throw new Unsupported('bad value count');
      const at = place(raw, h.uncompressed_page_size);
      const b = d.buf;
      const end = at + h.uncompressed_page_size;
      let p = at;
      if (d.reps) {
        if (ph.repetition_level_encoding !== 'RLE') throw new Unsupported(`repetition levels ${ph.repetition_level_encoding}`);
        const len = u32(b, p);
        rleHybrid(b, p + 4, p + 4 + len, bitWidth(spec.maxRep), d.reps, d.n, count);
        p += 4 + len;
      }
      if (d.defs) {
        if (ph.definition_level_encoding !== 'RLE') throw new Unsupported(`definition levels ${ph.definition_level_encoding}`);
        const len = u32(b, p);
        rleHybrid(b, p + 4, p + 4 + len, bitWidth(spec.maxDef), d.defs, d.n, count);
        p += 4 + len;
      }
      vb = b;
      vp = p;
      vend = end;
    } else {
      const ph = h.data_page_header_v2;
      if (!ph) throw new Unsupported('no data page v2 header');
      count = ph.num_values;
      encoding = ph.encoding;
      if (!isCount(count) || d.n + count > total) throw new Unsupported('bad value count');
      const rl = ph.repetition_levels_byte_length;
      const dl = ph.definition_levels_byte_length;
      if (!(isCount(rl) && isCount(dl) && rl + dl <= csize && rl + dl <= h.uncompressed_page_size)) throw new Unsupported('levels past the page');
      // (Repetition level bytes of a non-repeated column are skipped, as hyparquet does.)
      if (d.reps) rleHybrid(raw, 0, rl, bitWidth(spec.maxRep), d.reps, d.n, count);
      if (d.defs) rleHybrid(raw, rl, rl + dl, bitWidth(spec.maxDef), d.defs, d.n, count);
      else if (dl !== 0) throw new Unsupported('definition levels for a required column');
      const size = h.uncompressed_page_size - rl - dl;
      const src = raw.subarray(rl + dl);
      if (ph.is_compressed === false || direct) {
        if (src.length !== size) throw new Unsupported('v2 page size mismatch');
        if (direct) {
          vb = chunk;
          vp = pstart + rl + dl;
        } else {
          // Copy the stored values into the heap so all values of the column share one buffer.
          vp = reserve(size);
          heap.set(src, vp);
          vb = heap;
        }
      } else {
        if (src.length === 0) throw new Unsupported('empty compressed v2 page');
        vp = place(src, size);
        vb = d.buf;
      }
      vend = vp + size;
    }
    // Non-null values in this page.
    let nn = count;
    if (d.defs) {
      nn = 0;
      const defs = d.defs;
      const md = spec.maxDef;
      for (let i = d.n, e = d.n + count; i < e; i++) if (defs[i] === md) nn++;
    }
    if (encoding === 'PLAIN') {
      if (isBytes) {
        const st = d.starts;
        const ln = d.lens;
        let p = vp;
        let v = d.nv;
        if (fixed && p + nn * fixed > vend) throw new Unsupported('values past the page');
        for (let i = 0; i < nn; i++) {
          if (fixed) {
            st[v] = p;
            ln[v++] = fixed;
            p += fixed;
            continue;
          }
          const len = u32(vb, p);
          p += 4;
          if (p + len > vend) throw new Unsupported('value past the page');
          st[v] = p;
          ln[v++] = len;
          p += len;
        }
      } else plainNumbers(vb, vp, vend, spec.kind, nn, d, d.nv);
    } else if (encoding === 'PLAIN_DICTIONARY' || encoding === 'RLE_DICTIONARY') {
      if (dictN < 0) throw new Unsupported('dictionary-encoded page without a dictionary');
      if (nn > 0) {
        if (vp >= vend) throw new Unsupported('no bit width');
        const bw = vb[vp];
        if (scratch.length < nn) scratch = new Int32Array(nn * 2);
        const idx = scratch;
        if (bw === 0) idx.fill(0, 0, nn);
        else rleHybrid(vb, vp + 1, vend, bw, idx, 0, nn);
        let v = d.nv;
        for (let i = 0; i < nn; i++) {
          const k = idx[i];
          if (k >= dictN) throw new Unsupported('dictionary index out of range');
          if (isBytes) {
            d.starts[v] = dStarts[k];
            d.lens[v] = dLens[k];
          } else if (isBig) d.bigs[v] = dBigs[k];
          else if (isNum) d.nums[v] = dNums[k];
          else d.ints[v] = dInts[k];
          v++;
        }
      }
    } else if (encoding === 'DELTA_BINARY_PACKED' && !isBytes && !isNum && spec.kind !== 'bool') {
      // hyparquet's decoder, into our value arrays (DuckDB writes INT32/INT64 this way with PARQUET_VERSION v2).
      if (nn > 0) {
        const r = { view: new DataView(vb.buffer, vb.byteOffset, vend), offset: vp };
        deltaBinaryUnpack(r, nn, isBig ? d.bigs.subarray(d.nv, d.nv + nn) : d.ints.subarray(d.nv, d.nv + nn));
      }
    } else if (encoding === 'DELTA_LENGTH_BYTE_ARRAY' && isBytes && !fixed) {
      // Lengths (delta binary packed), then the values back to back (DuckDB's strings with PARQUET_VERSION v2).
      if (nn > 0) {
        const r = { view: new DataView(vb.buffer, vb.byteOffset, vend), offset: vp };
        const lens = d.lens.subarray(d.nv, d.nv + nn);
        deltaBinaryUnpack(r, nn, lens);
        let p = r.offset;
        for (let i = 0; i < nn; i++) {
          const len = lens[i];
          if (len < 0 || p + len > vend) throw new Unsupported('value past the page');
          d.starts[d.nv + i] = p;
          p += len;
        }
      }
    } else if (encoding === 'DELTA_BYTE_ARRAY' && isBytes && !fixed && !direct) {
      // Prefix lengths, suffix lengths (both delta binary packed), then the suffixes; each value
      // is rebuilt after the page's other values in the heap (a prefix is of the value before, in
      // this page, as hyparquet reads it).
      if (nn > 0) {
        const r = { view: new DataView(vb.buffer, vb.byteOffset, vend), offset: vp };
        const pre = new Int32Array(nn);
        deltaBinaryUnpack(r, nn, pre);
        const suf = new Int32Array(nn);
        deltaBinaryUnpack(r, nn, suf);
        let size = 0;
        for (let i = 0; i < nn; i++) {
          if (pre[i] < 0 || suf[i] < 0) throw new Unsupported('negative length');
          size += pre[i] + suf[i];
        }
        let o = reserve(size);
        const h2 = heap;
        let src = r.offset;
        let prevS = 0;
        let prevL = 0;
        for (let i = 0; i < nn; i++) {
          const p = pre[i];
          const sl = suf[i];
          if (p > (i === 0 ? 0 : prevL)) throw new Unsupported('prefix longer than the value before');
          if (src + sl > vend) throw new Unsupported('value past the page');
          h2.copyWithin(o, prevS, prevS + p);
          h2.set(vb.subarray(src, src + sl), o + p);
          d.starts[d.nv + i] = o;
          d.lens[d.nv + i] = p + sl;
          prevS = o;
          prevL = p + sl;
          o += p + sl;
          src += sl;
        }
      }
    } else if (encoding === 'BYTE_STREAM_SPLIT' && !isBytes && spec.kind !== 'bool') {
      // Byte k of value i is at k * nn + i (DuckDB's floats with PARQUET_VERSION v2).
      const w = isBig || spec.kind === 'f64' ? 8 : 4;
      if (vp + nn * w > vend) throw new Unsupported('values past the page');
      const tmp = new Uint8Array(w);
      for (let i = 0; i < nn; i++) {
        for (let k = 0; k < w; k++) tmp[k] = vb[vp + k * nn + i];
        plainNumbers(tmp, 0, w, spec.kind, 1, d, d.nv + i);
      }
    } else if (encoding === 'RLE' && spec.kind === 'bool') {
      if (nn > 0) {
        const len = u32(vb, vp);
        rleHybrid(vb, vp + 4, vp + 4 + len, 1, d.ints, d.nv, nn);
      }
    } else throw new Unsupported(`encoding ${encoding}`);
    d.n += count;
    d.nv += nn;
  }
  return d;
}

const BIG = new Set<LeafKind>(['i64', 'u64', 'd64', 'tsms', 'tsus', 'tsns']);

function plainNumbers(b: Uint8Array, p: number, end: number, kind: LeafKind, n: number, out: { ints: Int32Array; nums: Float64Array; bigs: BigInt64Array }, at: number): void {
  const width = kind === 'bool' ? 0 : kind === 'f64' || BIG.has(kind) ? 8 : 4;
  if (kind === 'bool') {
    if (p + ((n + 7) >> 3) > end) throw new Unsupported('values past the page');
    for (let i = 0; i < n; i++) out.ints[at + i] = (b[p + (i >> 3)] >> (i & 7)) & 1;
    return;
  }
  if (p + n * width > end) throw new Unsupported('values past the page');
  const view = new DataView(b.buffer, b.byteOffset + p, n * width);
  switch (kind) {
    case 'i32':
    case 'u32':
    case 'date':
    case 'd32':
      for (let i = 0; i < n; i++) out.ints[at + i] = view.getInt32(i * 4, true);
      return;
    case 'f32':
      for (let i = 0; i < n; i++) out.nums[at + i] = view.getFloat32(i * 4, true);
      return;
    case 'f64':
      for (let i = 0; i < n; i++) out.nums[at + i] = view.getFloat64(i * 8, true);
      return;
    default:
      for (let i = 0; i < n; i++) out.bigs[at + i] = view.getBigInt64(i * 8, true);
  }
}

// JSON string escaping on UTF-8 bytes, exactly as JSON.stringify does on the decoded string:
// `"` `\` and C0 controls are escaped (\b \t \n \f \r, else \u00xx lowercase); everything else,
// DEL and U+2028/2029 included, is copied.
const SAFE = new Uint8Array(256);
for (let i = 0x20; i < 0x80; i++) SAFE[i] = 1;
SAFE[0x22] = 0;
SAFE[0x5c] = 0;
const SHORT = new Uint8Array(0x60);
SHORT[0x08] = 0x62;
SHORT[0x09] = 0x74;
SHORT[0x0a] = 0x6e;
SHORT[0x0c] = 0x66;
SHORT[0x0d] = 0x72;
SHORT[0x22] = 0x22;
SHORT[0x5c] = 0x5c;
const HEX = enc.encode('0123456789abcdef');
const decoder = new TextDecoder();
const NULL = enc.encode('null');
const TRUE = enc.encode('true');
const FALSE = enc.encode('false');

/** Length of the valid UTF-8 sequence starting at b[i] (a byte ≥ 0x80), or 0 if invalid. */
function utf8Seq(b: Uint8Array, i: number, e: number): number {
  const c = b[i];
  if (c < 0xc2) return 0;
  if (c < 0xe0) return i + 1 < e && (b[i + 1] & 0xc0) === 0x80 ? 2 : 0;
  if (c < 0xf0) {
    if (i + 2 >= e) return 0;
    const c1 = b[i + 1];
    if (c1 < (c === 0xe0 ? 0xa0 : 0x80) || c1 > (c === 0xed ? 0x9f : 0xbf)) return 0;
    return (b[i + 2] & 0xc0) === 0x80 ? 3 : 0;
  }
  if (c < 0xf5) {
    if (i + 3 >= e) return 0;
    const c1 = b[i + 1];
    if (c1 < (c === 0xf0 ? 0x90 : 0x80) || c1 > (c === 0xf4 ? 0x8f : 0xbf)) return 0;
    return (b[i + 2] & 0xc0) === 0x80 && (b[i + 3] & 0xc0) === 0x80 ? 4 : 0;
  }
  return 0;
}

/**
 * JSON escaping of string cells in WebAssembly SIMD (escape.wat): 16 bytes a step, UTF-8 checked
 * on the way. On the bench's 30 MB of chat strings (226,736 strings, 1.5 M escapes) it took
 * 18–24 ms against 125–200 ms for the byte loop of `Writer.str` (the best of four JS variants
 * tried) on this machine; in hf-fetch --threads 1 on the 256 MB corpus `str` was 40 % of the CPU
 * profile. `LDT_HF_WASM=0` turns it off (the JS loop writes the same bytes).
 */
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
// The WebAssembly global, typed here (this package's TypeScript lib has no WebAssembly types).
const WA = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (m: object) => { exports: unknown } } }).WebAssembly;
interface Escaper {
  memory: WasmMemory;
  escape: (s: number, e: number, d: number) => number;
}
let escaperCache: Escaper | null | undefined;
function escaper(): Escaper | undefined {
  if (escaperCache === undefined) {
    if (process.env.LDT_HF_WASM === '0') escaperCache = null;
    else {
      // escape.wasm is compiled from escape.wat at build time (scripts/build-wasm.mjs at the root).
      const inst = new WA.Instance(new WA.Module(readFileSync(new URL('./escape.wasm', import.meta.url))));
      escaperCache = inst.exports as unknown as Escaper;
    }
  }
  return escaperCache ?? undefined;
}
/** Bytes past the end of the output the escaper may read or write. */
const SLACK = 64;

function reserve(mem: WasmMemory, bytes: number): void {
  const have = mem.buffer.byteLength;
  if (bytes > have) mem.grow(Math.ceil((bytes - have) / 65536));
}

class Writer {
  out: Uint8Array;
  o = 0;
  private readonly wasm: Escaper | undefined;
  /** The WebAssembly address of out[0] (with the escaper). */
  private base = 0;
  constructor(
    private readonly data: LeafData[],
    size: number,
    w: Escaper | undefined = escaper(),
  ) {
    this.wasm = w;
    if (!w) {
      this.out = new Uint8Array(size);
      return;
    }
    // WebAssembly memory: [tables | string heaps of the leaves | output]; reused by every row group
    // of this thread (it grows, never shrinks: about one row group's columns and NDJSON).
    let p = 1024;
    for (const d of data)
      if (d.spec.kind === 'str') {
        d.wbase = p;
        p += (d.buf.length + 31) & ~15;
      }
    this.base = p;
    reserve(w.memory, p + size + SLACK);
    const u8 = new Uint8Array(w.memory.buffer);
    for (const d of data) if (d.wbase >= 0) u8.set(d.buf, d.wbase);
    this.out = new Uint8Array(w.memory.buffer, p, w.memory.buffer.byteLength - p - SLACK);
  }

  ensure(n: number): void {
    if (this.o + n <= this.out.length) return;
    const size = Math.max(this.out.length * 2, this.o + n);
    if (this.wasm) {
      const mem = this.wasm.memory;
      reserve(mem, this.base + size + SLACK);
      this.out = new Uint8Array(mem.buffer, this.base, mem.buffer.byteLength - this.base - SLACK);
      return;
    }
    const bigger = new Uint8Array(size);
    bigger.set(this.out.subarray(0, this.o));
    this.out = bigger;
  }

  /** The NDJSON written (a copy when it is in the WebAssembly memory, which the next row group reuses). */
  result(): Uint8Array {
    return this.wasm ? this.out.slice(0, this.o) : this.out.subarray(0, this.o);
  }

  byte(b: number): void {
    if (this.o >= this.out.length) this.ensure(1);
    this.out[this.o++] = b;
  }

  put(b: Uint8Array): void {
    this.ensure(b.length);
    if (b.length < 16) {
      const out = this.out;
      let o = this.o;
      for (let i = 0; i < b.length; i++) out[o++] = b[i];
      this.o = o;
    } else {
      this.out.set(b, this.o);
      this.o += b.length;
    }
  }

  ascii(s: string): void {
    this.ensure(s.length);
    const out = this.out;
    let o = this.o;
    for (let i = 0; i < s.length; i++) out[o++] = s.charCodeAt(i);
    this.o = o;
  }

  int(v: number): void {
    if (v < 0 || v > 0x7fffffff) {
      this.ascii(String(v));
      return;
    }
    this.ensure(10);
    const out = this.out;
    if (v < 10) {
      out[this.o++] = 48 + v;
      return;
    }
    let digits = 1;
    for (let x = v; x >= 10; x = (x / 10) | 0) digits++;
    let o = this.o + digits;
    this.o = o;
    for (let x = v; x > 0; x = (x / 10) | 0) out[--o] = 48 + (x % 10);
  }

  /** Skip a null or empty node: one entry in each of its leaves. */
  skip(n: FNode, below: number): void {
    const ls = n.leaves;
    for (let i = 0; i < ls.length; i++) {
      const l = this.data[ls[i]];
      // Every column below a null (or empty) node must say so (hyparquet rejects the file else).
      if ((l.defs as Uint8Array)[l.pos] >= below) throw new Unsupported(`${l.spec.path.join('.')}: levels do not line up with the other columns`);
      l.pos++;
    }
  }

  /** Is this optional group (struct or list) null at the current position? */
  isNullGroup(n: FNode): boolean {
    if (!n.optional) return false;
    const l = this.data[n.first];
    return (l.defs as Uint8Array)[l.pos] < n.def;
  }

  node(n: FNode, plain: boolean): void {
    if (n.t === 0) {
      const l = this.data[n.leaf];
      const present = l.defs === undefined || l.defs[l.pos] === n.def;
      if (!present && n.optional && l.defs !== undefined && l.defs[l.pos] < n.def - 1)
        throw new Unsupported(`${l.spec.path.join('.')}: levels do not line up with the other columns`);
      l.pos++;
      if (present) this.value(l);
      else this.put(NULL);
      return;
    }
    if (this.isNullGroup(n)) {
      this.skip(n, n.def);
      this.put(NULL);
      return;
    }
    if (n.t === 1) {
      this.byte(0x7b);
      let first = true;
      for (let i = 0; i < n.children.length; i++) {
        const c = n.children[i];
        // JSON.stringify leaves out a key whose value is undefined: hyparquet gives undefined for a
        // null struct or list (a null leaf is null).
        if (plain && c.t !== 0 && this.isNullGroup(c)) {
          this.skip(c, c.def);
          continue;
        }
        if (!first) this.byte(0x2c);
        first = false;
        this.put(n.keys[i]);
        this.node(c, plain);
      }
      this.byte(0x7d);
      return;
    }
    const l = this.data[n.first];
    if (l.defs !== undefined && l.defs[l.pos] < n.elemDef) {
      this.skip(n, n.elemDef);
      this.byte(0x5b);
      this.byte(0x5d);
      return;
    }
    this.byte(0x5b);
    const reps = l.reps as Uint8Array;
    for (;;) {
      this.node(n.elem, plain);
      if (l.pos < l.n && reps[l.pos] === n.rep) this.byte(0x2c);
      else break;
    }
    this.byte(0x5d);
  }

  value(l: LeafData): void {
    const v = l.vpos++;
    switch (l.spec.kind) {
      case 'str':
        if (l.wbase >= 0) this.strWasm(l, v);
        else this.str(l.buf, l.starts[v], l.starts[v] + l.lens[v], true);
        return;
      case 'bdec': {
        const b = l.buf;
        this.num(parseDecimal(b.subarray(l.starts[v], l.starts[v] + l.lens[v])) * l.spec.factor);
        return;
      }
      case 'f16': {
        const b = l.buf;
        this.num(parseFloat16(b.subarray(l.starts[v], l.starts[v] + l.lens[v])) as number);
        return;
      }
      case 'i96': {
        // hyparquet: BigInt(high) << 64n | low (low read signed), then days since the Julian epoch.
        const b = l.buf;
        const view = new DataView(b.buffer, b.byteOffset + l.starts[v], 12);
        const value = (BigInt(view.getInt32(8, true)) << 64n) | view.getBigInt64(0, true);
        const nanos = ((value >> 64n) - 2440588n) * 86400000000000n + (value & 0xffffffffffffffffn);
        this.text(isoFrom(nanos, 1_000_000_000n, 9));
        return;
      }
      case 'bin': {
        const b = l.buf;
        this.byte(0x22);
        this.ascii(Buffer.from(b.buffer, b.byteOffset + l.starts[v], l.lens[v]).toString('base64'));
        this.byte(0x22);
        return;
      }
      case 'i32':
        this.int(l.ints[v]);
        return;
      case 'u32':
        this.int(l.ints[v] >>> 0);
        return;
      case 'bool':
        this.put(l.ints[v] ? TRUE : FALSE);
        return;
      case 'i64':
        this.ascii(l.bigs[v].toString());
        return;
      case 'u64':
        this.ascii(BigInt.asUintN(64, l.bigs[v]).toString());
        return;
      case 'date':
        this.text(dateText(l.ints[v]));
        return;
      case 'tsms':
        this.text(isoFrom(l.bigs[v], 1000n, 3));
        return;
      case 'tsus':
        this.text(isoFrom(l.bigs[v], 1_000_000n, 6));
        return;
      case 'tsns':
        this.text(isoFrom(l.bigs[v], 1_000_000_000n, 9));
        return;
      case 'd32':
        this.num(Number(l.ints[v]) * l.spec.factor);
        return;
      case 'd64':
        this.num(Number(l.bigs[v]) * l.spec.factor);
        return;
      default:
        this.num(l.nums[v]);
    }
  }

  /** A number as jsonValue writes it. */
  num(x: number): void {
    this.ascii(Number.isFinite(x) ? String(x) : Number.isNaN(x) ? '"NaN"' : x > 0 ? '"Infinity"' : '"-Infinity"');
  }

  /** An ASCII string that needs no escaping (dates, timestamps), or null. */
  text(t: string | null): void {
    if (t === null) this.put(NULL);
    else this.ascii(`"${t}"`);
  }

  /** `str` for value v of l, by the WebAssembly escaper. */
  strWasm(l: LeafData, v: number): void {
    const b = l.buf;
    const s0 = l.starts[v];
    const e = s0 + l.lens[v];
    let s = s0;
    if (e - s >= 3 && b[s] === 0xef && b[s + 1] === 0xbb && b[s + 2] === 0xbf) s += 3;
    this.ensure((e - s) * 6 + 2);
    const o0 = this.o;
    this.out[o0] = 0x22;
    const r = (this.wasm as Escaper).escape(l.wbase + s, l.wbase + e, this.base + o0 + 1);
    if (r < 0) {
      // Invalid UTF-8: the JS path decodes it as hyparquet does.
      this.str(b, s0, e, true);
      return;
    }
    const o = r - this.base;
    this.out[o] = 0x22;
    this.o = o + 1;
  }

  /**
   * A JSON string from UTF-8 bytes b[s, e), as hyparquet's TextDecoder (a leading BOM dropped,
   * invalid sequences → U+FFFD) followed by JSON.stringify would write it.
   */
  str(b: Uint8Array, s0: number, e: number, decoded: boolean): void {
    let s = s0;
    if (decoded && e - s >= 3 && b[s] === 0xef && b[s + 1] === 0xbb && b[s + 2] === 0xbf) s += 3;
    this.ensure((e - s) * 6 + 2);
    const out = this.out;
    const start = this.o;
    let o = start;
    out[o++] = 0x22;
    let i = s;
    while (i < e) {
      const c = b[i];
      if (SAFE[c] === 1) {
        out[o++] = c;
        i++;
      } else if (c < 0x80) {
        out[o++] = 0x5c;
        const short = SHORT[c];
        if (short !== 0) out[o++] = short;
        else {
          out[o++] = 0x75;
          out[o++] = 0x30;
          out[o++] = 0x30;
          out[o++] = HEX[c >> 4];
          out[o++] = HEX[c & 15];
        }
        i++;
      } else {
        const k = utf8Seq(b, i, e);
        if (k === 0) {
          // Invalid UTF-8: decode as hyparquet does (U+FFFD), then write the valid bytes.
          this.o = start;
          const fixed = Buffer.from(decoder.decode(b.subarray(s0, e)), 'utf8');
          this.str(fixed, 0, fixed.length, false);
          return;
        }
        for (let j = 0; j < k; j++) out[o++] = b[i + j];
        i += k;
      }
    }
    out[o++] = 0x22;
    this.o = o;
  }
}
