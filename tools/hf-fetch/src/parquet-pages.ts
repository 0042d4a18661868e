/**
 * One leaf column chunk → its levels and values (`ColumnData`): page headers read with
 * hyparquet's Thrift reader, pages decompressed into one buffer per column, repetition and
 * definition levels decoded (data pages v1 and v2), values handed to the module of their
 * encoding. Anything unexpected throws `Unsupported` before a byte is written.
 */
import type { ColumnMetaData, DataPageHeader, PageHeader } from 'hyparquet';

type DataPageHeaderV2 = NonNullable<PageHeader['data_page_header_v2']>;

import { readPageHeader } from './hyparquet-internals.js';
import { type ColumnData, EMPTY_BIGINT64, EMPTY_FLOAT64, EMPTY_INT32, PageHeap } from './parquet-column-data.js';
import { decodeByteStreamSplit } from './parquet-encoding-byte-stream-split.js';
import { decodeDeltaBinaryPacked, decodeDeltaByteArray, decodeDeltaLengthByteArray } from './parquet-encoding-delta.js';
import { type Dictionary, decodeDictionaryIndices, readDictionary } from './parquet-encoding-dictionary.js';
import { decodePlainByteRanges, decodePlainNumbers } from './parquet-encoding-plain.js';
import { Unsupported } from './parquet-fast-errors.js';
import { BYTE_RANGE_KINDS, type LeafSpec } from './parquet-fast-plan.js';
import { bitWidth, decodeRleHybrid, isCount, readUint32 } from './parquet-levels.js';

/** Decompress a page: `outputLength` is the uncompressed size from its header. */
export type Decompress = (input: Uint8Array, outputLength: number) => Uint8Array;

/**
 * The decompressed-page buffer of each leaf (by its index), kept for the next row group read on
 * this thread: the columns of one row group are decoded and written before the next starts
 * (there is no await in between), and nothing of them is kept after, so the buffer can be reused
 * rather than left to the garbage collector (one row group's worth of garbage less per group).
 */
const heapCache: Uint8Array[] = [];

/** Where a data page's values are: b[start, end). */
interface PageValues {
  count: number;
  encoding: string;
  b: Uint8Array;
  start: number;
  end: number;
}

/** How the pages of one column chunk reach memory. */
class PagePlacer {
  readonly heap: PageHeap;
  constructor(
    readonly chunk: Uint8Array,
    /** Uncompressed pages read where they are (no copy). */
    readonly direct: boolean,
    private readonly decompress: Decompress | undefined,
    readonly d: ColumnData,
    slot: number,
    wanted: number,
  ) {
    const cached = heapCache[slot];
    const bytes = direct ? chunk : cached !== undefined && cached.length >= wanted ? cached : new Uint8Array(wanted);
    if (!direct) heapCache[slot] = bytes;
    this.heap = new PageHeap(bytes, (bigger) => {
      d.bytes = bigger;
      heapCache[slot] = bigger;
    });
    d.bytes = bytes;
  }

  /** A page's bytes, decompressed into the heap (or where they are, uncompressed): their offset in d.bytes. */
  place(src: Uint8Array, size: number): number {
    if (this.direct) {
      if (src.length !== size) throw new Unsupported('page size mismatch');
      return src.byteOffset - this.chunk.byteOffset;
    }
    const at = this.heap.reserve(size);
    const out = (this.decompress as Decompress)(src, size);
    if (out.length !== size) throw new Unsupported('page size mismatch');
    this.heap.bytes.set(out, at);
    return at;
  }

  /** Stored (uncompressed) bytes copied into the heap so that all values of the column share one buffer. */
  copy(src: Uint8Array): number {
    const at = this.heap.reserve(src.length);
    this.heap.bytes.set(src, at);
    return at;
  }
}

