/**
 * The DELTA encodings (parquet-format Encodings.md), as DuckDB writes them with PARQUET_VERSION v2:
 * DELTA_BINARY_PACKED integers, DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY strings. The
 * integer decoder is hyparquet's (through hyparquet-internals.ts).
 */
import { deltaBinaryDecode } from './hyparquet-internals.js';
import type { ColumnData, PageHeap } from './parquet-column-data.js';
import { Unsupported } from './parquet-fast-errors.js';

/** A cursor over b[…, end): hyparquet's decoder reads no further than the view. */
function cursorAt(b: Uint8Array, p: number, end: number) {
  return { view: new DataView(b.buffer, b.byteOffset, end), offset: p };
}

/** DELTA_BINARY_PACKED: `n` INT32 or INT64 values at b[p, end) into column `d` from value `d.valueCount` on. */
export function decodeDeltaBinaryPacked(b: Uint8Array, p: number, end: number, n: number, d: ColumnData): void {
  if (n === 0) return;
  const at = d.valueCount;
  deltaBinaryDecode(cursorAt(b, p, end), n, d.spec.physicalType === 'INT64' ? d.bigints.subarray(at, at + n) : d.ints.subarray(at, at + n));
}

/** DELTA_LENGTH_BYTE_ARRAY: the lengths (delta binary packed), then the values back to back. */
export function decodeDeltaLengthByteArray(b: Uint8Array, p: number, end: number, n: number, d: ColumnData): void {
  if (n === 0) return;
  const cursor = cursorAt(b, p, end);
  const at = d.valueCount;
  const lengths = d.lengths.subarray(at, at + n);
  deltaBinaryDecode(cursor, n, lengths);
  let q = cursor.offset;
  for (let i = 0; i < n; i++) {
    const len = lengths[i];
    if (len < 0 || q + len > end) throw new Unsupported('value past the page');
    d.starts[at + i] = q;
    q += len;
  }
}

/**
 * DELTA_BYTE_ARRAY: prefix lengths, suffix lengths (both delta binary packed), then the
 * suffixes; each value is rebuilt in the heap after the page's other values (a prefix is of the
 * value before, in this page, as hyparquet reads it). `b` may be the heap's old buffer.
 */
export function decodeDeltaByteArray(b: Uint8Array, p: number, end: number, n: number, d: ColumnData, heap: PageHeap): void {
  if (n === 0) return;
  const cursor = cursorAt(b, p, end);
  const prefixes = new Int32Array(n);
  deltaBinaryDecode(cursor, n, prefixes);
  const suffixes = new Int32Array(n);
  deltaBinaryDecode(cursor, n, suffixes);
  let size = 0;
  for (let i = 0; i < n; i++) {
    if (prefixes[i] < 0 || suffixes[i] < 0) throw new Unsupported('negative length');
    size += prefixes[i] + suffixes[i];
  }
  let o = heap.reserve(size);
  const out = heap.bytes;
  let src = cursor.offset;
  let previousStart = 0;
  let previousLength = 0;
  const at = d.valueCount;
  for (let i = 0; i < n; i++) {
    const prefix = prefixes[i];
    const suffix = suffixes[i];
    if (prefix > (i === 0 ? 0 : previousLength)) throw new Unsupported('prefix longer than the value before');
    if (src + suffix > end) throw new Unsupported('value past the page');
    out.copyWithin(o, previousStart, previousStart + prefix);
    out.set(b.subarray(src, src + suffix), o + prefix);
    d.starts[at + i] = o;
    d.lengths[at + i] = prefix + suffix;
    previousStart = o;
    previousLength = prefix + suffix;
    o += prefix + suffix;
    src += suffix;
  }
}
