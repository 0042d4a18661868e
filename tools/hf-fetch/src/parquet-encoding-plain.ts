/** PLAIN encoding (parquet-format Encodings.md): values back to back; byte arrays with a 4-byte length each. */
import type { ColumnData } from './parquet-column-data.js';
import { Unsupported } from './parquet-fast-errors.js';
import { BIGINT_KINDS, type LeafKind } from './parquet-fast-plan.js';
import { readUint32 } from './parquet-levels.js';

/** Where numeric values go (a column's arrays, or a dictionary's). */
export type NumberArrays = Pick<ColumnData, 'ints' | 'floats' | 'bigints'>;

/** Decode `n` PLAIN numbers (or booleans, bit-packed) of `kind` from b[p, end) into out[at…]. */
export function decodePlainNumbers(b: Uint8Array, p: number, end: number, kind: LeafKind, n: number, out: NumberArrays, at: number): void {
  if (kind === 'boolean') {
    if (p + ((n + 7) >> 3) > end) throw new Unsupported('values past the page');
    for (let i = 0; i < n; i++) out.ints[at + i] = (b[p + (i >> 3)] >> (i & 7)) & 1;
    return;
  }
  const width = kind === 'float64' || BIGINT_KINDS.has(kind) ? 8 : 4;
  if (p + n * width > end) throw new Unsupported('values past the page');
  const view = new DataView(b.buffer, b.byteOffset + p, n * width);
  switch (kind) {
    case 'int32':
    case 'uint32':
    case 'date':
    case 'decimal32':
      for (let i = 0; i < n; i++) out.ints[at + i] = view.getInt32(i * 4, true);
      return;
    case 'float32':
      for (let i = 0; i < n; i++) out.floats[at + i] = view.getFloat32(i * 4, true);
      return;
    case 'float64':
      for (let i = 0; i < n; i++) out.floats[at + i] = view.getFloat64(i * 8, true);
      return;
    default:
      for (let i = 0; i < n; i++) out.bigints[at + i] = view.getBigInt64(i * 8, true);
  }
}

/**
 * Record the byte ranges of `n` PLAIN byte-array values in b[p, end) into starts/lengths[at…]:
 * `fixedWidth` bytes each (FIXED_LEN_BYTE_ARRAY, INT96), else a little-endian length before each.
 */
export function decodePlainByteRanges(b: Uint8Array, p: number, end: number, fixedWidth: number, n: number, starts: Int32Array, lengths: Int32Array, at: number): void {
  if (fixedWidth) {
    if (p + n * fixedWidth > end) throw new Unsupported('values past the page');
    for (let i = 0; i < n; i++) {
      starts[at + i] = p;
      lengths[at + i] = fixedWidth;
      p += fixedWidth;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const len = readUint32(b, p);
    p += 4;
    if (p + len > end) throw new Unsupported('value past the page');
    starts[at + i] = p;
    lengths[at + i] = len;
    p += len;
  }
}