/** Decode every page of a leaf column chunk (`chunk`: its bytes; `slot`: the leaf's index, for the reused buffer). */
export function decodeColumnChunk(chunk: Uint8Array, spec: LeafSpec, m: ColumnMetaData, decompressors: Record<string, Decompress | undefined>, slot: number): ColumnData {
  const total = Number(m.num_values);
  const codec = m.codec;
  // Uncompressed pages are read where they are, unless DELTA_BYTE_ARRAY values are rebuilt after
  // them: then every page is copied into the heap so that all values share one buffer.
  const direct = codec === 'UNCOMPRESSED' && !(m.encodings ?? []).includes('DELTA_BYTE_ARRAY');
  const decompress = direct ? undefined : codec === 'UNCOMPRESSED' ? (input: Uint8Array) => input : decompressors[codec];
  if (!direct && !decompress) throw new Unsupported(`codec ${codec}`);
  const byteRanges = BYTE_RANGE_KINDS.has(spec.kind);
  const isBig = spec.physicalType === 'INT64';
  const isFloat = spec.kind === 'float32' || spec.kind === 'float64';
  const d: ColumnData = {
    spec,
    definitionLevels: spec.maxDefinitionLevel > 0 ? new Uint8Array(total) : undefined,
    repetitionLevels: spec.maxRepetitionLevel > 0 ? new Uint8Array(total) : undefined,
    entryCount: 0,
    valueCount: 0,
    entryCursor: 0,
    valueCursor: 0,
    bytes: chunk,
    wasmOffset: -1,
    starts: byteRanges ? new Int32Array(total) : EMPTY_INT32,
    lengths: byteRanges ? new Int32Array(total) : EMPTY_INT32,
    ints: !byteRanges && !isBig && !isFloat ? new Int32Array(total) : EMPTY_INT32,
    floats: isFloat ? new Float64Array(total) : EMPTY_FLOAT64,
    bigints: isBig ? new BigInt64Array(total) : EMPTY_BIGINT64,
  };
  const pages = new PagePlacer(chunk, direct, decompress, d, slot, Math.max(1024, Number(m.total_uncompressed_size)));
  let dictionary: Dictionary | undefined;
  const cursor = { view: new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength), offset: 0 };
  while (d.entryCount < total) {
    if (cursor.offset >= chunk.length) throw new Unsupported('column chunk ends early');
    let h: PageHeader;
    try {
      h = readPageHeader(cursor);
    } catch (e) {
      throw new Unsupported(`page header: ${(e as Error).message}`);
    }
    const compressedSize = h.compressed_page_size;
    const pageStart = cursor.offset;
    if (!(isCount(compressedSize) && isCount(h.uncompressed_page_size))) throw new Unsupported('bad page size');
    if (pageStart + compressedSize > chunk.length) throw new Unsupported('page past the column chunk');
    cursor.offset += compressedSize;
    const raw = chunk.subarray(pageStart, pageStart + compressedSize);
    if (h.type === 'DICTIONARY_PAGE') {
      const dh = h.dictionary_page_header;
      if (!dh || dictionary) throw new Unsupported('dictionary page');
      if (dh.encoding !== 'PLAIN' && dh.encoding !== 'PLAIN_DICTIONARY') throw new Unsupported(`dictionary encoding ${dh.encoding}`);
      const at = pages.place(raw, h.uncompressed_page_size);
      if (!isCount(dh.num_values)) throw new Unsupported('bad dictionary size');
      dictionary = readDictionary(d.bytes, at, at + h.uncompressed_page_size, spec, byteRanges, dh.num_values);
      continue;
    }
    let page: PageValues;
    if (h.type === 'DATA_PAGE') {
      if (!h.data_page_header) throw new Unsupported('no data page header');
      page = dataPageV1(h.data_page_header, raw, h.uncompressed_page_size, pages, total);
    } else if (h.type === 'DATA_PAGE_V2') {
      if (!h.data_page_header_v2) throw new Unsupported('no data page v2 header');
      page = dataPageV2(h.data_page_header_v2, raw, h.uncompressed_page_size, pageStart, pages, total);
    } else if (h.type === 'INDEX_PAGE') continue;
    else throw new Unsupported(`page type ${h.type}`);
    decodeValues(page, nonNullCount(d, page.count), dictionary, pages, byteRanges, isFloat);
    d.entryCount += page.count;
  }
  return d;
}

/** Data page v1: levels and values compressed together, each level run prefixed by its length. */
function dataPageV1(ph: DataPageHeader, raw: Uint8Array, uncompressedSize: number, pages: PagePlacer, total: number): PageValues {
  const d = pages.d;
  const count = ph.num_values;
  if (!isCount(count) || d.entryCount + count > total) throw new Unsupported('bad value count');
  const at = pages.place(raw, uncompressedSize);
  const b = d.bytes;
  let p = at;
  if (d.repetitionLevels) {
    if (ph.repetition_level_encoding !== 'RLE') throw new Unsupported(`repetition levels ${ph.repetition_level_encoding}`);
    const len = readUint32(b, p);
    decodeRleHybrid(b, p + 4, p + 4 + len, bitWidth(d.spec.maxRepetitionLevel), d.repetitionLevels, d.entryCount, count);
    p += 4 + len;
  }
  if (d.definitionLevels) {
    if (ph.definition_level_encoding !== 'RLE') throw new Unsupported(`definition levels ${ph.definition_level_encoding}`);
    const len = readUint32(b, p);
    decodeRleHybrid(b, p + 4, p + 4 + len, bitWidth(d.spec.maxDefinitionLevel), d.definitionLevels, d.entryCount, count);
    p += 4 + len;
  }
  return { count, encoding: ph.encoding, b, start: p, end: at + uncompressedSize };
}

