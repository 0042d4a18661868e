/** BYTE_STREAM_SPLIT (DuckDB's floats with PARQUET_VERSION v2): byte k of value i is at k * n + i. */
import type { ColumnData } from './parquet-column-data.js';
import { decodePlainNumbers } from './parquet-encoding-plain.js';
import { Unsupported } from './parquet-fast-errors.js';
import { BIGINT_KINDS } from './parquet-fast-plan.js';

/** Decode `n` numbers at b[p, end) into column `d` from value `d.valueCount` on. */
export function decodeByteStreamSplit(b: Uint8Array, p: number, end: number, n: number, d: ColumnData): void {
  const kind = d.spec.kind;
  const width = BIGINT_KINDS.has(kind) || kind === 'float64' ? 8 : 4;
  if (p + n * width > end) throw new Unsupported('values past the page');
  const value = new Uint8Array(width);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < width; k++) value[k] = b[p + k * n + i];
    decodePlainNumbers(value, 0, width, kind, 1, d, d.valueCount + i);
  }
}
