/**
 * Dictionary encoding (PLAIN_DICTIONARY / RLE_DICTIONARY): a dictionary page of PLAIN values,
 * then data pages of indices into it (a bit width byte, then the RLE/bit-packed hybrid).
 */
import { type ColumnData, EMPTY_BIGINT64, EMPTY_FLOAT64, EMPTY_INT32 } from './parquet-column-data.js';
import { decodePlainByteRanges, decodePlainNumbers } from './parquet-encoding-plain.js';
import { Unsupported } from './parquet-fast-errors.js';
import type { LeafSpec } from './parquet-fast-plan.js';
import { decodeRleHybrid } from './parquet-levels.js';

/** A column chunk's dictionary: byte ranges (byte-array kinds) or values (numbers), by index. */
export interface Dictionary {
  size: number;
  starts: Int32Array;
  lengths: Int32Array;
  ints: Int32Array;
  floats: Float64Array;
  bigints: BigInt64Array;
}

/** Decode the `size` PLAIN values of a dictionary page at b[at, end). */
export function readDictionary(b: Uint8Array, at: number, end: number, spec: LeafSpec, byteRanges: boolean, size: number): Dictionary {
  const dict: Dictionary = { size, starts: EMPTY_INT32, lengths: EMPTY_INT32, ints: EMPTY_INT32, floats: EMPTY_FLOAT64, bigints: EMPTY_BIGINT64 };
  if (byteRanges) {
    dict.starts = new Int32Array(size);
    dict.lengths = new Int32Array(size);
    decodePlainByteRanges(b, at, end, spec.fixedWidth, size, dict.starts, dict.lengths, 0);
  } else {
    dict.ints = new Int32Array(size);
    dict.floats = new Float64Array(size);
    dict.bigints = new BigInt64Array(size);
    decodePlainNumbers(b, at, end, spec.kind, size, dict, 0);
  }
  return dict;
}

/** Dictionary indices of one page, reused (a page's indices are copied out before the next page). */
let indices = new Int32Array(1024);

/** Decode `n` dictionary indices at b[p, end) and copy the values they name into column `d` from value `d.valueCount` on. */
export function decodeDictionaryIndices(b: Uint8Array, p: number, end: number, n: number, dict: Dictionary, d: ColumnData, byteRanges: boolean): void {
  if (n === 0) return;
  if (p >= end) throw new Unsupported('no bit width');
  const width = b[p];
  if (indices.length < n) indices = new Int32Array(n * 2);
  const idx = indices;
  if (width === 0) idx.fill(0, 0, n);
  else decodeRleHybrid(b, p + 1, end, width, idx, 0, n);
  const isBig = d.spec.physicalType === 'INT64';
  const isFloat = d.spec.kind === 'float32' || d.spec.kind === 'float64';
  let v = d.valueCount;
  for (let i = 0; i < n; i++) {
    const k = idx[i];
    if (k >= dict.size) throw new Unsupported('dictionary index out of range');
    if (byteRanges) {
      d.starts[v] = dict.starts[k];
      d.lengths[v] = dict.lengths[k];
    } else if (isBig) d.bigints[v] = dict.bigints[k];
    else if (isFloat) d.floats[v] = dict.floats[k];
    else d.ints[v] = dict.ints[k];
    v++;
  }
}