/** Data page v2: levels stored uncompressed before the (maybe compressed) values. */
function dataPageV2(ph: DataPageHeaderV2, raw: Uint8Array, uncompressedSize: number, pageStart: number, pages: PagePlacer, total: number): PageValues {
  const d = pages.d;
  const count = ph.num_values;
  if (!isCount(count) || d.entryCount + count > total) throw new Unsupported('bad value count');
  const repBytes = ph.repetition_levels_byte_length;
  const defBytes = ph.definition_levels_byte_length;
  if (!(isCount(repBytes) && isCount(defBytes) && repBytes + defBytes <= raw.length && repBytes + defBytes <= uncompressedSize)) throw new Unsupported('levels past the page');
  // (Repetition level bytes of a non-repeated column are skipped, as hyparquet does.)
  if (d.repetitionLevels) decodeRleHybrid(raw, 0, repBytes, bitWidth(d.spec.maxRepetitionLevel), d.repetitionLevels, d.entryCount, count);
  if (d.definitionLevels) decodeRleHybrid(raw, repBytes, repBytes + defBytes, bitWidth(d.spec.maxDefinitionLevel), d.definitionLevels, d.entryCount, count);
  else if (defBytes !== 0) throw new Unsupported('definition levels for a required column');
  const size = uncompressedSize - repBytes - defBytes;
  const src = raw.subarray(repBytes + defBytes);
  let b: Uint8Array;
  let start: number;
  if (ph.is_compressed === false || pages.direct) {
    if (src.length !== size) throw new Unsupported('v2 page size mismatch');
    if (pages.direct) {
      b = pages.chunk;
      start = pageStart + repBytes + defBytes;
    } else {
      start = pages.copy(src);
      b = pages.heap.bytes;
    }
  } else {
    if (src.length === 0) throw new Unsupported('empty compressed v2 page');
    start = pages.place(src, size);
    b = d.bytes;
  }
  return { count, encoding: ph.encoding, b, start, end: start + size };
}

/** Non-null values among the page's `count` entries (those at the max definition level). */
function nonNullCount(d: ColumnData, count: number): number {
  const defs = d.definitionLevels;
  if (!defs) return count;
  let n = 0;
  const max = d.spec.maxDefinitionLevel;
  for (let i = d.entryCount, e = d.entryCount + count; i < e; i++) if (defs[i] === max) n++;
  return n;
}

/** Decode a data page's `n` non-null values by their encoding, after the column's values so far. */
function decodeValues(page: PageValues, n: number, dictionary: Dictionary | undefined, pages: PagePlacer, byteRanges: boolean, isFloat: boolean): void {
  const d = pages.d;
  const { encoding, b, start, end } = page;
  const kind = d.spec.kind;
  const fixed = d.spec.fixedWidth;
  if (encoding === 'PLAIN') {
    if (byteRanges) decodePlainByteRanges(b, start, end, fixed, n, d.starts, d.lengths, d.valueCount);
    else decodePlainNumbers(b, start, end, kind, n, d, d.valueCount);
  } else if (encoding === 'PLAIN_DICTIONARY' || encoding === 'RLE_DICTIONARY') {
    if (!dictionary) throw new Unsupported('dictionary-encoded page without a dictionary');
    decodeDictionaryIndices(b, start, end, n, dictionary, d, byteRanges);
  } else if (encoding === 'DELTA_BINARY_PACKED' && !byteRanges && !isFloat && kind !== 'boolean') decodeDeltaBinaryPacked(b, start, end, n, d);
  else if (encoding === 'DELTA_LENGTH_BYTE_ARRAY' && byteRanges && !fixed) decodeDeltaLengthByteArray(b, start, end, n, d);
  else if (encoding === 'DELTA_BYTE_ARRAY' && byteRanges && !fixed && !pages.direct) decodeDeltaByteArray(b, start, end, n, d, pages.heap);
  else if (encoding === 'BYTE_STREAM_SPLIT' && !byteRanges && kind !== 'boolean') decodeByteStreamSplit(b, start, end, n, d);
  else if (encoding === 'RLE' && kind === 'boolean') {
    // RLE booleans: a 4-byte length, then the hybrid encoding with bit width 1.
    if (n > 0) decodeRleHybrid(b, start + 4, start + 4 + readUint32(b, start), 1, d.ints, d.valueCount, n);
  } else throw new Unsupported(`encoding ${encoding}`);
  d.valueCount += n;
}
